"""Fixtures for the routing tests: the demo city files (skipped when absent) and small hand-made data."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

DEMO_CITY = Path(__file__).resolve().parents[2] / "hotline" / "demo_city"


def load_demo(name: str) -> dict:
    path = DEMO_CITY / name
    if not path.exists():
        pytest.skip(f"demo city file {path} is absent: the demo-city tests need it")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def demo_districts() -> list[dict]:
    return load_demo("jurisdictions.yaml")["districts"]


@pytest.fixture(scope="session")
def demo_gazetteer(demo_districts):
    from routing.gazetteer import Gazetteer

    return Gazetteer.from_districts(demo_districts)


@pytest.fixture(scope="session")
def demo_catalogue():
    from routing.dispatch import load_catalogue

    return load_catalogue(load_demo("catalogue.yaml")["entries"])


@pytest.fixture(scope="session")
def demo_units() -> dict[str, dict]:
    return {u["code"]: u for u in load_demo("units.yaml")["units"]}


@pytest.fixture(scope="session")
def demo_categories() -> dict[str, dict]:
    data = load_demo("categories.yaml")
    return {c["code"]: c for group in data["groups"] for c in group["categories"]}


@pytest.fixture(scope="session")
def demo_knowledge():
    from routing.knowledge import KnowledgeIndex

    return KnowledgeIndex(load_demo("knowledge.yaml")["articles"])


# A small invented city: names cpca does not know, a street name used in two districts, a street
# without centre, and aliases shared inside one district.
MINI_CITY = [
    {
        "name": "甲区",
        "aliases": ["甲城"],
        "unit": "JIA",
        "streets": [
            {"name": "城关镇", "unit": "JIA-CG", "landmarks": ["甲区火车站"], "center": [30.000, 110.000]},
            {"name": "桃园街道", "aliases": ["桃园"], "unit": "JIA-TY", "center": [30.050, 110.000]},
            {"name": "东湖街道", "aliases": ["湖畔"], "unit": "JIA-DH", "landmarks": ["湖畔花园"]},
            {"name": "西湖街道", "aliases": ["湖畔"], "unit": "JIA-XH"},
        ],
    },
    {
        "name": "乙县",
        "aliases": ["乙"],
        "unit": "YI",
        "streets": [
            {"name": "城关镇", "unit": "YI-CG", "center": [31.000, 111.000]},
            {
                "name": "凤凰山镇",
                "aliases": ["凤凰山"],
                "unit": "YI-FHS",
                "landmarks": ["凤凰山森林公园"],
                "center": [31.030, 111.000],
            },
        ],
    },
]


@pytest.fixture()
def mini_gazetteer():
    from routing.gazetteer import Gazetteer

    return Gazetteer.from_districts(MINI_CITY)


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return Path(__file__).resolve().parent / "fixtures"
