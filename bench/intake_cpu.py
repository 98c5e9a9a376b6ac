"""Benchmark: CPU per intake in one process — the full intake path and the bare insert of bench/intake.py.

The app of `intake.bench_app()` on a scratch PostgreSQL database with the demo city and its bootstrap model,
driven by Flask's test client (no gunicorn, no sockets): 30 warm-up intakes, then N with the bench's bodies,
`time.process_time` per intake. With --profile, N more under cProfile, written to the given file (read it
with `python -m pstats FILE`). What the throughput bench cannot say on a busy machine: what one intake
costs this process, and where.

    python bench/intake_cpu.py --redis-url redis://localhost:6379/5            # full path, 400 intakes
    python bench/intake_cpu.py --path /bench/bare                              # the baseline
    python bench/intake_cpu.py --profile /tmp/intake.prof                      # and a cProfile of N more

The Redis database given is flushed. Needs ../shared/data (or HOTLINE_SHARED_DATA).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import intake  # noqa: E402  (bench/intake.py: its app, bodies and stack)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=400, help="intakes measured (default 400)")
    parser.add_argument("--path", default="/api/v1/tickets", help="/api/v1/tickets (default) or /bench/bare")
    parser.add_argument("--profile", help="also profile N intakes with cProfile (CPU time) into this file")
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@localhost:5432/postgres")
    parser.add_argument("--redis-url", default="redis://localhost:6379/13")
    args = parser.parse_args()
    if not (intake.SHARED / "unlabelled_messages.csv").exists():
        print(f"skipped: shared data not found in {intake.SHARED} (set HOTLINE_SHARED_DATA)")
        return 0
    from hotline.database import engine
    from hotline.scratchdb import scratch_postgres

    messages = intake.read_messages()
    random.Random(1).shuffle(messages)
    with scratch_postgres(args.database_url, prefix="hotline_bench_intake_cpu") as url:
        stack = intake.Stack(url, args.redis_url, 0)
        os.environ.update({k: v for k, v in stack.env.items() if k.startswith("HOTLINE_")})
        key = stack.prepare()
        app = intake.bench_app()
        client, headers = app.test_client(), {"Authorization": f"Bearer {key}"}
        bodies = intake.Bodies(messages[:-400], intake.demo_addresses())

        def post() -> None:
            response = client.post(args.path, json=bodies.take(), headers=headers)
            if response.status_code != 201:
                raise SystemExit(f"{args.path}: {response.status_code} {response.data[:200]!r}")

        for _ in range(30):
            post()
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(args.n):
            post()
        cpu, wall = (time.process_time() - cpu) / args.n * 1000, (time.perf_counter() - wall) / args.n * 1000
        print(f"{args.path}: CPU {cpu:.2f} ms per intake, wall {wall:.2f} ms ({args.n} intakes)")
        if args.profile:
            profile = cProfile.Profile(time.process_time)
            profile.enable()
            for _ in range(args.n):
                post()
            profile.disable()
            profile.dump_stats(args.profile)
            print(f"cProfile of {args.n} more: {args.profile}")
        engine(app).dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
