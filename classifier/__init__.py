"""Text -> category for citizen complaints: jieba tokenizer with the city's vocabulary, TF-IDF word and
character features, a linear SVM with calibrated top-k probabilities and an auto-dispatch threshold,
evaluation, a safe versioned model store, learning from human decisions and the bootstrap model.

Knows nothing of Flask or the database (see docs/classifier.md).
"""

from classifier.model import ModelConfig, Prediction, TextClassifier
from classifier.store import ModelLoadError, ModelStore
from classifier.tokenizer import Tokenizer

__all__ = ["ModelConfig", "ModelLoadError", "ModelStore", "Prediction", "TextClassifier", "Tokenizer"]
