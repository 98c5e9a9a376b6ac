"""Light processes: importing the app loads no classifier libraries; they load at the first prediction.

Timing and memory targets are in bench/startup.py (speed targets are not unit tests).
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
HEAVY = "{'sklearn', 'jieba', 'scipy', 'pandas'}"


def loaded_heavy_modules(code: str, tmp_path: Path, heavy: str = HEAVY) -> list[str]:
    """The heavy modules in sys.modules after running `code` in a fresh interpreter."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env["HOTLINE_INSTANCE_PATH"] = str(tmp_path / "instance")
    probe = f"{code}; import sys; print(sorted(m for m in sys.modules if m.split('.')[0] in {heavy}))"
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return ast.literal_eval(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("code", [
    "import wsgi",
    "import hotline.processes.cron",
    "import hotline.processes.runner",
    "import routing; routing.decide; routing.WorkingCalendar",
], ids=["app", "cron", "up-supervisor", "routing-decision"])
def test_import__loads_no_classifier_jieba_or_scikit_learn(code, tmp_path):
    assert loaded_heavy_modules(code, tmp_path) == []


def test_first_prediction__loads_the_classifier_libraries(tmp_path):
    """The probe can fail: the libraries are there, only loaded later."""
    code = ("import wsgi, classifier; from classifier.tokenizer import Tokenizer; Tokenizer().cut('路灯不亮'); "
            "classifier.TextClassifier")
    loaded = {name.split(".")[0] for name in loaded_heavy_modules(code, tmp_path)}
    assert {"jieba", "sklearn", "scipy"} <= loaded


def test_import__leaves_the_metrics_library_to_the_first_request(tmp_path):
    """prometheus_client is a sixth of a CLI call's own import time; only serving records metrics."""
    assert loaded_heavy_modules("import wsgi", tmp_path, heavy="{'prometheus_client'}") == []
    served = ("import wsgi; wsgi.app.test_client().get('/healthz'); "
              "assert b'hotline_http_requests_total' in wsgi.app.test_client().get('/metrics').data")
    assert "prometheus_client" in loaded_heavy_modules(served, tmp_path, heavy="{'prometheus_client'}")
