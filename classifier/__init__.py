"""Text -> category for citizen complaints: jieba tokenizer with the city's vocabulary, TF-IDF word and
character features, a linear SVM with calibrated top-k probabilities and an auto-dispatch threshold,
evaluation, a safe versioned model store, learning from human decisions and the bootstrap model.

Knows nothing of Flask or the database (see docs/classifier.md).
"""

from __future__ import annotations

import math
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from classifier.inference import CompiledClassifier
    from classifier.model import ModelConfig, Prediction, TextClassifier
    from classifier.store import ModelLoadError, ModelStore
    from classifier.tokenizer import Tokenizer

# A threshold no probability reaches: nothing is dispatched automatically. Defined here, away from the
# NumPy code of classifier.selective, because routing.dispatch checks thresholds against it.
NOTHING_PASSES = math.nextafter(1.0, 2.0)

# Public name -> the module defining it. The names are resolved at first use (PEP 562): importing the
# package, or a light module of it such as classifier.selective, must not load scikit-learn, SciPy and
# skops (seconds and ~100 MB), which only the processes that train or predict need.
_EXPORTS = {
    "CompiledClassifier": "classifier.inference",  # the arrays form the web predicts with
    "ModelConfig": "classifier.model",
    "Prediction": "classifier.model",
    "TextClassifier": "classifier.model",
    "ModelLoadError": "classifier.store",
    "ModelStore": "classifier.store",
    "Tokenizer": "classifier.tokenizer",
}

__all__ = ["NOTHING_PASSES", "CompiledClassifier", "ModelConfig", "ModelLoadError", "ModelStore", "Prediction", "TextClassifier", "Tokenizer"]


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
