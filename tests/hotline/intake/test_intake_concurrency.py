"""Concurrent intake over real HTTP: unique numbers, and one ticket per Idempotency-Key."""

from __future__ import annotations

import json
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from models import Ticket

COMPLAINT = {"channel": "web", "content": "小区电梯又坏了，老人上不了楼。", "address": "海淀区中关村街道"}


def post(url: str, headers: dict[str, str], body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{url}/api/v1/tickets", data=json.dumps(body).encode(), method="POST",
        headers=dict(headers, **{"Content-Type": "application/json"}),
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def count_tickets(session) -> int:
    return session.scalar(select(func.count()).select_from(Ticket))


def test_concurrent_intake__20_parallel_requests_make_20_unique_tickets(live_server, actors, session):
    headers = actors.key()
    bodies = [dict(COMPLAINT, content=f"{COMPLAINT['content']}（第{i}次反映）") for i in range(20)]
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda body: post(live_server, headers, body), bodies))
    assert [status for status, _ in results] == [201] * 20, results
    numbers = {body["ticket_no"] for _, body in results}
    assert len(numbers) == 20
    assert sorted(int(n[8:]) for n in numbers) == list(range(1, 21))
    assert count_tickets(session) == 20


def test_concurrent_intake__same_idempotency_key_10_times_makes_one_ticket(live_server, actors, session):
    headers = dict(actors.key(), **{"Idempotency-Key": "call-20261121-0001"})
    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(lambda _: post(live_server, headers, COMPLAINT), range(10)))
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] * 9 + [201], results
    assert len({body["ticket_no"] for _, body in results}) == 1
    assert count_tickets(session) == 1
