"""Reading training data and prior knowledge from files.

Training CSV: UTF-8 (a BOM is fine), a header row, columns `label` and either `title` and/or `body`,
or a single `text` column (a caller's words: the title is then taken from its first clause).
Other columns are ignored.

Prior knowledge (`read_prior`): category keywords from
* a city's `categories.yaml` (matter-type code -> its name, keywords and description),
* a taxonomy spreadsheet (.xlsx: first column the label, further columns sub-category names),
* a CSV with columns `label,keyword`.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from classifier.text import normalise


class DataError(ValueError):
    """A data file is missing, unreadable or lacks a required column."""


@dataclass
class Dataset:
    titles: list[str] = field(default_factory=list)
    bodies: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.labels)

    def __add__(self, other: Dataset) -> Dataset:
        return Dataset(self.titles + other.titles, self.bodies + other.bodies, self.labels + other.labels)

    def rows(self) -> list[tuple[str, str, str]]:
        return list(zip(self.titles, self.bodies, self.labels, strict=True))

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping | tuple]) -> Dataset:
        """Rows as (title, body, label) tuples or mappings with title/body (or text) and label."""
        data = cls()
        for row in rows:
            if isinstance(row, Mapping):
                title = row.get("title") or ""
                body = row.get("body") or row.get("content") or row.get("text") or ""
                label = row.get("label") if row.get("label") is not None else row.get("category")
            else:
                title, body, label = row
            if label is None or not str(label).strip():
                raise DataError(f"一条训练数据没有类别标签（label）：{row!r}")
            data.titles.append(str(title or ""))
            data.bodies.append(str(body or ""))
            data.labels.append(str(label).strip())
        return data

    def deduplicated(self) -> Dataset:
        """One row per distinct (title, body); the last one wins, so later human decisions override
        earlier seed rows for the same text."""
        last: dict[tuple[str, str], int] = {}
        for i, (t, b) in enumerate(zip(self.titles, self.bodies, strict=True)):
            last[(normalise(t), normalise(b))] = i
        keep = sorted(last.values())
        return Dataset(
            [self.titles[i] for i in keep], [self.bodies[i] for i in keep], [self.labels[i] for i in keep]
        )

    def training_record(self) -> dict:
        """What model metadata keeps of its training data, in one pass over the normalised rows:
        `training_data_hash` (SHA-256 of the rows in order) and `training_rows` (their row keys)."""
        digest = hashlib.sha256()
        keys = set()
        for title, body, label in self.rows():
            line = _row_line(title, body, label)
            digest.update(line + b"\x1e")
            keys.add(_row_key(line))
        return {"training_data_hash": digest.hexdigest(), "training_rows": sorted(keys)}

    def row_keys(self) -> list[str]:
        """A short content hash per row, to recognise rows across training runs without ids."""
        return [_row_key(_row_line(t, b, label)) for t, b, label in self.rows()]


def _row_line(title: str, body: str, label: str) -> bytes:
    return "\x1f".join((normalise(title), normalise(body), label)).encode()


def _row_key(line: bytes) -> str:
    return hashlib.sha256(line).hexdigest()[:16]


def _open_csv(path: str | os.PathLike) -> tuple[list[str], list[dict]]:
    path = Path(path)
    if not path.is_file():
        raise DataError(f"找不到文件 {path}，请检查路径")
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            columns = [c.strip() for c in (reader.fieldnames or [])]
            reader.fieldnames = columns
            rows = list(reader)
    except UnicodeDecodeError as exc:
        raise DataError(f"文件 {path} 不是 UTF-8 编码（{exc}）；请将其另存为 UTF-8 编码的 CSV") from exc
    except csv.Error as exc:
        raise DataError(f"文件 {path} 无法按 CSV 格式读取（{exc}）") from exc
    return columns, rows


def _text_columns(path: Path, columns: list[str]) -> tuple[str | None, str | None]:
    """(title column, body column) of a CSV; `text` stands for the body of an untitled message."""
    title = "title" if "title" in columns else None
    body = next((c for c in ("body", "content", "text") if c in columns), None)
    if title is None and body is None:
        raise DataError(
            f"文件 {path} 缺少文本列：需要 'title' 和/或 'body' 列，或一个 'text' 列；"
            f"现有的列：{', '.join(columns) or '无'}"
        )
    return title, body


def read_texts(path: str | os.PathLike) -> tuple[list[str], list[str]]:
    """(titles, bodies) of a CSV of messages to classify (title/body or text columns)."""
    columns, rows = _open_csv(path)
    title_col, body_col = _text_columns(Path(path), columns)
    titles = [(row.get(title_col) or "") if title_col else "" for row in rows]
    bodies = [(row.get(body_col) or "") if body_col else "" for row in rows]
    return titles, bodies


def read_training_csv(path: str | os.PathLike) -> Dataset:
    """A labelled CSV (see module docstring). Rows without any text or without a label are errors."""
    path = Path(path)
    columns, rows = _open_csv(path)
    if "label" not in columns:
        raise DataError(f"文件 {path} 缺少 'label' 列（类别标签）；现有的列：{', '.join(columns) or '无'}")
    title_col, body_col = _text_columns(path, columns)
    data = Dataset()
    for line, row in enumerate(rows, start=2):
        title = (row.get(title_col) or "") if title_col else ""
        body = (row.get(body_col) or "") if body_col else ""
        label = (row.get("label") or "").strip()
        if not label:
            raise DataError(f"文件 {path} 第 {line} 行：类别标签（label）为空")
        if not (title.strip() or body.strip()):
            raise DataError(f"文件 {path} 第 {line} 行：没有文本（标题和正文都为空）")
        data.titles.append(title)
        data.bodies.append(body)
        data.labels.append(label)
    if not data.labels:
        raise DataError(f"文件 {path} 没有数据行（只有表头或为空）")
    return data


# -- prior knowledge ------------------------------------------------------------------------------

_DESCRIPTION_SPLIT = re.compile(r"[、，,；;。/\s]+")
_GENERIC = {"其他", "其它", "综合", "other"}


def _add(prior: dict[str, set[str]], label: str, phrases: Iterable[str]) -> None:
    for phrase in phrases:
        phrase = str(phrase or "").strip()
        if phrase and phrase.lower() not in _GENERIC:
            prior.setdefault(label, set()).add(phrase)


def prior_from_categories(categories: Mapping) -> dict[str, set[str]]:
    """Keywords per matter-type code from a parsed categories.yaml (see docs/city-format.md): the
    matter type's name, its keywords, and the phrases of its description."""
    prior: dict[str, set[str]] = {}
    for group in categories.get("groups") or []:
        for category in group.get("categories") or []:
            code = str(category.get("code") or "").strip()
            if not code:
                continue
            _add(prior, code, [category.get("name", "")])
            _add(prior, code, category.get("keywords") or [])
            _add(prior, code, _DESCRIPTION_SPLIT.split(str(category.get("description") or "")))
    return prior


def _xlsx_rows(path: Path) -> list[list[str]]:
    """Cell texts of the first worksheet, without a spreadsheet library: an .xlsx is zipped XML."""
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            shared = []
            if "xl/sharedStrings.xml" in names:
                root = ElementTree.fromstring(archive.read("xl/sharedStrings.xml"))
                shared = ["".join(t.text or "" for t in si.iter(ns + "t")) for si in root.findall(ns + "si")]
            sheet = ElementTree.fromstring(archive.read("xl/worksheets/sheet1.xml"))
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError) as exc:
        raise DataError(f"文件 {path} 无法按 .xlsx 格式读取（{exc}）") from exc
    rows = []
    for row in sheet.iter(ns + "row"):
        cells = []
        for cell in row.findall(ns + "c"):
            value = cell.find(ns + "v")
            inline = cell.find(ns + "is")
            if value is not None and value.text is not None:
                text = shared[int(value.text)] if cell.get("t") == "s" else value.text
            elif inline is not None:
                text = "".join(t.text or "" for t in inline.iter(ns + "t"))
            else:
                text = ""
            cells.append(text.strip())
        rows.append(cells)
    return rows


def read_prior(path: str | os.PathLike) -> dict[str, set[str]]:
    """Category keywords (label -> phrases) from categories.yaml, a taxonomy .xlsx or a label,keyword CSV."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"找不到文件 {path}，请检查路径")
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        import yaml

        with path.open(encoding="utf-8") as handle:
            return prior_from_categories(yaml.safe_load(handle) or {})
    prior: dict[str, set[str]] = {}
    if suffix == ".xlsx":
        rows = _xlsx_rows(path)
        for cells in rows[1:]:  # the first row is the header (一级分类, 二级分类, 三级分类)
            if cells and cells[0]:
                _add(prior, cells[0], cells[1:])
        return prior
    if suffix == ".csv":
        columns, rows = _open_csv(path)
        if not {"label", "keyword"} <= set(columns):
            raise DataError(
                f"文件 {path}：类别关键词 CSV 需要 'label' 和 'keyword' 两列；"
                f"现有的列：{', '.join(columns) or '无'}"
            )
        for row in rows:
            if (row.get("label") or "").strip():
                _add(prior, row["label"].strip(), [row.get("keyword") or ""])
        return prior
    raise DataError(f"文件 {path}：类别关键词文件必须是 .yaml、.xlsx 或 .csv 格式")


def prior_words(prior: Mapping[str, Iterable[str]] | None) -> set[str]:
    """The prior's phrases, for the tokenizer's user dictionary (so that 棚户区改造 stays whole)."""
    return {p for phrases in (prior or {}).values() for p in phrases}


# -- the shared evaluation data (outside the repository) ------------------------------------------

SHARED_DATA_ENV = "HOTLINE_SHARED_DATA"


def shared_data_dir() -> Path:
    """../shared/data beside the repository, or $HOTLINE_SHARED_DATA. It may not exist."""
    override = os.environ.get(SHARED_DATA_ENV)
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
