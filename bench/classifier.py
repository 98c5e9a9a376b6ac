"""Benchmark: our classifier beside the reference baseline on the same folds of the real messages.

    python bench/classifier.py            # 5 folds x 5 repeats, + 10,000-message training, + ablations
    python bench/classifier.py --quick    # 5 folds x 1 repeat, no ablations (well under a minute)

Reads ../shared/data (or $HOTLINE_SHARED_DATA): messages.csv (493 gold-labelled messages, 7 labels),
raw/teddycup2020C_attachment1_taxonomy.xlsx (the contest's category tree: our prior knowledge) and the
7,040 unlabelled messages (throughput, the 10,000-message training set, the self-training ablation).
Nothing is copied into the repository; results go to bench/out/classifier.json (git-ignored) and the
last line of standard output is the same JSON.

baseline  character 1–3-gram TF-IDF + LinearSVC, scikit-learn defaults, on title + " " + body;
          its "confidence" for coverage is the top decision score (it has no probabilities).
ours      classifier.TextClassifier with the taxonomy as prior (docs/classifier.md).

Per approach: macro-F1 (mean ± std over folds x repeats), accuracy, coverage at 95% precision (threshold
chosen on each repeat's out-of-fold predictions), train time on all 493, single-prediction p50/p99,
batch time per message over the unlabelled messages, model size (skops file), peak memory (RSS of a
fresh process that trains on all 493 and predicts the batch). Full mode also trains on 10,000 messages
(493 gold + 7,040 unlabelled labelled by our model + 2,467 recombined title/body pairs), and runs two
ablations on the same folds: ours without the prior, and ours with self-training on the unlabelled set.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import pickle
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.metrics import accuracy_score, f1_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402

from classifier.data import Dataset, prior_words, read_prior, read_training_csv, shared_data_dir  # noqa: E402
from classifier.evaluation import fold_splits  # noqa: E402
from classifier.model import ModelConfig, TextClassifier  # noqa: E402
from classifier.selective import choose_threshold  # noqa: E402
from classifier.store import ModelStore, library_versions  # noqa: E402

TAXONOMY = Path("raw") / "teddycup2020C_attachment1_taxonomy.xlsx"
TARGETS = {
    "macro_f1": 0.80,
    "coverage_at_95": 0.55,
    "single_p50_ms": 2.0,
    "batch_ms_per_message": 0.5,
    "train_10k_seconds": 30.0,
    "model_mb": 20.0,
}


# -- data -----------------------------------------------------------------------------------------


def load_unlabelled(data_dir: Path, gold: Dataset) -> tuple[list[str], list[str]]:
    """The unlabelled and replied messages, minus any that is also a gold message (39 titles are):
    the evaluation rows must never reach training, not even unlabelled."""
    gold_titles = set(gold.titles)
    gold_bodies = {b[:50] for b in gold.bodies}
    titles, bodies = [], []
    for name in ("unlabelled_messages.csv", "replied_messages.csv"):
        path = data_dir / name
        if not path.is_file():
            continue
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                title, body = row.get("title") or "", row.get("body") or ""
                if title in gold_titles or body[:50] in gold_bodies:
                    continue
                titles.append(title)
                bodies.append(body)
    return titles, bodies


# -- the two approaches -----------------------------------------------------------------------------


class Baseline:
    """The reference: character 1–3-gram TF-IDF + LinearSVC with default settings."""

    name = "baseline"

    def __init__(self):
        self.pipeline = make_pipeline(TfidfVectorizer(analyzer="char", ngram_range=(1, 3)), LinearSVC())

    @staticmethod
    def _texts(titles, bodies):
        return [f"{t} {b}" for t, b in zip(titles, bodies, strict=True)]

    def fit(self, titles, bodies, labels):
        self.pipeline.fit(self._texts(titles, bodies), labels)
        return self

    def confidence_and_labels(self, titles, bodies):
        scores = self.pipeline.decision_function(self._texts(titles, bodies))
        classes = self.pipeline.classes_
        return scores.max(axis=1), classes[scores.argmax(axis=1)]

    def predict_one(self, title, body):
        return self.pipeline.predict(self._texts([title], [body]))[0]

    def predict_batch(self, titles, bodies):
        return self.pipeline.predict(self._texts(titles, bodies))

    def size_bytes(self, tmp: Path) -> int:
        # Pickled, its usual format: skops would store its vocabulary dict as ~140 MB of JSON.
        return len(pickle.dumps(self.pipeline, protocol=pickle.HIGHEST_PROTOCOL))


class Ours:
    name = "ours"

    def __init__(self, prior=None, config: ModelConfig | None = None):
        self.prior = prior
        self.model = TextClassifier(config, user_words=prior_words(prior))

    def fit(self, titles, bodies, labels):
        self.model.fit(titles, bodies, labels, prior=self.prior)
        return self

    def confidence_and_labels(self, titles, bodies):
        proba = self.model.predict_proba(titles, bodies)
        return proba.max(axis=1), self.model.classes_[proba.argmax(axis=1)]

    def predict_one(self, title, body):
        # What the app calls per ticket: top-3, the threshold and the familiarity check (novelty.py).
        return self.model.route(title, body, k=3)

    def predict_batch(self, titles, bodies):
        return self.model.predict_batch(titles, bodies, k=3)

    def size_bytes(self, tmp: Path) -> int:
        with tempfile.TemporaryDirectory() as directory:
            store = ModelStore(directory)
            return store.metadata(store.save(self.model))["model_bytes"]


class OursSelfTrained(Ours):
    """Ablation: ours, then re-trained with the unlabelled messages it labels above its own threshold."""

    name = "ours + self-training"

    def __init__(self, prior, unlabelled):
        super().__init__(prior)
        self.unlabelled = unlabelled

    def fit(self, titles, bodies, labels):
        super().fit(titles, bodies, labels)
        u_titles, u_bodies = self.unlabelled
        proba = self.model.predict_proba(u_titles, u_bodies)
        sure = proba.max(axis=1) >= self.model.threshold
        pseudo = self.model.classes_[proba.argmax(axis=1)][sure]
        keep_titles = list(titles) + [t for t, s in zip(u_titles, sure, strict=True) if s]
        keep_bodies = list(bodies) + [b for b, s in zip(u_bodies, sure, strict=True) if s]
        self.n_pseudo = int(sure.sum())
        self.model = TextClassifier(self.model.settings, user_words=self.model.tokenizer.user_words)
        self.model.fit(keep_titles, keep_bodies, list(labels) + list(pseudo), prior=self.prior)
        return self


# -- measurements -----------------------------------------------------------------------------------


def cross_validate(make, data: Dataset, splits, repeats: int, target: float = 0.95) -> dict:
    titles = np.asarray(data.titles, dtype=object)
    bodies = np.asarray(data.bodies, dtype=object)
    y = np.asarray(data.labels)
    folds = len(splits) // repeats
    f1s, accuracies, fit_seconds = [], [], []
    confidence = np.zeros((repeats, len(y)))
    predicted = np.empty((repeats, len(y)), dtype=object)
    accepted = accepted_correct = 0
    for number, (train, test) in enumerate(splits):
        started = time.perf_counter()
        approach = make().fit(titles[train], bodies[train], y[train])
        fit_seconds.append(time.perf_counter() - started)
        conf, labels = approach.confidence_and_labels(titles[test], bodies[test])
        confidence[number // folds, test] = conf
        predicted[number // folds, test] = labels
        f1s.append(f1_score(y[test], labels, average="macro"))
        accuracies.append(accuracy_score(y[test], labels))
        if isinstance(approach, Ours):  # the threshold the model chose for itself, on unseen messages
            mask = conf >= approach.model.threshold
            accepted += int(mask.sum())
            accepted_correct += int((mask & (labels == y[test])).sum())
    coverage = [choose_threshold(confidence[r], predicted[r] == y, target).coverage for r in range(repeats)]
    result = {
        "macro_f1_mean": float(np.mean(f1s)),
        "macro_f1_std": float(np.std(f1s)),
        "accuracy_mean": float(np.mean(accuracies)),
        "coverage_at_95_mean": float(np.mean(coverage)),
        "coverage_at_95_std": float(np.std(coverage)),
        "fold_fit_seconds_mean": float(np.mean(fit_seconds)),
    }
    if accepted:
        result["heldout_coverage"] = accepted / (len(y) * repeats)
        result["heldout_precision"] = accepted_correct / accepted
    return result


def timings(make, data: Dataset, batch: tuple[list[str], list[str]], tmp: Path) -> dict:
    started = time.perf_counter()
    approach = make().fit(data.titles, data.bodies, data.labels)
    train_seconds = time.perf_counter() - started
    approach.predict_one(data.titles[0], data.bodies[0])  # warm-up: caches, jieba dictionary
    single = []
    for title, body in zip(data.titles, data.bodies, strict=True):
        started = time.perf_counter()
        approach.predict_one(title, body)
        single.append(time.perf_counter() - started)
    started = time.perf_counter()
    approach.predict_batch(*batch)
    batch_seconds = time.perf_counter() - started
    return {
        "train_seconds_493": train_seconds,
        "single_p50_ms": float(np.percentile(single, 50) * 1e3),
        "single_p99_ms": float(np.percentile(single, 99) * 1e3),
        "batch_ms_per_message": batch_seconds / len(batch[0]) * 1e3,
        "batch_messages_per_second": len(batch[0]) / batch_seconds,
        "batch_size": len(batch[0]),
        "model_mb": approach.size_bytes(tmp) / 1e6,
    }


def peak_memory_mb(which: str, data_dir: Path) -> float:
    """Peak RSS of a fresh process that trains `which` on all 493 messages and predicts the batch."""
    out = subprocess.run(
        [sys.executable, __file__, "--memory-probe", which, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def memory_probe(which: str, data_dir: Path) -> None:
    gold = read_training_csv(data_dir / "messages.csv")
    prior = read_prior(data_dir / TAXONOMY) if (data_dir / TAXONOMY).is_file() else None
    approach = Baseline() if which == "baseline" else Ours(prior)
    approach.fit(gold.titles, gold.bodies, gold.labels)
    approach.predict_batch(*load_unlabelled(data_dir, gold))
    print(_peak_rss_mb())


def _peak_rss_mb() -> float:
    # VmHWM is this process's own peak; ru_maxrss would include the parent's peak at fork time on Linux.
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ten_thousand(gold: Dataset, unlabelled, prior, tmp: Path) -> dict:
    """Training time and model size on 10,000 messages; labels for the unlabelled ones come from our
    model trained on the gold messages (the timing needs plausible labels, not true ones)."""
    labeller = Ours(prior).fit(gold.titles, gold.bodies, gold.labels)
    u_titles, u_bodies = unlabelled
    u_labels = list(labeller.model.predict(u_titles, u_bodies))
    titles, bodies, labels = gold.titles + u_titles, gold.bodies + u_bodies, gold.labels + u_labels
    rng = np.random.default_rng(0)
    while len(titles) < 10_000:  # recombine a title with another message's body: a new text, same label
        i, j = rng.integers(len(u_titles), size=2)
        titles.append(u_titles[i])
        bodies.append(u_bodies[j])
        labels.append(u_labels[i])
    out = {"n": len(titles)}
    for make in (Baseline, lambda: Ours(prior)):
        started = time.perf_counter()
        approach = make().fit(titles, bodies, labels)
        out[f"{approach.name}_train_seconds"] = time.perf_counter() - started
        out[f"{approach.name}_model_mb"] = approach.size_bytes(tmp) / 1e6
        if isinstance(approach, Ours):
            out["ours_features"] = approach.model.training_report["n_features"]
    return out


# -- report -----------------------------------------------------------------------------------------


def print_table(results: dict) -> None:
    rows = [
        ("macro-F1 (mean ± std)", lambda r: f"{r['macro_f1_mean']:.4f} ± {r['macro_f1_std']:.4f}"),
        ("accuracy", lambda r: f"{r['accuracy_mean']:.4f}"),
        (
            "coverage at 95% precision",
            lambda r: f"{r['coverage_at_95_mean']:.1%} ± {r['coverage_at_95_std']:.1%}",
        ),
        (
            "own threshold on unseen folds",
            lambda r: (
                f"{r['heldout_coverage']:.1%} at {r['heldout_precision']:.1%}"
                if "heldout_coverage" in r
                else "—"
            ),
        ),
        (
            "train time, 493 messages",
            lambda r: f"{r['train_seconds_493']:.2f} s" if "train_seconds_493" in r else "—",
        ),
        (
            "single prediction p50 / p99",
            lambda r: (
                f"{r['single_p50_ms']:.2f} / {r['single_p99_ms']:.2f} ms" if "single_p50_ms" in r else "—"
            ),
        ),
        (
            "batch, per message",
            lambda r: (
                f"{r['batch_ms_per_message']:.3f} ms ({r['batch_messages_per_second']:.0f}/s)"
                if "batch_ms_per_message" in r
                else "—"
            ),
        ),
        ("model size", lambda r: f"{r['model_mb']:.2f} MB" if "model_mb" in r else "—"),
        ("peak memory (RSS)", lambda r: f"{r['peak_rss_mb']:.0f} MB" if "peak_rss_mb" in r else "—"),
    ]
    names = list(results)
    width = max(len(label) for label, _ in rows) + 2
    print("".ljust(width) + "".join(name.ljust(28) for name in names))
    for label, cell in rows:
        print(label.ljust(width) + "".join(cell(results[name]).ljust(28) for name in names))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="5 folds x 1 repeat, no 10k training, no ablations"
    )
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="default: ../shared/data or $HOTLINE_SHARED_DATA"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parent / "out" / "classifier.json"
    )
    parser.add_argument("--memory-probe", choices=["baseline", "ours"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    data_dir = (args.data_dir or shared_data_dir()).resolve()
    if args.memory_probe:
        memory_probe(args.memory_probe, data_dir)
        return 0
    if not (data_dir / "messages.csv").is_file():
        print(
            f"no shared data at {data_dir} (put ../shared/data beside the repository or set HOTLINE_SHARED_DATA)"
        )
        return 2

    started = time.perf_counter()
    gold = read_training_csv(data_dir / "messages.csv")
    prior = read_prior(data_dir / TAXONOMY) if (data_dir / TAXONOMY).is_file() else None
    if prior is None:
        print(f"note: {data_dir / TAXONOMY} missing: ours runs without its prior", file=sys.stderr)
    unlabelled = load_unlabelled(data_dir, gold)
    batch = unlabelled if unlabelled[0] else (gold.titles, gold.bodies)
    repeats = 1 if args.quick else 5
    splits = fold_splits(gold.labels, 5, repeats, args.seed)
    tmp = args.out.parent

    approaches = {"baseline": Baseline, "ours": lambda: Ours(prior)}
    if not args.quick:
        approaches["ours without prior"] = lambda: Ours(None)
        if unlabelled[0]:
            approaches["ours + self-training"] = lambda: OursSelfTrained(prior, unlabelled)
    results = {}
    for name, make in approaches.items():
        print(f"cross-validating {name} ({len(splits)} folds)…", file=sys.stderr)
        results[name] = cross_validate(make, gold, splits, repeats)
        if name in ("baseline", "ours"):
            results[name].update(timings(make, gold, batch, tmp))
            results[name]["peak_rss_mb"] = peak_memory_mb(name, data_dir)
    report = {
        "command": "python bench/classifier.py" + (" --quick" if args.quick else ""),
        "folds": 5,
        "repeats": repeats,
        "seed": args.seed,
        "n_messages": len(gold),
        "n_unlabelled": len(unlabelled[0]),
        "prior": "taxonomy" if prior else None,
        "machine": {"cpus": len(os.sched_getaffinity(0)), "python": platform.python_version()},
        "libraries": library_versions(),
        "results": results,
        "targets": TARGETS,
    }
    if not args.quick and unlabelled[0]:
        print("training on 10,000 messages…", file=sys.stderr)
        report["train_10k"] = ten_thousand(gold, unlabelled, prior, tmp)
    report["seconds"] = time.perf_counter() - started

    print(
        f"{len(gold)} gold messages, 5 folds x {repeats} repeats (same folds for every column), "
        f"batch = {len(batch[0])} unlabelled messages, prior: {report['prior']}"
    )
    print_table(results)
    if "train_10k" in report:
        t = report["train_10k"]
        print(
            f"training on {t['n']} messages: ours {t['ours_train_seconds']:.1f} s ({t['ours_model_mb']:.1f} MB, "
            f"{t['ours_features']} features), baseline {t['baseline_train_seconds']:.1f} s "
            f"({t['baseline_model_mb']:.1f} MB)"
        )
    print(f"({report['seconds']:.0f} s in all)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps(report, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
