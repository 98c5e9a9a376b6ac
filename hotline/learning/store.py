"""The urgency model's store: the classifier's model store (versions, SHA-256, trusted types only on
load) holding routing.urgency_model.UrgencyModel. Imported only where a model is trained or loaded, so
that processes which do neither (the `up` supervisor) never load scikit-learn."""

from __future__ import annotations

from classifier.store import ModelStore


class UrgencyModelStore(ModelStore):
    """The model store (versions, SHA-256, trusted types only) holding routing.urgency_model models."""

    trusted_types = ("routing.urgency_model.UrgencyModel",)

    def model_kind(self) -> type:
        from routing.urgency_model import UrgencyModel

        return UrgencyModel

    def inference_kind(self) -> type:
        from routing.urgency_inference import CompiledUrgencyModel

        return CompiledUrgencyModel

    def describe(self, model) -> dict:
        return {"labels": ["live", "not_live"], "threshold": model.threshold, "C": model.C,
                "n_examples": model.n_examples_}

    def check_loaded(self, model, meta: dict, version: str) -> None:
        pass
