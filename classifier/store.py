"""Versioned models on disk, loaded safely.

Layout of a store (one directory, the app's MODEL_DIR)::

    <root>/
      CURRENT                    the promoted version's name, e.g. "v0003"
      decisions.jsonl            append-only log of promotions and challenger decisions
      versions/
        v0001/
          model.skops            the fitted TextClassifier, in skops format (no pickle)
          inference.npz          the same model as plain arrays (NumPy, allow_pickle=False) ...
          inference.json         ... and their description: what a web process loads to predict
          metadata.json          labels, training-data hash, metrics, library versions, sha256 of each file, ...

Loading is refused (`ModelLoadError`) when the version name is not one of ours, when the files are not
inside the store directory (symlinks out of it included), when model.skops does not match the SHA-256
recorded at save time, or when the file holds any type outside `TRUSTED_TYPES`. skops never unpickles:
it rebuilds only the types it is told to trust, so a foreign file cannot run code on load.

`load_inference` loads the arrays form instead (classifier.inference, routing.urgency_inference): the
same predictions without importing scikit-learn, SciPy's statistics or skops (≈ 90 MB per web process).
The arrays are checked against their SHA-256 too and read with allow_pickle=False. A version saved
before the arrays form existed is loaded from its skops file and converted; `add_inference_files`
(called by `up`) writes the arrays beside it, so that from then on it too loads without scikit-learn.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shutil
import tempfile
import zipfile
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

MODEL_FILE = "model.skops"
METADATA_FILE = "metadata.json"
CURRENT_FILE = "CURRENT"
DECISIONS_FILE = "decisions.jsonl"
INFERENCE_ARRAYS_FILE = "inference.npz"
INFERENCE_DESCRIPTION_FILE = "inference.json"
# metadata.json: {file name: SHA-256} of the arrays form. Written by the store only, like model_sha256.
INFERENCE_FILES_KEY = "inference_files"
FORMAT_VERSION = 1
_VERSION_NAME = re.compile(r"^v\d{4,9}$")

# Types a model file may contain beyond those skops trusts by default (builtins, numpy, scipy sparse,
# scikit-learn estimators). Anything else makes `load` refuse the file.
TRUSTED_TYPES: tuple[str, ...] = (
    "classifier.model.TextClassifier",
    "classifier.model.LinearScorer",
    "classifier.features.TicketFeatures",
    "classifier.features.CharBlock",
    "classifier.features.WordBlock",
    "classifier.tokenizer.Tokenizer",
    "classifier.calibration.ScoreCalibrator",
    "classifier.novelty.Familiarity",
)

_LIBRARIES = ("scikit-learn", "numpy", "scipy", "jieba", "skops")


class ModelLoadError(Exception):
    """A model could not be loaded, or was refused as unsafe. The message says which and why."""


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in _LIBRARIES:
        try:
            versions[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:  # pragma: no cover - all are requirements
            versions[name] = "missing"
    return versions


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _json_default(value: Any) -> Any:
    # numpy scalars and arrays, sets and tuples in metrics
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def check_model_file(
    path: Path, expected_sha256: str | None = None, trusted: tuple[str, ...] = TRUSTED_TYPES
) -> None:
    """Raise ModelLoadError unless `path` is an intact skops file with trusted types only."""
    if expected_sha256 is not None:
        actual = file_sha256(path)
        if actual != expected_sha256:
            raise ModelLoadError(
                f"模型文件 {path} 完整性校验失败：其 SHA-256 为 {actual[:12]}…，元数据记录的是 "
                f"{expected_sha256[:12]}…；文件在保存后被修改或替换，已拒绝加载。请重新训练，或从备份恢复该版本"
            )
    import skops.io as skio  # here, not at module level: a process loading the arrays form never needs it

    if not zipfile.is_zipfile(path):
        raise ModelLoadError(f"{path} 不是 skops 模型文件（出于安全考虑，pickle 或 joblib 文件一律不加载）")
    try:
        untrusted = skio.get_untrusted_types(file=path)
    except Exception as exc:  # skops raises assorted errors on malformed archives
        raise ModelLoadError(f"模型文件 {path} 无法读取（{type(exc).__name__}: {exc}）") from exc
    unexpected = sorted(set(untrusted) - set(trusted))
    if unexpected:
        raise ModelLoadError(f"已拒绝加载模型文件 {path}：其中含有不受信任的类型：{', '.join(unexpected)}")


def load_model_file(
    path: Path, expected_sha256: str | None = None, trusted: tuple[str, ...] = TRUSTED_TYPES,
    kind: type | None = None,
) -> Any:
    """Load a skops model file after `check_model_file`; the object must be a `kind` (TextClassifier)."""
    if kind is None:
        from classifier.model import TextClassifier as kind

    import skops.io as skio

    check_model_file(path, expected_sha256, trusted)
    try:
        model = skio.load(path, trusted=list(trusted))
    except Exception as exc:
        raise ModelLoadError(f"模型文件 {path} 无法加载（{type(exc).__name__}: {exc}）") from exc
    if not isinstance(model, kind):
        raise ModelLoadError(f"模型文件 {path} 中是 {type(model).__name__}，不是 {kind.__name__} 模型")
    return model


class ModelStore:
    """Saves, lists, promotes and safely loads model versions under one directory.

    A store holds one kind of model: TextClassifier here; a subclass names another kind through
    `trusted_types`, `model_kind` and `describe` (the app's urgency model store does).
    """

    trusted_types: tuple[str, ...] = TRUSTED_TYPES

    def __init__(self, root_dir: str | os.PathLike):
        self.root = Path(root_dir).resolve()
        self.versions_dir = self.root / "versions"

    def model_kind(self) -> type:
        from classifier.model import TextClassifier

        return TextClassifier

    def inference_kind(self) -> type:
        """The arrays form's class: `FORMAT` and `KIND` (what its description must say), `from_arrays(description,
        arrays)` and `from_model(model)`."""
        from classifier.inference import CompiledClassifier

        return CompiledClassifier

    def describe(self, model: Any) -> dict:
        """What the store records about a model it saves, beside the integrity fields."""
        return {
            "labels": model.labels,
            "threshold": model.threshold,
            "config": model.config,
            "user_words": len(model.tokenizer.user_words),
            "training": model.training_report,
        }

    def check_loaded(self, model: Any, meta: dict, version: str) -> None:
        if list(model.labels) != list(meta.get("labels", [])):
            raise ModelLoadError(f"模型版本 {version}：模型的类别与其元数据记录的不一致")

    # -- paths -----------------------------------------------------------------------------------
    def _version_dir(self, version: str) -> Path:
        if not isinstance(version, str) or not _VERSION_NAME.match(version):
            raise ModelLoadError(f"{version!r} 不是有效的模型版本名（应形如 v0001、v0002…）")
        path = self.versions_dir / version
        # resolve() follows symlinks: a version directory pointing outside the store is refused.
        resolved = path.resolve()
        if resolved.parent != self.versions_dir.resolve():
            raise ModelLoadError(f"已拒绝 {path}：它不在模型目录 {self.versions_dir} 之内")
        return resolved

    def _inside(self, path: Path) -> Path:
        resolved = path.resolve()
        if not resolved.is_relative_to(self.root):
            raise ModelLoadError(f"已拒绝 {path}：它指向模型目录 {self.root} 之外")
        return resolved

    # -- queries ---------------------------------------------------------------------------------
    def list_versions(self) -> list[str]:
        if not self.versions_dir.is_dir():
            return []
        return sorted(
            (
                p.name
                for p in self.versions_dir.iterdir()
                if _VERSION_NAME.match(p.name) and (p / METADATA_FILE).is_file()
            ),
            key=lambda name: int(name[1:]),
        )

    def current_version(self) -> str | None:
        path = self.root / CURRENT_FILE
        if not path.is_file():
            return None
        version = path.read_text(encoding="utf-8").strip()
        return version or None

    def loadable_version(self) -> tuple[str | None, ModelLoadError | None]:
        """The current version if it loads safely, else None with why it was refused (never loaded then:
        the caller trains a replacement and says so). Both forms are checked: the skops file (retraining
        judges its challenger against it) and, when the version has one, the arrays form serving processes
        load; a spoiled arrays file would otherwise leave every process on the rules alone until a retrain."""
        current = self.current_version()
        if current is None:
            return None, None
        try:
            self.load(current)
            if self.metadata(current).get(INFERENCE_FILES_KEY):
                self.load_inference(current)
        except ModelLoadError as exc:
            return None, exc
        return current, None

    def metadata(self, version: str) -> dict:
        path = self._inside(self._version_dir(version) / METADATA_FILE)
        if not path.is_file():
            raise ModelLoadError(f"模型目录 {self.root} 中没有模型版本 {version}")
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelLoadError(f"元数据文件 {path} 无法读取（{exc}）") from exc

    def decisions(self) -> list[dict]:
        path = self.root / DECISIONS_FILE
        if not path.is_file():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]

    # -- writing ---------------------------------------------------------------------------------
    def _claim_version(self) -> tuple[str, Path]:
        """Create the next free version directory; mkdir is atomic, so two writers never share one."""
        self.versions_dir.mkdir(parents=True, exist_ok=True)
        existing = [int(p.name[1:]) for p in self.versions_dir.iterdir() if _VERSION_NAME.match(p.name)]
        number = max(existing, default=0) + 1
        while True:
            version = f"v{number:04d}"
            try:
                (self.versions_dir / version).mkdir()
                return version, self.versions_dir / version
            except FileExistsError:
                number += 1

    def save(self, model: Any, metadata: Mapping | None = None, *, promote: bool | None = None) -> str:
        """Write a new version and return its name.

        `metadata` is merged into what the store records itself (labels, threshold, training report,
        library versions, created_at, sha256). `promote=None` promotes only when no version is current
        yet, so a store's first model is usable at once; True always promotes, False never.
        """
        kind = self.model_kind()
        if not isinstance(model, kind) or not getattr(model, "fitted", hasattr(model, "classes_")):
            raise TypeError(f"only a fitted {kind.__module__}.{kind.__name__} can be saved")
        version, directory = self._claim_version()
        try:
            model_path = directory / MODEL_FILE
            with tempfile.NamedTemporaryFile(dir=directory, suffix=".tmp", delete=False) as handle:
                tmp = Path(handle.name)
            import skops.io as skio

            skio.dump(model, tmp)
            os.replace(tmp, model_path)
            inference_files = _write_inference_files(directory, model)
            record = {
                "format_version": FORMAT_VERSION,
                "version": version,
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                **self.describe(model),
                "libraries": library_versions(),
                "model_file": MODEL_FILE,
                "model_bytes": model_path.stat().st_size,
            }
            record.update(dict(metadata or {}))
            # The integrity fields describe the file just written; caller metadata may not override them.
            record["model_sha256"] = file_sha256(model_path)
            record[INFERENCE_FILES_KEY] = inference_files
            record["version"] = version
            tmp_meta = directory / (METADATA_FILE + ".tmp")
            tmp_meta.write_text(
                json.dumps(record, ensure_ascii=False, indent=2, default=_json_default), encoding="utf-8"
            )
            os.replace(tmp_meta, directory / METADATA_FILE)  # the version becomes visible only now
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)
            raise
        if promote or (promote is None and self.current_version() is None):
            self.promote(version, reason="首个模型，自动启用" if promote is None else "保存时启用")
        return version

    def promote(self, version: str, reason: str = "") -> None:
        """Make `version` the current model (atomically) and log it."""
        self.metadata(version)  # must exist
        previous = self.current_version()
        tmp = self.root / (CURRENT_FILE + ".tmp")
        tmp.write_text(version + "\n", encoding="utf-8")
        os.replace(tmp, self.root / CURRENT_FILE)
        self.record_decision({"event": "promote", "version": version, "previous": previous, "reason": reason})

    def record_decision(self, decision: Mapping) -> None:
        entry = {"at": datetime.now(UTC).isoformat(timespec="seconds"), **decision}
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / DECISIONS_FILE).open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, ensure_ascii=False, default=_json_default) + "\n")

    def update_metadata(self, version: str, extra: Mapping) -> dict:
        """Add fields to a version's metadata (never the integrity fields)."""
        record = self.metadata(version)
        protected = {"model_sha256", "version", "model_file", "format_version", INFERENCE_FILES_KEY}
        record.update({k: v for k, v in extra.items() if k not in protected})
        path = self._version_dir(version) / METADATA_FILE
        tmp = path.with_suffix(".tmp")
        tmp.write_text(
            json.dumps(record, ensure_ascii=False, indent=2, default=_json_default), encoding="utf-8"
        )
        os.replace(tmp, path)
        return record

    # -- loading ---------------------------------------------------------------------------------
    def _checked_metadata(self, version: str | None) -> tuple[str, dict]:
        if version is None:
            version = self.current_version()
            if version is None:
                raise ModelLoadError(
                    f"模型目录 {self.root} 中没有当前模型：请先训练一个（flask classifier train）"
                )
        meta = self.metadata(version)
        if meta.get("format_version") != FORMAT_VERSION:
            raise ModelLoadError(
                f"模型版本 {version}：无法识别的存储格式 {meta.get('format_version')!r}；请用当前程序重新训练"
            )
        return version, meta

    def load(self, version: str | None = None) -> tuple[Any, dict]:
        """(model, metadata) of `version`, or of the current version when None."""
        version, meta = self._checked_metadata(version)
        expected = meta.get("model_sha256")
        if not isinstance(expected, str) or len(expected) != 64:
            raise ModelLoadError(
                f"模型版本 {version}：元数据中没有 SHA-256，无法校验模型文件，已拒绝加载；请重新训练"
            )
        path = self._inside(self._version_dir(version) / MODEL_FILE)
        if not path.is_file():
            raise ModelLoadError(f"模型版本 {version}：缺少模型文件 {MODEL_FILE}")
        model = load_model_file(path, expected, self.trusted_types, self.model_kind())
        self.check_loaded(model, meta, version)
        return model, meta

    def load_inference(self, version: str | None = None) -> tuple[Any, dict]:
        """(the model's arrays form, metadata): what a serving process predicts with. Imports neither
        scikit-learn nor skops when the version has its inference files; a version saved before them is
        loaded from its skops file and converted (see `add_inference_files`)."""
        version, meta = self._checked_metadata(version)
        files = meta.get(INFERENCE_FILES_KEY)
        if not files:
            model, meta = self.load(version)
            return self.inference_kind().from_model(model), meta
        directory = self._version_dir(version)
        paths = {}
        for name in (INFERENCE_ARRAYS_FILE, INFERENCE_DESCRIPTION_FILE):
            expected = files.get(name) if isinstance(files, dict) else None
            if not isinstance(expected, str) or len(expected) != 64:
                raise ModelLoadError(f"模型版本 {version}：元数据中没有 {name} 的 SHA-256，已拒绝加载；请重新训练")
            path = self._inside(directory / name)
            if not path.is_file():
                raise ModelLoadError(f"模型版本 {version}：缺少推理文件 {name}")
            actual = file_sha256(path)
            if actual != expected:
                raise ModelLoadError(
                    f"推理文件 {path} 完整性校验失败：其 SHA-256 为 {actual[:12]}…，元数据记录的是 "
                    f"{expected[:12]}…；文件在保存后被修改或替换，已拒绝加载。请重新训练，或从备份恢复该版本"
                )
            paths[name] = path
        import numpy as np

        try:
            description = json.loads(paths[INFERENCE_DESCRIPTION_FILE].read_text(encoding="utf-8"))
            with np.load(paths[INFERENCE_ARRAYS_FILE], allow_pickle=False) as archive:
                arrays = {key: archive[key] for key in archive.files}
            kind = self.inference_kind()
            if description.get("format") != kind.FORMAT or description.get("kind") != kind.KIND:
                raise ValueError("无法识别的推理文件格式")
            model = kind.from_arrays(description, arrays)
        except Exception as exc:  # a malformed archive or description: refused, never half-loaded
            raise ModelLoadError(f"模型版本 {version} 的推理文件无法加载（{type(exc).__name__}: {exc}）") from exc
        self.check_loaded(model, meta, version)
        return model, meta

    def add_inference_files(self, version: str) -> bool:
        """Write the arrays form of a version saved without it (from its verified skops file) and record
        their SHA-256; False when it has them already."""
        _, meta = self._checked_metadata(version)
        if meta.get(INFERENCE_FILES_KEY):
            return False
        model, _ = self.load(version)
        directory = self._version_dir(version)
        meta[INFERENCE_FILES_KEY] = _write_inference_files(directory, model)
        path = directory / METADATA_FILE
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=2, default=_json_default), encoding="utf-8")
        os.replace(tmp, path)
        return True


def _write_inference_files(directory: Path, model: Any) -> dict[str, str]:
    """inference.npz and inference.json of `model` in `directory`; {file name: SHA-256}."""
    import numpy as np

    description, arrays = model.inference_form()
    arrays_path, description_path = directory / INFERENCE_ARRAYS_FILE, directory / INFERENCE_DESCRIPTION_FILE
    tmp = directory / (INFERENCE_ARRAYS_FILE + ".tmp")
    with tmp.open("wb") as handle:  # a file object: np.savez would append ".npz" to a path
        np.savez(handle, **arrays)
    os.replace(tmp, arrays_path)
    tmp = directory / (INFERENCE_DESCRIPTION_FILE + ".tmp")
    tmp.write_text(json.dumps(description, ensure_ascii=False, default=_json_default), encoding="utf-8")
    os.replace(tmp, description_path)
    return {INFERENCE_ARRAYS_FILE: file_sha256(arrays_path), INFERENCE_DESCRIPTION_FILE: file_sha256(description_path)}
