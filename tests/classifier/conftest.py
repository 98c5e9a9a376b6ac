"""Fixtures for the classifier tests: small hand-written data in fixtures/, and the shared real
messages (../shared/data, or $HOTLINE_SHARED_DATA) when they are present."""

from __future__ import annotations

from pathlib import Path

import pytest

from classifier.data import Dataset, read_prior, read_training_csv, shared_data_dir
from classifier.model import ModelConfig, TextClassifier

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED_DATA = shared_data_dir()
TAXONOMY = SHARED_DATA / "raw" / "teddycup2020C_attachment1_taxonomy.xlsx"


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def tiny_data() -> Dataset:
    return read_training_csv(FIXTURES / "tiny_tickets.csv")


@pytest.fixture(scope="session")
def tiny_prior() -> dict:
    return read_prior(FIXTURES / "categories.yaml")


@pytest.fixture(scope="session")
def tiny_model(tiny_data, tiny_prior) -> TextClassifier:
    """A model fitted once on the tiny fixture; tests must not modify it."""
    model = TextClassifier(ModelConfig(seed=7), user_words=["广场舞", "物业费"])
    return model.fit(tiny_data.titles, tiny_data.bodies, tiny_data.labels, prior=tiny_prior)


@pytest.fixture(scope="session")
def shared_messages() -> Dataset:
    path = SHARED_DATA / "messages.csv"
    if not path.is_file():
        pytest.skip(
            f"shared evaluation data not found at {path.resolve()} "
            "(put ../shared/data beside the repository or set HOTLINE_SHARED_DATA)"
        )
    return read_training_csv(path)


@pytest.fixture(scope="session")
def shared_prior(shared_messages) -> dict | None:
    """The contest's taxonomy (sub-category names per first-level label), if present."""
    return read_prior(TAXONOMY) if TAXONOMY.is_file() else None
