"""Benchmark: light processes — the CLI starts fast, the cron process and the `up` supervisor stay small.

Importing the app loads no classifier, jieba or scikit-learn: they load when a prediction is first needed
(or when the web process warms up). Three figures, against the targets:

- `flask --app wsgi --help` within 3× the time of `python -c "import flask, sqlalchemy"` (the fastest of
  N interleaved runs of each, bytecode cached as after any first run);
- the cron process (`python -m hotline.processes.cron`) under 120 MB RSS;
- the `up` supervisor (`flask --app wsgi up`, the process itself, not its children) under 120 MB RSS.

Each runs in a fresh instance folder against the given Redis (the cron process and `up` need one):

    python bench/startup.py                 # 9 runs each, RSS sampled for 10 s
    python bench/startup.py --quick         # 3 runs each, RSS sampled for 4 s
    python bench/startup.py --redis-url redis://localhost:6379/8 --port 5601

Exits non-zero when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
TIME_RATIO_TARGET = 3.0
RSS_TARGET_MB = 120.0


def child_env(instance: Path, redis_url: str) -> dict[str, str]:
    env = dict(os.environ, HOTLINE_INSTANCE_PATH=str(instance), HOTLINE_REDIS_URL=redis_url,
               PYTHONUNBUFFERED="1")
    # Bytecode is cached in a normal installation (pip compiles at install, our modules at first run);
    # without it every run would measure Python's compiler.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def fastest(commands: dict[str, list[str]], runs: int, env: dict[str, str]) -> dict[str, float]:
    """The fastest wall time of each command, run interleaved so that load on the machine hits all alike."""
    for command in commands.values():  # warm-up: bytecode caches, the page cache
        subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, check=True)
    best = dict.fromkeys(commands, float("inf"))
    for _ in range(runs):
        for name, command in commands.items():
            started = time.perf_counter()
            subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, check=True)
            best[name] = min(best[name], time.perf_counter() - started)
    return best


def peak_rss_mb(process: psutil.Process, seconds: float) -> float:
    peak = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        peak = max(peak, process.memory_info().rss)
        time.sleep(0.1)
    return peak / 2**20


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def cron_rss(env: dict[str, str], seconds: float) -> float:
    """Peak RSS of the cron process over `seconds` after it started."""
    process = subprocess.Popen([sys.executable, "-m", "hotline.processes.cron"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        time.sleep(1.0)
        if process.poll() is not None:
            raise SystemExit(f"the cron process exited: {process.stderr.read().decode()[-2000:]}")
        return peak_rss_mb(psutil.Process(process.pid), seconds)
    finally:
        stop(process)


def up_rss(env: dict[str, str], port: int, seconds: float) -> tuple[float, dict[str, float]]:
    """Peak RSS of the `up` supervisor once everything runs, and of each of its children (for reference)."""
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "up", "--port", str(port)],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output: list[str] = []
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            line = process.stdout.readline().decode()
            if not line and process.poll() is not None:
                raise SystemExit("`up` exited:\n" + "".join(output[-40:]))
            output.append(line)
            if "按 Ctrl-C 停止" in line:
                break
        else:
            raise SystemExit("`up` did not start within 300 s:\n" + "".join(output[-40:]))
        _wait_for_web(port)
        supervisor = psutil.Process(process.pid)
        peak = peak_rss_mb(supervisor, seconds)
        children = {" ".join(child.cmdline()[1:4]): child.memory_info().rss / 2**20
                    for child in supervisor.children()}
        return peak, children
    finally:
        stop(process, signal.SIGINT)


def _wait_for_web(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the web server on port {port} did not answer within {timeout:.0f} s")


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="3 timed runs, 4 s of RSS sampling")
    parser.add_argument("--redis-url", default=os.environ.get("HOTLINE_BENCH_REDIS_URL", "redis://localhost:6379/8"))
    parser.add_argument("--port", type=int, default=5601, help="port for the web server `up` starts")
    args = parser.parse_args(argv)
    runs, seconds = (3, 4.0) if args.quick else (9, 10.0)

    with tempfile.TemporaryDirectory(prefix="hotline-bench-startup-") as folder:
        env = child_env(Path(folder) / "instance", args.redis_url)
        times = fastest({
            "baseline": [sys.executable, "-c", "import flask, sqlalchemy"],
            "flask --help": [sys.executable, "-m", "flask", "--app", "wsgi", "--help"],
        }, runs, env)
        ratio = times["flask --help"] / times["baseline"]
        print(f"python -c 'import flask, sqlalchemy'   {times['baseline']:.3f} s  (baseline, fastest of {runs})")
        print(f"flask --app wsgi --help               {times['flask --help']:.3f} s  "
              f"= {ratio:.2f} × baseline (target ≤ {TIME_RATIO_TARGET:.0f} ×)  {verdict(ratio <= TIME_RATIO_TARGET)}")

        cron = cron_rss(env, seconds)
        print(f"cron process RSS                      {cron:.1f} MB (target < {RSS_TARGET_MB:.0f} MB)  "
              f"{verdict(cron < RSS_TARGET_MB)}")

        supervisor, children = up_rss(env, args.port, seconds)
        print(f"`up` supervisor RSS                   {supervisor:.1f} MB (target < {RSS_TARGET_MB:.0f} MB)  "
              f"{verdict(supervisor < RSS_TARGET_MB)}")
        for name, rss in children.items():
            print(f"    child {name:<40} {rss:.1f} MB (for reference)")

    ok = ratio <= TIME_RATIO_TARGET and cron < RSS_TARGET_MB and supervisor < RSS_TARGET_MB
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
