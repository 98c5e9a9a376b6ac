"""`flask up` starts everything on the embedded default and leaves nothing behind when stopped."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, timeout: float = 180) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return json.loads(response.read())
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {timeout} s")


def flask(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_up__serves_intake_and_stops_every_process(tmp_path, stop_signal):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env.update(HOTLINE_INSTANCE_PATH=str(tmp_path / "instance"), PYTHONUNBUFFERED="1")
    port = free_port()
    up = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "up", "--port", str(port)],
                          cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen = []
    try:
        for line in up.stdout:  # the banner comes once the web server accepts connections, not before
            seen.append(line)
            if "Hotline 已启动" in line:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
        health = wait_for(f"http://127.0.0.1:{port}/healthz")
        assert health["database"]["ok"] and health["redis"]["ok"]
        children = psutil.Process(up.pid).children(recursive=True)
        names = " ".join(" ".join(child.cmdline()) for child in children)
        assert "redis-server" in names and "hotline.processes.worker" in names and "waitress" in names
        # The supervisor stays light: the bootstrap model was trained in a child process.
        mapped = {m.path for m in psutil.Process(up.pid).memory_maps()}
        assert not [path for path in mapped if "/sklearn/" in path or "/scipy/" in path]

        created = flask("apikey", "create", "--channel", "web", "--name", "up-test", env=env)
        key = created.stdout.strip().splitlines()[-1]
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/tickets", method="POST",
            data=json.dumps({"content": "小区垃圾好几天没人清运了"}).encode(),
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 201
            answer = json.loads(response.read())
        # A web channel's ticket is answered `received`; up's worker routes it by a job within seconds.
        assert answer["status"] == "received" and answer["routing_reason"].startswith("已受理")
        lookup = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/tickets/{answer['ticket_no']}",
                                        headers={"Authorization": f"Bearer {key}"})
        deadline, status = time.monotonic() + 60, "received"
        while status == "received" and time.monotonic() < deadline:
            time.sleep(0.3)
            with urllib.request.urlopen(lookup, timeout=10) as response:
                status = json.loads(response.read())["status"]
        assert status in ("dispatched", "triage"), f"still {status} a minute after intake"
    finally:
        up.send_signal(stop_signal)
        up.wait(60)
        output = "".join(seen) + up.stdout.read()  # through the same buffer the banner was read from
    assert up.returncode == 0, output
    assert " INFO " not in output, "the default log level is WARNING"
    assert "已全部停止" in output
    assert "agent" in output  # demo logins are printed
    gone, alive = psutil.wait_procs(children, timeout=5)
    assert alive == [], f"left behind: {[p.pid for p in alive]}"
