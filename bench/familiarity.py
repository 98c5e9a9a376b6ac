"""Benchmark: what the familiarity check (classifier/novelty.py) costs, in one process, same model.

    python bench/familiarity.py

Trains on the 493 gold messages of ../shared/data (or $HOTLINE_SHARED_DATA) with the taxonomy prior,
twice: with the familiarity score (the default) and without (`novelty_quantile=None`). Reports both
training times, and the single-message latency of `predict_top_k` (probabilities only) beside `route`
(probabilities, threshold and familiarity: what the app calls per ticket), measured interleaved on
every message so that the machine's load weighs on both alike. Exits 0 with a message when the data
is absent.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from classifier.data import prior_words, read_prior, read_training_csv, shared_data_dir  # noqa: E402
from classifier.model import ModelConfig, TextClassifier  # noqa: E402

TAXONOMY = Path("raw") / "teddycup2020C_attachment1_taxonomy.xlsx"


def main() -> int:
    data_dir = shared_data_dir()
    if not (data_dir / "messages.csv").is_file():
        print(f"shared data not found at {data_dir}; nothing measured")
        return 0
    data = read_training_csv(data_dir / "messages.csv")
    prior = read_prior(data_dir / TAXONOMY)
    models, seconds = {}, {}
    for name, quantile in (("without", None), ("with", 0.05)):
        started = time.perf_counter()
        models[name] = TextClassifier(ModelConfig(novelty_quantile=quantile), user_words=prior_words(prior)).fit(
            data.titles, data.bodies, data.labels, prior=prior)
        seconds[name] = time.perf_counter() - started
    model = models["with"]
    model.route(data.titles[0], data.bodies[0])  # first call builds caches (jieba, the centroids' transpose)
    top_k, route = [], []
    for title, body in zip(data.titles, data.bodies, strict=True):
        started = time.perf_counter()
        model.predict_top_k(title, body)
        top_k.append(time.perf_counter() - started)
        started = time.perf_counter()
        model.route(title, body)
        route.append(time.perf_counter() - started)
    print(f"training on {len(data)} messages: {seconds['without']:.2f} s without familiarity, "
          f"{seconds['with']:.2f} s with")
    for name, timings in (("predict_top_k", top_k), ("route (with familiarity)", route)):
        print(f"{name:<25} p50 {np.percentile(timings, 50) * 1e3:.3f} ms, p99 {np.percentile(timings, 99) * 1e3:.3f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
