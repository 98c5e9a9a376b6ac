"""GET /api/v1/stats/units: the units' three rates, composite and rank for a period, for staff only."""

from __future__ import annotations

import json

import pytest

from hotline.database import session_factory
from hotline.scoring.service import store_period
from tests.hotline.scoring.test_scoring import City, build_october, local

URL = "/api/v1/stats/units"


@pytest.fixture
def october(make_app):
    """The worked example of docs/scoring.md, with its settings (minimum volume 3, department 50/25/25)."""
    app = make_app(SCORE_MIN_VOLUME=3, SCORE_WEIGHTS=json.dumps({"department": [50, 25, 25]}))
    with session_factory(app)() as session, session.begin():
        build_october(City(session))
    return app


@pytest.fixture
def supervisor(october):
    from tests.conftest import Actors

    return Actors(october).user("supervisor")


def by_code(body) -> dict[str, dict]:
    return {unit["code"]: unit for unit in body["units"]}


def test_stats_api__units_with_counts_rates_composite_and_rank(october, supervisor):
    response = october.test_client().get(URL, query_string={"period": "2026-10"}, headers=supervisor)
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["period"], body["source"], body["min_volume"]) == ("2026-10", "live", 3)
    wj = by_code(body)["CY-WJ"]
    assert wj == {
        "code": "CY-WJ", "name": "望京街道办事处", "group": "street",
        "dispatched": 4, "responded_in_time": 3, "rated": 4, "resolved": 3, "satisfaction_points": 2.8,
        "response_rate": 0.75, "resolution_rate": 0.75, "satisfaction_rate": pytest.approx(0.7),
        "composite": 73.25, "rank": 1, "ranked": True,
    }
    units = by_code(body)
    assert (units["XC-JRJ"]["ranked"], units["XC-JRJ"]["rank"], units["XC-JRJ"]["composite"]) == (False, None, 100.0)
    assert (units["SCGW"]["composite"], units["SCGW"]["rank"]) == (20.0, 2)
    assert [u["code"] for u in body["units"][:4]] == ["CY-WJ", "DC-JS", "DC-DHM", "HD-ZGC"]


def test_stats_api__group_filter(october, supervisor):
    body = october.test_client().get(URL, query_string={"period": "2026-10", "group": "department"},
                                     headers=supervisor).json
    assert {unit["group"] for unit in body["units"]} == {"department"}
    assert [(u["code"], u["rank"]) for u in body["units"][:2]] == [("SZJW", 1), ("SCGW", 2)]


def test_stats_api__serves_the_stored_rollup_when_there_is_one(october, supervisor):
    with session_factory(october)() as session:
        store_period(session, "2026-10")  # default settings: minimum volume 10, so nobody is ranked
        City(session).ticket("CY-WJ", local(10, 5))  # after the rollup
        session.commit()
    body = october.test_client().get(URL, query_string={"period": "2026-10"}, headers=supervisor).json
    assert body["source"] == "stored"
    wj = by_code(body)["CY-WJ"]
    assert (wj["dispatched"], wj["rank"], wj["ranked"]) == (4, None, False)
    assert body["computed_at"].endswith("+08:00")


def test_stats_api__defaults_to_the_current_month(october, supervisor):
    from models import clock
    from models.clock import FrozenClock

    previous = clock.set_clock(FrozenClock(local(10, 20)))
    try:
        body = october.test_client().get(URL, headers=supervisor).json
    finally:
        clock.set_clock(previous)
    assert body["period"] == "2026-10"


@pytest.mark.parametrize("period", ["2026-13", "202610", "2026-1", "october", "2026-10-01"])
def test_stats_api__bad_period_is_422(october, supervisor, period):
    response = october.test_client().get(URL, query_string={"period": period}, headers=supervisor)
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"period": "格式应为 YYYY-MM"}
    assert "YYYY-MM" in response.json["error"]["message"]


def test_stats_api__unknown_group_is_422(october, supervisor):
    response = october.test_client().get(URL, query_string={"period": "2026-10", "group": "village"},
                                         headers=supervisor)
    assert response.status_code == 422
    assert "group" in response.json["error"]["fields"]


@pytest.mark.parametrize("role", ["agent", "unit_staff", "supervisor", "admin"])
def test_stats_api__every_staff_role_sees_every_unit(october, role):
    from tests.conftest import Actors

    headers = Actors(october).user(role, unit="HD-ZGC" if role == "unit_staff" else None)
    response = october.test_client().get(URL, query_string={"period": "2026-10"}, headers=headers)
    assert response.status_code == 200
    assert {"CY-WJ", "HD-ZGC", "SZJW"} <= set(by_code(response.json))


def test_stats_api__channel_keys_are_refused(october):
    from tests.conftest import Actors

    response = october.test_client().get(URL, query_string={"period": "2026-10"}, headers=Actors(october).key())
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"


def test_stats_api__anonymous_callers_must_log_in(october):
    assert october.test_client().get(URL, query_string={"period": "2026-10"}).status_code == 401
