"""A working model for a city that has none yet (the demo city's `up`), trained from its seed examples."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping

from classifier.data import read_training_csv
from classifier.model import ModelConfig, TextClassifier
from classifier.store import ModelStore

log = logging.getLogger(__name__)


def ensure_model(
    store: ModelStore,
    seed_csv_path: str | os.PathLike,
    city_words: Iterable[str] = (),
    category_keywords: Mapping[str, Iterable[str]] | None = None,
    config: ModelConfig | None = None,
) -> str:
    """The current version; when there is none (or it cannot be loaded safely), train one on the seed
    CSV (title, body, label), save it, promote it and return its version.

    `city_words` go into the tokenizer's dictionary; `category_keywords` (matter-type code -> name,
    keywords, description phrases) are the prior. See classifier.city.load_city_vocabulary.
    """
    current, refused = store.loadable_version()
    if current is not None:
        return current
    if refused is not None:  # never load it; replace it with a model trained from the seed, and say so
        log.warning("current model %s refused (%s); training a new one from %s", store.current_version(),
                    refused, seed_csv_path)
    data = read_training_csv(seed_csv_path)
    words = set(city_words)
    if category_keywords:
        words.update(p for phrases in category_keywords.values() for p in phrases)
    model = TextClassifier(config, user_words=words).fit(
        data.titles, data.bodies, data.labels, prior=category_keywords
    )
    version = store.save(
        model,
        {
            "source": "bootstrap",
            "seed_csv": os.path.basename(os.fspath(seed_csv_path)),
            **data.training_record(),
            "n_seed": len(data),
            "n_labels": 0,
        },
        promote=True,
    )
    log.info("bootstrap model %s trained on %d seed examples", version, len(data))
    return version
