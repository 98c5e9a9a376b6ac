"""The text classifier: TF-IDF features, a linear SVM, calibrated probabilities and an auto-dispatch
threshold, all fitted in one call.

Training (`TextClassifier.fit`):

1. features are fitted on the labelled rows (vocabulary and IDF; no labels involved), within a size
   budget for the saved model;
2. the taxonomy's keywords, if given, become extra short training rows, one per keyword, scaled down
   (`prior_weight`): prior knowledge that helps most when examples are few;
3. k-fold cross-validation inside the training rows (every fold's SVM also sees all keyword rows) gives
   every row an out-of-fold decision score;
4. a temperature is fitted on those scores (calibration), and the auto-dispatch threshold is chosen on
   the calibrated out-of-fold probabilities (the calibrator itself cross-fitted, so no row is scored by
   a calibrator that saw it);
5. the final model is the average of the fold SVMs: a linear model whose scores are the mean of
   theirs, i.e. the very kind of model the calibration and the threshold were measured on;
6. the familiarity score's class centroids and cut-offs (novelty.py), the cut-offs on the same folds'
   out-of-fold similarities: an unfamiliar text is never dispatched automatically.

The out-of-fold figures are kept in `training_report` and go into the model store's metadata.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields

import numpy as np
import scipy.sparse as sp
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from classifier.calibration import ScoreCalibrator, brier_score, expected_calibration_error
from classifier.features import Doc, TicketFeatures, as_docs
from classifier.inference import CompiledClassifier, LinearScores, Predictor
from classifier.inference import Prediction as Prediction  # re-exported: classifier.Prediction
from classifier.novelty import fit_familiarity
from classifier.selective import NOTHING_PASSES, ThresholdChoice, choose_threshold
from classifier.text import normalise
from classifier.tokenizer import Tokenizer


@dataclass(frozen=True)
class ModelConfig:
    """Every knob of a training run. Stored with the model, so a model can be re-trained the same way."""

    seed: int = 0
    C: float = 1.0  # SVM regularisation; 0.5–2 all within noise on the gold data
    class_weight: str | None = "balanced"  # the smallest class has a third of the largest's examples
    prior_weight: float = 0.5  # scale of keyword rows; 1.0 lets keywords outweigh real messages
    calibration: str = "temperature"  # or "logistic"
    cv_folds: int = 5  # inner folds for calibration, threshold and the averaged final model
    large_cv_folds: int = 3  # from `large_n` training rows: each SVM fit then costs seconds, not ms
    large_n: int = 5000
    target_precision: float = 0.95  # auto-dispatched tickets must be at least this often right
    threshold_z: float = 1.5  # the threshold's precision must clear the target by this Wilson bound
    final_model: str = "average"  # "average" of the inner-fold SVMs, or "refit" on all rows
    title_repeat: int = 2
    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (1, 3)
    title_char_ngrams: tuple[int, int] = (1, 3)
    max_body_chars: int | None = 500  # characters of the body read at all
    word_body_chars: int | None = 0  # of those, characters also segmented into words (jieba is slow)
    min_df: int = 1
    model_budget_mb: float = 18.0  # rarest n-grams are dropped until the model file fits (see features.py)
    hmm: bool = True  # jieba's HMM for unknown words
    # Distribution shift (callers' words, no title): every titled training row also trains as a
    # caller-like copy (no title, the first `caller_copy_chars` characters of its body), kept in its
    # original's fold; calibration and the threshold are fitted on the out-of-fold scores of both, so
    # the confidence stays honest on untitled, spoken text. None: off.
    caller_copy_chars: int | None = 150
    # Class-prior correction: the SVMs' intercepts are replaced by their mean ("all" messages, only
    # "untitled" ones, or "none"). The broadest label's higher intercept made it the default answer for
    # any short caller's text the model barely knew.
    equal_intercepts: str = "all"
    separate_calibration: bool = False  # titled and untitled messages calibrated apart
    train_on_caller_copies: bool = True  # False: the copies only calibrate and set the untitled threshold
    caller_copy_weight: float = 1.0  # sample weight of a caller-like copy in the SVMs (originals: 1)
    # "all": titled messages calibrated on the rows and the copies together; "titled": on the titled
    # rows only, so that the copies (shifted, less sure) do not change titled messages' probabilities.
    titled_calibration: str = "all"
    # Fold splits the out-of-fold procedure (calibration, thresholds, the averaged model) runs on, below
    # `repeat_below_n` training rows (above, one split): the thresholds are the median of the splits'
    # choices. On a few hundred rows one split decides which errors land at high confidence, and the
    # threshold it gives moved a held-out set's coverage between 43 % and 67 % from seed to seed.
    threshold_repeats: int = 5
    repeat_below_n: int = 1000
    # Familiarity (novelty.py): a text further from every class centroid than this share of the
    # out-of-fold training rows (titled) or rows and caller-like copies (untitled) is never dispatched
    # automatically, however confident the model is. None: off.
    novelty_quantile: float | None = 0.05

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: Mapping) -> ModelConfig:
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown model settings: {', '.join(sorted(unknown))}")
        clean = dict(values)
        for key in ("word_ngrams", "char_ngrams", "title_char_ngrams"):
            if key in clean:
                clean[key] = tuple(clean[key])
        return cls(**clean)


_MIN_CALIBRATION_ROWS = 30  # fewer titled (or untitled) rows than this: one calibrator for all rows


def _median_choice(choices: Sequence[ThresholdChoice]) -> ThresholdChoice:
    """The choice with the median threshold (the upper median for an even count: the stricter one)."""
    ordered = sorted(choices, key=lambda choice: choice.threshold)
    return ordered[len(ordered) // 2]


def prior_rows(
    prior: Mapping[str, Iterable[str]] | None, labels: Iterable[str]
) -> tuple[list[Doc], list[str]]:
    """One short document per (label, keyword); labels without training rows are left out, because
    the calibration and the threshold could not be checked for them."""
    if not prior:
        return [], []
    wanted = set(labels)
    docs, ys = [], []
    for label in sorted(prior):
        if label not in wanted:
            continue
        for phrase in sorted({normalise(p) for p in prior[label] if normalise(p)}):
            docs.append((phrase, ""))
            ys.append(label)
    return docs, ys


class LinearScorer(LinearScores):
    """The fitted SVM reduced to what prediction needs: weights and biases (see LinearScores).

    scikit-learn's decision_function would copy the weights and validate its input at every call.
    """

    def __init__(self, svm: LinearSVC | None = None):
        if svm is not None:
            self.classes_ = np.asarray(svm.classes_)
            # Rounded to float16 at once: the file stores float16 (half the size again) and the model in
            # memory computes with exactly the values it will have after loading.
            weights = np.asarray(svm.coef_.T, dtype=np.float16)  # (n_features, n_classes)
            self.weights_ = np.ascontiguousarray(weights, dtype=np.float32)
            self.intercept_ = np.asarray(svm.intercept_, dtype=np.float64)

    @classmethod
    def average(cls, scorers: Sequence[LinearScorer]) -> LinearScorer:
        """One linear model whose scores are the mean of the given models' scores."""
        averaged = cls()
        averaged.classes_ = scorers[0].classes_
        mean = np.mean([s.weights_ for s in scorers], axis=0, dtype=np.float64)
        averaged.weights_ = np.ascontiguousarray(mean.astype(np.float16), dtype=np.float32)
        averaged.intercept_ = np.mean([s.intercept_ for s in scorers], axis=0)
        return averaged

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["weights_"] = self.weights_.astype(np.float16)  # exact: the values are float16 already
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.weights_ = np.ascontiguousarray(state["weights_"], dtype=np.float32)


def _checked_labels(n_docs: int, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The classes and their counts; refuses data a model cannot be trained on (in Chinese)."""
    if n_docs != len(y):
        raise ValueError(f"文本有 {n_docs} 条，类别标签却有 {len(y)} 个，两者数量必须相同")
    classes, counts = np.unique(y, return_counts=True)
    if len(classes) < 2:
        raise ValueError("训练至少需要两个不同的类别")
    if counts.min() < 2:
        rare = ", ".join(str(label) for label in classes[counts < 2])
        raise ValueError(f"每个类别至少需要两条样本，请为这些类别补充样本或删去它们：{rare}")
    return classes, counts


def _normalised_prior(prior: Mapping[str, Iterable[str]] | None, classes: np.ndarray) -> dict[str, list[str]]:
    return {
        str(label): sorted({normalise(p) for p in prior[label]} - {""})
        for label in classes
        if prior and label in prior
    }


class TextClassifier(Predictor):
    """Category of a ticket from its title and body, with calibrated top-k probabilities."""

    def __init__(
        self,
        config: ModelConfig | None = None,
        user_words: Iterable[str] = (),
        stopwords: Iterable[str] | None = None,
    ):
        config = config or ModelConfig()
        self.config = config.as_dict()
        self.tokenizer = Tokenizer(user_words, stopwords, hmm=config.hmm)
        self.threshold = NOTHING_PASSES
        self.untitled_threshold = NOTHING_PASSES
        self.training_report: dict = {}

    # -- training --------------------------------------------------------------------------------
    def _new_features(self, n_classes: int) -> TicketFeatures:
        c = self.settings
        # Per feature the file holds one float16 weight per class, an 8-byte code and a float32 IDF.
        max_terms = int(c.model_budget_mb * 1e6 / (2 * n_classes + 12)) if c.model_budget_mb else None
        return TicketFeatures(
            tokenizer=self.tokenizer,
            title_repeat=c.title_repeat,
            word_ngrams=c.word_ngrams,
            char_ngrams=c.char_ngrams,
            title_char_ngrams=c.title_char_ngrams,
            max_body_chars=c.max_body_chars,
            word_body_chars=c.word_body_chars,
            min_df=c.min_df,
            max_terms=max_terms,
        )

    def _new_svm(self) -> LinearSVC:
        c = self.settings
        return LinearSVC(C=c.C, class_weight=c.class_weight, random_state=c.seed, max_iter=5000)

    @property
    def settings(self) -> ModelConfig:
        return ModelConfig.from_dict(self.config)

    def fit(
        self,
        titles: Sequence[str | None],
        bodies: Sequence[str | None],
        labels: Sequence[str],
        prior: Mapping[str, Iterable[str]] | None = None,
    ) -> TextClassifier:
        started = time.perf_counter()
        c = self.settings
        docs = as_docs(titles, bodies, c.max_body_chars)
        y = np.asarray([str(label) for label in labels])
        classes, counts = _checked_labels(len(docs), y)
        y_index = np.searchsorted(classes, y)
        n_rows = len(y)
        # Caller-like copies of the titled rows (see ModelConfig.caller_copy_chars): row n_rows + k is a
        # copy of row origin[k].
        # From `large_n` rows on, no copies: training time would double (the 10,000-row target), and a
        # city with that many tickets has callers' own untitled ones to learn from.
        copies = bool(c.caller_copy_chars) and len(y) < c.large_n
        titled = [i for i, t in enumerate(titles) if copies and t and str(t).strip()]
        origin = np.asarray(titled, dtype=np.int64)
        copy_docs = as_docs([""] * len(titled), [(bodies[i] or "")[: c.caller_copy_chars] for i in titled],
                            c.max_body_chars)
        features = self._new_features(len(classes))
        extra_docs, extra_y = prior_rows(prior, classes)
        X = features.fit_transform(docs + copy_docs)
        y_all = np.concatenate([y, y[origin]]) if len(origin) else y
        y_index_all = np.searchsorted(classes, y_all)
        extra_X = features.transform(extra_docs) * c.prior_weight if extra_docs else None
        extra_y = np.asarray(extra_y, dtype=y.dtype)

        untitled = np.concatenate([[not (t and str(t).strip()) for t in titles], np.ones(len(origin), bool)])

        def with_copies(rows: np.ndarray) -> np.ndarray:
            """Original rows and the caller-like copies of them."""
            if not len(origin):
                return rows
            return np.concatenate([rows, n_rows + np.flatnonzero(np.isin(origin, rows))])

        def fit_svm(rows: np.ndarray) -> LinearScorer:
            if not c.train_on_caller_copies:
                rows = rows[rows < n_rows]
            X_fit, y_fit = X[rows], y_all[rows]
            weight = np.where(rows < n_rows, 1.0, c.caller_copy_weight)
            if extra_X is not None:
                X_fit, y_fit = sp.vstack([X_fit, extra_X], format="csr"), np.concatenate([y_fit, extra_y])
                weight = np.concatenate([weight, np.ones(extra_X.shape[0])])
            sample_weight = None if c.caller_copy_weight == 1.0 else weight
            scorer = LinearScorer(self._new_svm().fit(X_fit, y_fit, sample_weight=sample_weight))
            if c.equal_intercepts == "all":
                scorer.intercept_ = np.full_like(scorer.intercept_, scorer.intercept_.mean())
            return scorer

        # Out-of-fold scores: every training row (and copy) scored by an SVM that saw neither it nor its
        # original. Folds are drawn on the original rows; copies follow their originals.
        n_splits = min(c.cv_folds if len(y) < c.large_n else c.large_cv_folds, int(counts.min()))
        repeats = max(1, c.threshold_repeats) if len(y) < min(c.repeat_below_n, c.large_n) else 1

        def calibrators(scores: np.ndarray, targets: np.ndarray, is_untitled: np.ndarray
                        ) -> tuple[ScoreCalibrator, ScoreCalibrator]:
            """With separate_calibration, an untitled message (a caller's words) gets the temperature
            fitted on the untitled rows and the caller-like copies — a shifted set."""
            pair = []
            for kind, group in (("titled", ~is_untitled), ("untitled", is_untitled)):
                apart = c.separate_calibration or (kind == "titled" and c.titled_calibration == "titled")
                enough = apart and group.sum() >= _MIN_CALIBRATION_ROWS
                rows = np.flatnonzero(group) if enough else np.arange(len(targets))
                pair.append(ScoreCalibrator(c.calibration).fit(scores[rows], targets[rows]))
            return pair[0], pair[1]

        def one_repeat(seed: int) -> tuple[list[LinearScorer], np.ndarray, np.ndarray, list]:
            """Out-of-fold scores and probabilities on one split of the rows into folds: every training
            row (and copy) scored by an SVM that saw neither it nor its original, its probability from a
            calibrator that did not see it either. Folds are drawn on the original rows; copies follow."""
            folds = [
                (with_copies(train_rows), with_copies(test_rows))
                for train_rows, test_rows in StratifiedKFold(
                    n_splits=n_splits, shuffle=True, random_state=seed
                ).split(np.zeros(n_rows), y)
            ]
            scores = np.zeros((len(y_all), len(classes)))
            scorers = []
            for train_rows, test_rows in folds:
                scorers.append(fit_svm(train_rows))
                scores[test_rows] = self._scores(scorers[-1], X[test_rows], classes, untitled[test_rows])
            proba = np.zeros_like(scores)
            for train_rows, test_rows in folds:
                titled_calibrator, untitled_calibrator = calibrators(
                    scores[train_rows], y_index_all[train_rows], untitled[train_rows])
                for calibrator, rows in ((titled_calibrator, test_rows[~untitled[test_rows]]),
                                         (untitled_calibrator, test_rows[untitled[test_rows]])):
                    if len(rows):
                        proba[rows] = calibrator.predict_proba(scores[rows])
            return scorers, scores, proba, folds

        # With threshold_repeats > 1 the whole out-of-fold procedure runs on several fold splits: one
        # split decides which rows land in a small fold, and a threshold chosen on one split moved a
        # held-out set's coverage by ±10 points between seeds. The thresholds are the median of the
        # repeats' choices; the final model averages every fold's SVM.
        runs = [one_repeat(c.seed + r) for r in range(repeats)]
        fold_scorers = [scorer for run in runs for scorer in run[0]]
        oof_proba = runs[0][2]

        # Two thresholds: one for titled messages (web forms, apps), chosen on the rows as written; one
        # for untitled ones (callers' words), chosen on the untitled rows and the caller-like copies.
        # Whether a message has a title is known at prediction time, and the untitled ones are where
        # the model is least sure of itself.
        shifted = slice(n_rows, None)
        titled_rows = ~untitled[:n_rows]

        def choices(proba: np.ndarray) -> tuple[ThresholdChoice, ThresholdChoice]:
            confidence_all, correct_all = proba.max(axis=1), proba.argmax(axis=1) == y_index_all
            if titled_rows.any():
                choice = choose_threshold(confidence_all[:n_rows][titled_rows], correct_all[:n_rows][titled_rows],
                                          c.target_precision, z=c.threshold_z)
            if untitled.any():
                untitled_choice = choose_threshold(confidence_all[untitled], correct_all[untitled],
                                                   c.target_precision, z=c.threshold_z)
            if not titled_rows.any():
                choice = untitled_choice
            if not untitled.any():
                untitled_choice = choice
            return choice, untitled_choice

        per_repeat = [choices(run[2]) for run in runs]
        choice, untitled_choice = (_median_choice([p[0] for p in per_repeat]),
                                   _median_choice([p[1] for p in per_repeat]))
        confidence_all = oof_proba.max(axis=1)
        correct_all = oof_proba.argmax(axis=1) == y_index_all
        confidence, correct = confidence_all[:n_rows], correct_all[:n_rows]

        self.features_ = features
        # Kept so that a challenger can re-train this model's recipe exactly (learning.py).
        self.prior_ = _normalised_prior(prior, classes)
        if c.final_model == "average" and all(len(f.classes_) == len(classes) for f in fold_scorers):
            self.scorer_ = LinearScorer.average(fold_scorers)
        else:
            self.scorer_ = fit_svm(np.arange(len(y_all)))
        all_scores = np.vstack([run[1] for run in runs])
        self.calibrator_, self.untitled_calibrator_ = calibrators(
            all_scores, np.tile(y_index_all, repeats), np.tile(untitled, repeats))
        self.classes_ = classes
        self.familiarity_ = (None if c.novelty_quantile is None else
                             fit_familiarity(X, y_index_all, len(classes), runs[0][3], untitled,
                                             c.novelty_quantile))
        self.threshold = choice.threshold
        self.untitled_threshold = untitled_choice.threshold
        predicted = classes[oof_proba[:n_rows].argmax(axis=1)]
        self.training_report = {
            "n_train": len(y),
            "n_prior_rows": len(extra_docs),
            "n_features": features.n_features,
            "label_counts": {str(label): int(n) for label, n in zip(classes, counts, strict=True)},
            "oof_macro_f1": float(f1_score(y, predicted, average="macro")),
            "oof_accuracy": float(accuracy_score(y, predicted)),
            "oof_brier": brier_score(oof_proba[:n_rows], y_index),
            "oof_ece": expected_calibration_error(confidence, correct),
            "n_caller_copies": len(origin),
            "oof_caller_copies_accuracy": float(correct_all[shifted].mean()) if len(origin) else None,
            "oof_caller_copies_ece": (expected_calibration_error(confidence_all[shifted], correct_all[shifted])
                                      if len(origin) else None),
            "threshold": choice.as_dict(),
            "untitled_threshold": untitled_choice.as_dict(),
            "familiarity_cutoffs": (None if self.familiarity_ is None else
                                    {"titled": self.familiarity_.titled_cutoff_,
                                     "untitled": self.familiarity_.untitled_cutoff_}),
            "temperature": getattr(self.calibrator_, "temperature_", None),
            "untitled_temperature": getattr(self.untitled_calibrator_, "temperature_", None),
            "train_seconds": round(time.perf_counter() - started, 3),
        }
        return self

    def inference_form(self) -> tuple[dict, dict[str, np.ndarray]]:
        """(description, arrays) the model store writes beside the skops file: what the web loads to
        predict without scikit-learn (classifier.inference)."""
        return CompiledClassifier.from_model(self).to_arrays()

    def __repr__(self) -> str:
        fitted = (
            f"{len(self.classes_)} labels, threshold {self.threshold:.3f}"
            if hasattr(self, "classes_")
            else "unfitted"
        )
        return f"TextClassifier({fitted})"
