"""Benchmark: how long each staff page takes to answer on a simulated city.

    python bench/pages.py --instance /path/to/instance          # a database filled by `flask simulate`
    python bench/pages.py --instance /path/to/instance --quick  # 3 rounds instead of 10

Signs in one user per role (created once, named bench-<role>), then requests every page of its role
through the Flask test client (no network) and prints the median and the slowest time per page, with
the ticket count of the database. The baseline printed first is the home page `/` (a page that reads
almost nothing), so the figures can be compared between machines. Target: every page well under a second.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PAGES = {
    "agent": ["/agent", "/agent/triage", "/agent/callbacks"],
    "unit_staff": ["/unit", "/notifications"],
    "supervisor": ["/supervisor", "/supervisor/approvals", "/supervisor/rankings", "/supervisor/charts",
                   "/supervisor/charts.json", "/supervisor/search?q=噪音", "/supervisor/export/overdue.csv"],
    "admin": ["/admin", "/admin/users", "/admin/city/units.yaml"],
}
PASSWORD = "bench-password"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--instance", required=True, help="instance folder of a simulated city")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    rounds = 3 if args.quick else 10

    from sqlalchemy import func, select

    from hotline import create_app
    from hotline.auth import hash_password
    from hotline.database import session_factory
    from models import Ticket, Unit, User

    app = create_app(INSTANCE_PATH=args.instance, LOG_LEVEL="ERROR", RATELIMIT_STORAGE_URL="memory://",
                     RATELIMIT_DEFAULT="100000/minute", SESSION_COOKIE_SECURE=False)
    with session_factory(app)() as session, session.begin():
        tickets = session.scalar(select(func.count()).select_from(Ticket))
        busiest = session.scalar(select(Ticket.lead_unit_id).where(Ticket.lead_unit_id.is_not(None))
                                 .group_by(Ticket.lead_unit_id).order_by(func.count().desc()).limit(1))
        for role in PAGES:
            name = f"bench-{role}"
            user = session.scalar(select(User).where(User.username == name))
            if user is None:
                session.add(User(username=name, role=role, password_hash=hash_password(PASSWORD),
                                 unit_id=busiest if role == "unit_staff" else None))
        unit_name = session.scalar(select(Unit.name).where(Unit.id == busiest))
    print(f"database: {tickets} tickets; unit staff of {unit_name} (the busiest unit)")

    def timed(client, url) -> float:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, (url, response.status_code)
        return elapsed

    baseline_client = app.test_client()
    baseline = [timed(baseline_client, "/") for _ in range(rounds)]
    print(f"{'baseline /':38} median {1000 * statistics.median(baseline):7.1f} ms   max {1000 * max(baseline):7.1f} ms")
    for role, urls in PAGES.items():
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        client.post("/login", data={"username": f"bench-{role}", "password": PASSWORD, "csrf_token": token})
        for url in urls:
            times = [timed(client, url) for _ in range(rounds)]
            print(f"{role + ' ' + url:38} median {1000 * statistics.median(times):7.1f} ms   max {1000 * max(times):7.1f} ms")


if __name__ == "__main__":
    main()
