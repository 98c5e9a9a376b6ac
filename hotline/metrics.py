"""Prometheus metrics of this process: requests, their latency, tickets created.

prometheus_client (with its HTTP exposition modules) costs about 40 ms to import, a sixth of a CLI
call's own work, and only a serving process ever records or exposes a metric. So the metrics are made
at their first use — the first request or intake — not when the app is imported.
"""

from __future__ import annotations

import functools
from types import SimpleNamespace


@functools.cache
def _metrics() -> SimpleNamespace:
    import prometheus_client  # first use, not app import: see the module's docstring

    return SimpleNamespace(
        client=prometheus_client,
        requests=prometheus_client.Counter(
            "hotline_http_requests_total", "HTTP requests", ["method", "endpoint", "status"]),
        latency=prometheus_client.Histogram(
            "hotline_http_request_seconds", "HTTP request latency", ["endpoint"]),
        tickets_created=prometheus_client.Counter(
            "hotline_tickets_created_total", "Tickets created at intake", ["channel"]),
    )


def count_request(method: str, endpoint: str, status: int, seconds: float | None) -> None:
    metrics = _metrics()
    metrics.requests.labels(method, endpoint, str(status)).inc()
    if seconds is not None:
        metrics.latency.labels(endpoint).observe(seconds)


def count_ticket(channel: str) -> None:
    _metrics().tickets_created.labels(channel).inc()


def exposition() -> tuple[bytes, str]:
    """The text format of every metric of this process, and its content type."""
    client = _metrics().client
    return client.generate_latest(), client.CONTENT_TYPE_LATEST
