"""The city's vocabulary, read from its YAML folder (docs/city-format.md) without the database.

* user words for the tokenizer: district, street and unit names, their aliases and landmarks, and the
  category names and keywords — so that 望京街道 or 市住房和城乡建设委员会 are segmented whole;
* category keywords (the prior): per matter-type code, its name, keywords and description phrases.

Missing files are simply skipped: a city may start with categories only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from classifier.data import DataError, prior_from_categories, prior_words


@dataclass
class CityVocabulary:
    words: set[str] = field(default_factory=set)
    category_keywords: dict[str, set[str]] = field(default_factory=dict)


def _load_yaml(path: Path) -> dict:
    if not path.is_file():
        return {}
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle) or {}
    except yaml.YAMLError as exc:
        raise DataError(f"文件 {path} 不是有效的 YAML（{exc}）") from exc


def _names(entry: dict, *keys: str) -> list[str]:
    out = []
    for key in keys:
        value = entry.get(key)
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, list):
            out.extend(str(v) for v in value if isinstance(v, str))
    return out


def load_city_vocabulary(city_dir: str | os.PathLike) -> CityVocabulary:
    city_dir = Path(city_dir)
    words: set[str] = set()
    for unit in _load_yaml(city_dir / "units.yaml").get("units") or []:
        words.update(_names(unit, "name"))
    for district in _load_yaml(city_dir / "jurisdictions.yaml").get("districts") or []:
        words.update(_names(district, "name", "aliases", "landmarks"))
        for street in district.get("streets") or []:
            words.update(_names(street, "name", "aliases", "landmarks"))
    keywords = prior_from_categories(_load_yaml(city_dir / "categories.yaml"))
    words.update(prior_words(keywords))
    return CityVocabulary(words=words, category_keywords=keywords)
