"""`flask simulate`: a city lived through D days on a moving clock, through the real workflow and jobs.

Complaints arrive through intake (agents on the phone, web/app/WeChat keys) with real-looking texts (the
demo city's seed examples and, where present, the real messages of ../shared/data), get routed, triaged
by agents, accepted, answered and sometimes returned or late by units with their own diligence; citizens
answer surveys. Every step is a workflow function; every deadline and follow-up is a real RQ job that a
burst worker runs when the moving clock reaches it. The same seed on the same empty database gives the
same city.
"""

from __future__ import annotations

import csv
import heapq
import itertools
import logging
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import select

from classifier.data import shared_data_dir
from hotline import workflow
from hotline.auth import SYSTEM, Principal, hash_api_key, hash_password
from hotline.database import session_factory
from hotline.errors import ApiError
from hotline.followup.service import current_followup, record_answer
from hotline.intake import submit
from hotline.intake.routing import city_index
from hotline.intake.schemas import TicketIn
from hotline.queue import runtime
from hotline.queue.clocked import BurstWorker, run_due
from hotline.workflow.sla import sla
from models import ApiKey, Category, Jurisdiction, Ticket, Unit, User, clock
from models.clock import FrozenClock
from models.enums import FINAL_STATUSES, FollowupStatus, TicketStatus
from routing.dispatch import unit_for

log = logging.getLogger(__name__)

SIM_QUEUE = "hotline-simulation"
SHARED_DATA = shared_data_dir()
CHANNELS = (("phone", 0.6), ("web", 0.2), ("app", 0.15), ("wechat", 0.05))
HOURS_OPEN = (8, 22)  # complaints arrive between 08:00 and 22:00 local time


@dataclass
class Report:
    tickets: int = 0
    statuses: Counter = field(default_factory=Counter)
    actions: Counter = field(default_factory=Counter)
    refused: Counter = field(default_factory=Counter)
    jobs_run: int = 0
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class Text:
    title: str
    body: str
    label: str | None  # the matter type, when the text comes with one


def seed_texts(city_path: Path) -> list[Text]:
    with open(city_path / "seed_examples.csv", encoding="utf-8") as handle:
        return [Text(row["title"] or "", row["body"], row["label"]) for row in csv.DictReader(handle)]


def shared_texts(limit: int = 3000) -> list[Text]:
    """Real citizen messages, where ../shared/data is present (they carry no demo-city label)."""
    path = SHARED_DATA / "unlabelled_messages.csv"
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as handle:
        rows = list(itertools.islice(csv.DictReader(handle), limit))
    return [Text((row["title"] or "")[:200], row["body"][:1500], None) for row in rows if row.get("body")]


class Simulation:
    def __init__(self, app: Flask, days: int, per_day: int, seed: int, start: date | None = None,
                 echo: Callable[[str], None] = print):
        self.app, self.days, self.per_day, self.echo = app, days, per_day, echo
        self.rng = random.Random(seed)
        self.zone = ZoneInfo(app.config["TIMEZONE"])
        today = clock.now().astimezone(self.zone).date()
        self.start_day = start or today - timedelta(days=days)
        self.factory = session_factory(app)
        self.events: list = []
        self.sequence = itertools.count()
        self.report = Report()

    # --- the cast ---------------------------------------------------------------------------------

    def _people(self) -> None:
        with self.factory() as session, session.begin():
            def user(username: str, role: str, unit_id: int | None = None) -> Principal:
                row = session.scalar(select(User).where(User.username == username))
                if row is None:
                    row = User(username=username, role=role, unit_id=unit_id, display_name=f"模拟{username}",
                               password_hash=hash_password(f"{username}-{self.rng.random()}"))
                    session.add(row)
                    session.flush()
                return Principal("user", row.id, row.username, role=row.role, unit_id=row.unit_id)

            self.agent = user("sim-agent", "agent")
            self.supervisor = user("sim-supervisor", "supervisor")
            units = list(session.scalars(select(Unit).where(Unit.active.is_(True)).order_by(Unit.code)))
            self.staff = {unit.id: user(f"sim-{unit.code.lower()}", "unit_staff", unit.id) for unit in units}
            self.unit_codes = {unit.id: unit.code for unit in units}
            self.district_units = [unit.code for unit in units if unit.unit_group == "district"]
            # Each unit's diligence: how fast it works and how often the citizen ends up satisfied.
            self.diligence = {unit.id: self.rng.uniform(0.55, 0.98) for unit in units}
            self.keys = {}
            for channel, _ in CHANNELS[1:]:
                name = f"sim-{channel}"
                key = session.scalar(select(ApiKey).where(ApiKey.name == name))
                if key is None:
                    key = ApiKey(name=name, channel=channel, prefix=f"sim{channel[:4]}",
                                 key_hash=hash_api_key(f"simulation-{channel}-{self.rng.random()}"))
                    session.add(key)
                    session.flush()
                self.keys[channel] = Principal("apikey", key.id, key.name, channel=channel)
            streets = list(session.scalars(select(Jurisdiction).where(Jurisdiction.kind == "street")
                                           .order_by(Jurisdiction.id)))
            self.places = [(street.parent.name if street.parent else "", street.name,
                            list(street.landmarks or []) + list(street.aliases or [])) for street in streets]
            self.categories = {c.code: c for c in session.scalars(select(Category))}

    # --- the event loop -------------------------------------------------------------------------

    def at(self, when: datetime, action: Callable, *args) -> None:
        heapq.heappush(self.events, (when, next(self.sequence), action, args))

    def run(self) -> Report:
        moving = FrozenClock(datetime.combine(self.start_day, time(0, 0), self.zone))
        previous_clock = clock.set_clock(moving)
        previous_queue = self.app.config["QUEUE_DEFAULT"]
        # Jobs of the simulated past go to their own queue, so a live worker never runs them on real time.
        self.app.config["QUEUE_DEFAULT"] = SIM_QUEUE
        runtime.use_app(self.app)
        queue = runtime.queue(self.app)
        worker = BurstWorker([queue], connection=queue.connection)
        try:
            with self.app.app_context():
                self._people()
                texts = seed_texts(Path(self.app.config["DEMO_CITY_PATH"]))
                real = shared_texts()
                self._plan_arrivals(texts, real)
                self.report.start = moving.now()
                end = datetime.combine(self.start_day + timedelta(days=self.days), time(0, 0), self.zone)
                while moving.now() < end:
                    next_hour = moving.now() + timedelta(hours=1)
                    while self.events and self.events[0][0] < next_hour:
                        when, _, action, args = heapq.heappop(self.events)
                        moving.set(max(when, moving.now()))
                        self._safely(action, *args)
                    moving.set(next_hour)
                    self.report.jobs_run += len(run_due(queue, moving.now(), worker))
                    if moving.now().astimezone(self.zone).hour == 0:
                        self.echo(f"  {moving.now().astimezone(self.zone).date()}：累计 {self.report.tickets} 件")
                self.report.end = moving.now()
                self._tally()
        finally:
            queue.empty()
            for job_id in queue.scheduled_job_registry.get_job_ids():
                queue.scheduled_job_registry.remove(job_id)
            self.app.config["QUEUE_DEFAULT"] = previous_queue
            runtime.use_app(None)
            clock.set_clock(previous_clock)
        return self.report

    def _safely(self, action: Callable, *args) -> None:
        try:
            action(*args)
        except ApiError as error:  # the ticket moved on meanwhile (merged, excluded …): skip, as a person would
            self.report.refused[f"{action.__name__}:{error.code}"] += 1

    def _tally(self) -> None:
        with self.factory() as session:
            for status in session.scalars(select(Ticket.status)):
                self.report.statuses[status] += 1

    # --- arrivals ---------------------------------------------------------------------------------

    def _plan_arrivals(self, texts: list[Text], real: list[Text]) -> None:
        for day in range(self.days):
            current = self.start_day + timedelta(days=day)
            opening = datetime.combine(current, time(HOURS_OPEN[0]), self.zone)
            span = (HOURS_OPEN[1] - HOURS_OPEN[0]) * 3600
            for second in sorted(self.rng.randrange(span) for _ in range(self.per_day)):
                text = self.rng.choice(real) if real and self.rng.random() < 0.25 else self.rng.choice(texts)
                self.at(opening + timedelta(seconds=second), self.arrive, text, self._caller(), self._address())

    def _caller(self) -> dict:
        prefix = self.rng.choice(("135", "136", "138", "139", "150", "151", "158", "186", "187", "188"))
        phone = f"{prefix}{self.rng.randrange(10**8):08d}"
        names = "王李张刘陈杨赵黄周吴"
        return {"name": self.rng.choice(names) + self.rng.choice(("先生", "女士")), "phone": phone}

    def _address(self) -> str | None:
        if self.rng.random() < 0.08:
            return None  # callers do not always say where
        district, street, places = self.rng.choice(self.places)
        place = self.rng.choice(places) if places and self.rng.random() < 0.7 else street
        prefix = district if self.rng.random() < 0.6 else ""
        return f"{prefix}{place}{self.rng.randrange(1, 30)}号楼"

    def _step(self, actor: Principal, session) -> workflow.Step:
        return workflow.Step(session, actor, sla(self.app), now=clock.now())

    def arrive(self, text: Text, caller: dict, address: str | None) -> None:
        channel = self._channel()
        actor = self.agent if channel == "phone" else self.keys[channel]
        data = TicketIn(channel=channel, title=text.title or None, content=text.body, address=address,
                        citizen=caller)
        with self.factory() as session:
            # the one intake path; routed in the request: the simulated day has no worker between steps
            ticket = submit(session, actor, data, app=self.app, by_job=False).ticket
            session.refresh(ticket)
            self.report.tickets += 1
            self.report.actions[f"intake→{ticket.status}"] += 1
            if ticket.status == TicketStatus.TRIAGE:
                self.at(clock.now() + timedelta(minutes=self.rng.uniform(5, 60)), self.triage, ticket.id, text.label)
            elif ticket.status == TicketStatus.DISPATCHED:
                self._unit_takes(ticket)

    def _channel(self) -> str:
        roll, total = self.rng.random(), 0.0
        for channel, share in CHANNELS:
            total += share
            if roll < total:
                return channel
        return "phone"

    # --- agents and supervisors -------------------------------------------------------------------

    def _act(self, actor: Principal, ticket_id: int, action: Callable, *args) -> Ticket:
        with self.factory() as session:
            with session.begin():
                ticket = session.get(Ticket, ticket_id)
                action(self._step(actor, session), ticket, *args)
            self.report.actions[action.__name__] += 1
            return ticket

    def triage(self, ticket_id: int, label: str | None) -> None:
        with self.factory() as session:
            ticket = session.get(Ticket, ticket_id)
            if ticket.status != TicketStatus.TRIAGE:
                return
            index = city_index(self.app, session)
            place = index.gazetteer.resolve(ticket.address, ticket.lat, ticket.lng)
            referral, duplicates, suggestions = ticket.referral, list(ticket.duplicates or []), list(ticket.suggestions or [])
        if referral:
            self._act(self.agent, ticket_id, workflow.reject, f"已转 {referral} 处置", referral)
            return
        if duplicates and self.rng.random() < 0.6:
            self._act(self.agent, ticket_id, workflow.merge, duplicates[0]["ticket_no"])
            return
        category = label if label and self.rng.random() < 0.9 else (suggestions[0]["category"] if suggestions else None)
        category = category or self.rng.choice(sorted(code for code, c in self.categories.items() if c.parent_id))
        rule = index.catalogue.get(category)
        unit = unit_for(rule, place).unit if rule else None
        unit = unit or self.rng.choice(self.district_units)  # an unplaceable matter: the district (兜底)
        ticket = self._act(self.agent, ticket_id, workflow.dispatch, unit, (), category)
        self._unit_takes(ticket)

    # --- the units' work --------------------------------------------------------------------------

    def _hours(self, mean: float) -> timedelta:
        return timedelta(hours=self.rng.expovariate(1 / mean))

    def _unit_takes(self, ticket: Ticket) -> None:
        d = self.diligence[ticket.lead_unit_id]
        now = clock.now()
        if self.rng.random() < 0.05:
            self.at(now + self._hours(3), self.unit_returns, ticket.id, ticket.lead_unit_id)
            return
        urgent = ticket.urgency in ("emergency", "utility")
        accept_at = now + self._hours((0.2 if urgent else 3) / d ** 2)
        self.at(accept_at, self.unit_step, ticket.id, ticket.lead_unit_id, "accept")

    def unit_returns(self, ticket_id: int, unit_id: int) -> None:
        self._act(self.staff[unit_id], ticket_id, workflow.return_ticket, "经核实，该事项不属于本单位职责范围")
        self.at(clock.now() + self._hours(4), self.decide_return, ticket_id, unit_id)

    def decide_return(self, ticket_id: int, unit_id: int) -> None:
        if self.rng.random() < 0.6:
            others = [code for uid, code in sorted(self.unit_codes.items())
                      if uid != unit_id and code in self.district_units]
            ticket = self._act(self.supervisor, ticket_id, workflow.decide_return, True, self.rng.choice(others),
                               None, "同意退单，改派区政府统筹")
        else:
            ticket = self._act(self.supervisor, ticket_id, workflow.decide_return, False, None, None, "属本单位职责，退回")
        self._unit_takes(ticket)

    def unit_step(self, ticket_id: int, unit_id: int, stage: str) -> None:
        staff, d = self.staff[unit_id], self.diligence[unit_id]
        with self.factory() as session:
            ticket = session.get(Ticket, ticket_id)
            urgent = ticket.urgency in ("emergency", "utility")
            if ticket.lead_unit_id != unit_id or ticket.status in FINAL_STATUSES:
                return
        now = clock.now()
        if stage == "accept":
            self._act(staff, ticket_id, workflow.accept)
            self.at(now + self._hours((0.5 if urgent else 8) / d ** 2), self.unit_step, ticket_id, unit_id, "respond")
        elif stage == "respond":
            self._act(staff, ticket_id, workflow.respond, "已电话联系市民，了解情况")
            if not urgent and self.rng.random() < 0.06:
                self.at(now + self._hours(12), self.unit_step, ticket_id, unit_id, "extension")
            work = self._hours(1.0 / d) if urgent else timedelta(days=self.rng.uniform(0.5, 6.5 / d))
            self.at(now + work, self.unit_step, ticket_id, unit_id, "reply")
        elif stage == "extension":
            self._act(staff, ticket_id, workflow.request_extension, self.rng.randint(2, 5), "需协调相关部门共同处置")
            self.at(now + self._hours(4), self.decide_extension, ticket_id)
        elif stage == "reply":
            resolved = self.rng.random() < 0.5 + 0.45 * d
            text = "已现场核实并处理完毕" if resolved else "已协调处理，需进一步跟进"
            self._act(staff, ticket_id, workflow.reply, text, resolved)
            if self.rng.random() < 0.78:
                self.at(now + self._hours(10), self.citizen_answers, ticket_id, unit_id)

    def decide_extension(self, ticket_id: int) -> None:
        self._act(self.supervisor, ticket_id, workflow.decide_extension, self.rng.random() < 0.75, None)

    # --- citizens ---------------------------------------------------------------------------------

    def citizen_answers(self, ticket_id: int, unit_id: int) -> None:

        d = self.diligence[unit_id]
        resolved = self.rng.random() < 0.45 + 0.5 * d
        roll = self.rng.random()
        if resolved:
            satisfaction = "satisfied" if roll < 0.7 else "basic" if roll < 0.95 else "unsatisfied"
        else:
            satisfaction = "unsatisfied" if roll < 0.7 else "basic"
        with self.factory() as session, session.begin():
            ticket = session.get(Ticket, ticket_id)
            followup = current_followup(session, ticket)
            if followup is None or followup.status != FollowupStatus.OPEN or ticket.status != TicketStatus.REPLIED:
                return
            phone = followup.channel == "callback"
            actor = self.agent if phone else SYSTEM
            outcome = record_answer(self._step(actor, session), followup, resolved, satisfaction,
                                    None if resolved else "问题还没有彻底解决", "agent" if phone else "survey")
        self.report.actions[f"survey→{outcome}"] += 1
        if outcome == "reopened":
            with self.factory() as session:
                self._unit_takes(session.get(Ticket, ticket_id))

