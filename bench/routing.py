"""Benchmark: routing real citizen messages through the real intake API.

The classifier is trained on the shared gold train split; the 7 categories of the shared data are added
to the demo city as department matters, mapped to demo-city units by MAPPING below (kept with the
benchmark). The held-out messages (dev + test, or test only with --quick) are then posted to
POST /api/v1/tickets one by one, as a channel client would. Reported: the share dispatched automatically,
the share of those that reached the right unit, and the intake latency with routing. Baseline in the same
run: the same model's predictions with a naive fixed threshold of 0.5 instead of the threshold it chose by
cross-validation.

    python bench/routing.py            # dev + test (148 messages)
    python bench/routing.py --quick    # test split only (74 messages)

Needs ../shared/data (or HOTLINE_SHARED_DATA); exits 0 with a message when it is absent.
Targets: >= 55% auto-dispatched, >= 95% of those to the right unit.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from classifier.data import shared_data_dir  # noqa: E402

SHARED = shared_data_dir()

# The shared data's first-level categories → a matter type of the benchmark and its lead unit.
MAPPING = {
    "劳动和社会保障": ("BM-LABOUR", "SRSJ"),
    "城乡建设": ("BM-URBAN", "SZJW"),
    "教育文体": ("BM-EDU", "SJW"),
    "卫生计生": ("BM-HEALTH", "SWJW"),
    "交通运输": ("BM-TRANSPORT", "SJTW"),
    "商贸旅游": ("BM-TRADE", "SSCJG"),
    "环境保护": ("BM-ENV", "SSTHJ"),
}
TARGET_AUTO, TARGET_PRECISION = 0.55, 0.95


def read(name: str) -> list[dict]:
    with open(SHARED / name, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def benchmark_city():
    """The demo city plus the shared data's 7 categories as department matters."""
    from hotline.city.schema import CatalogueSpec, CategorySpec, GroupSpec, read_city

    city = read_city(ROOT / "hotline" / "demo_city")
    categories = [CategorySpec(code=code, name=label, request_type="complaint", urgency_hint="normal")
                  for label, (code, _) in MAPPING.items()]
    city.groups.append(GroupSpec(code="BM", name="基准测试类别", categories=categories))
    city.catalogue.extend(CatalogueSpec(category=code, level="department", lead=unit)
                          for code, unit in MAPPING.values())
    return city


def make_app(redis_url: str):
    from hotline import create_app, migrate
    from hotline.city.store import load_city
    from hotline.database import engine, session_factory

    folder = Path(tempfile.mkdtemp(prefix="hotline-bench-routing-"))
    app = create_app(DATABASE_URL=f"sqlite:///{folder / 'bench.db'}", REDIS_URL=redis_url,
                     INSTANCE_PATH=str(folder), SECRET_KEY="bench", LOG_LEVEL="ERROR",
                     RATELIMIT_INTAKE="100000/minute", RATELIMIT_STORAGE_URL="memory://",
                     # Route in the request: this bench measures the routing decisions, which a web
                     # channel's ticket would otherwise only get from a worker (ROUTE_BY_JOB_CHANNELS).
                     ROUTE_BY_JOB_CHANNELS="")
    migrate.upgrade(engine(app))
    with session_factory(app)() as session, session.begin():
        load_city(session, benchmark_city())
    return app


def train(app, rows: list[dict]) -> object:
    from classifier import ModelConfig, ModelStore, TextClassifier

    model = TextClassifier(ModelConfig(seed=0))
    started = time.perf_counter()
    model.fit([r["title"] for r in rows], [r["body"] for r in rows], [MAPPING[r["label"]][0] for r in rows])
    print(f"trained on {len(rows)} messages in {time.perf_counter() - started:.1f} s; "
          f"auto-dispatch threshold {model.threshold:.3f}")
    ModelStore(app.config["MODEL_DIR"]).save(model, {"source": "bench-routing"}, promote=True)
    return model


def api_key(app) -> dict:
    from hotline.auth import hash_api_key, new_api_key
    from hotline.database import session_factory
    from models import ApiKey

    key, prefix = new_api_key()
    with session_factory(app)() as session, session.begin():
        session.add(ApiKey(name="bench", channel="web", prefix=prefix, key_hash=hash_api_key(key)))
    return {"Authorization": f"Bearer {key}"}


def replay(client, headers: dict, rows: list[dict]) -> tuple[list[dict], list[float]]:
    answers, latencies = [], []
    for row in rows:
        body = {"channel": "web", "title": row["title"][:200], "content": row["body"][:5000]}
        started = time.perf_counter()
        response = client.post("/api/v1/tickets", json=body, headers=headers)
        latencies.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 201, response.json
        answers.append(response.json)
    return answers, latencies


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the test split only")
    parser.add_argument("--redis-url", default=os.environ.get("HOTLINE_BENCH_REDIS_URL", "redis://localhost:6379/13"))
    args = parser.parse_args()
    if not (SHARED / "messages_train.csv").exists():
        print(f"skipped: shared data not found in {SHARED} (set HOTLINE_SHARED_DATA)")
        return 0
    held_out = read("messages_test.csv") + ([] if args.quick else read("messages_dev.csv"))
    app = make_app(args.redis_url)
    model = train(app, read("messages_train.csv"))
    client, headers = app.test_client(), api_key(app)
    client.post("/api/v1/tickets", json={"content": "预热"}, headers=headers)  # load the model once

    answers, latencies = replay(client, headers, held_out)
    auto = [(row, answer) for row, answer in zip(held_out, answers, strict=True) if answer["status"] == "dispatched"]
    right = sum(answer["unit"]["code"] == MAPPING[row["label"]][1] for row, answer in auto)

    # Baseline: the same model's top probability against a naive threshold of 0.5.
    probabilities = model.predict_proba([r["title"] for r in held_out], [r["body"] for r in held_out])
    labels = model.labels
    naive = [(row, labels[p.argmax()]) for row, p in zip(held_out, probabilities, strict=True) if p.max() >= 0.5]
    naive_right = sum(code == MAPPING[row["label"]][0] for row, code in naive)

    n = len(held_out)
    auto_rate, precision = len(auto) / n, (right / len(auto) if auto else 0.0)
    print(f"\nrouting {n} held-out real messages through POST /api/v1/tickets")
    print(f"{'':28} {'auto-dispatched':>16} {'right unit':>11}")
    ours = f"ours (CV threshold {model.threshold:.3f})"
    print(f"{ours:28} {auto_rate:>15.1%} {precision:>11.1%}")
    naive_precision = naive_right / len(naive) if naive else 0.0
    print(f"{'baseline (threshold 0.5)':28} {len(naive) / n:>15.1%} {naive_precision:>11.1%}")
    print(f"intake latency with routing:      p50 {percentile(latencies, 50):.1f} ms, "
          f"p99 {percentile(latencies, 99):.1f} ms")
    ok = auto_rate >= TARGET_AUTO and precision >= TARGET_PRECISION
    print(f"targets: auto >= {TARGET_AUTO:.0%} and right >= {TARGET_PRECISION:.0%}: {'OK' if ok else 'NOT MET'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
