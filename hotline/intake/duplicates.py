"""The duplicate-candidate index in Redis: MinHash LSH buckets per street over the open tickets of the window.

Intake asks it which earlier tickets of the same street share an LSH bucket with the new one and files the
new one, in one pipelined round trip. Each bucket is a sorted set of ticket ids scored by reception time;
only the newest ``BUCKET_MAX`` of a bucket within the window are read, so a look-up costs the same with a
thousand open tickets in a street or with a hundred thousand. The logic (bucket names, caps, ranking) is
``routing.duplicates.DuplicateIndex``; this is its Redis form.

Redis only holds work: the index is rebuilt from the database (the stored signatures) whenever its
`ready` marker is missing — by the sweep, or `flask --app wsgi sweep`. Until then, and whenever Redis
cannot answer, intake compares with the street's newest tickets read from the database instead.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import redis
from flask import Flask
from sqlalchemy import select, update

from hotline.database import session_factory
from hotline.redis_conn import get_redis
from models import Ticket, clock
from models.enums import OPEN_STATUSES
from routing.duplicates import BUCKET_MAX, band_keys, clean_text, rank_candidates, signature

log = logging.getLogger(__name__)

PREFIX = "hotline:dup:"
READY = PREFIX + "ready"
BUILDING = PREFIX + "building"
REBUILD_BATCH = 1000
_KEY = "hotline.duplicate_index"

# KEYS: the ready marker, then the buckets. ARGV: since, per-bucket cap, the new ticket's id ("" for none),
# its score, the oldest score kept, the buckets' TTL. Returns {ready, members of bucket 1, …}: the newest
# members received since `since`, read before the new ticket is filed. A bucket keeps its newest `cap`
# members only (no look-up reads further): a write into a common bucket stays small, and so does Redis.
LOOKUP_AND_ADD = """
local found = {redis.call('EXISTS', KEYS[1])}
for i = 2, #KEYS do
  found[i] = redis.call('ZREVRANGEBYSCORE', KEYS[i], '+inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
end
if ARGV[3] ~= '' then
  for i = 2, #KEYS do
    redis.call('ZADD', KEYS[i], ARGV[4], ARGV[3])
    redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', '(' .. ARGV[5])
    redis.call('ZREMRANGEBYRANK', KEYS[i], 0, -tonumber(ARGV[2]) - 1)
    redis.call('EXPIRE', KEYS[i], ARGV[6])
  end
end
return found
"""

# KEYS: the buckets. ARGV: the ticket's id, its score, the oldest score kept, the buckets' TTL, the cap.
ADD = """
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], ARGV[2], ARGV[1])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', '(' .. ARGV[3])
  redis.call('ZREMRANGEBYRANK', KEYS[i], 0, -tonumber(ARGV[5]) - 1)
  redis.call('EXPIRE', KEYS[i], ARGV[4])
end
return #KEYS
"""


def text_of(title: str | None, content: str | None) -> str:
    """What the classifier, duplicates and the knowledge base read: title and content together."""
    return f"{title or ''} {content or ''}"


def fingerprint(title: str | None, content: str | None) -> tuple[str, bytes]:
    """The cleaned text and MinHash signature stored with a ticket."""
    cleaned = clean_text(text_of(title, content))
    return cleaned, signature(cleaned)


def _bucket(street_id: int, bucket: str) -> str:
    return f"{PREFIX}{street_id}:{bucket}"


def _ts(moment: datetime) -> float:
    return moment.timestamp()


class RedisDuplicateIndex:
    def __init__(self, client: redis.Redis, window: timedelta):
        self.redis = client
        self.window = window
        self.ttl = int(window.total_seconds()) + 24 * 3600
        self._script = client.register_script(LOOKUP_AND_ADD)  # EVALSHA, loaded on first use
        self._add_script = client.register_script(ADD)

    def lookup_and_add(self, street_id: int, sig: bytes, since: datetime,
                       add: tuple[int, datetime] | None = None) -> list[int] | None:
        """Ids of earlier tickets sharing buckets with ``sig`` (most shared first); files ``add`` (id,
        received_at) under the same buckets. None when the index is not built or Redis does not answer.
        One command: a server-side script reads every bucket and files the new ticket."""
        buckets = [_bucket(street_id, b) for b in band_keys(sig)]
        if not buckets:
            return []
        ticket_id, received_at = add if add is not None else (None, None)
        try:
            results = self._script(keys=[READY, *buckets], args=[
                _ts(since), BUCKET_MAX, ticket_id or "", _ts(received_at) if received_at else 0,
                self._oldest(), self.ttl])
        except (redis.RedisError, OSError) as error:
            log.warning("duplicate index unavailable (%s); comparing with the street's newest tickets", error)
            return None
        if not results[0]:
            return None
        found = rank_candidates([int(m) for m in members] for members in results[1:])
        return [found_id for found_id in found if found_id != ticket_id]

    def add(self, street_id: int, sig: bytes, ticket_id: int, received_at: datetime) -> bool:
        """File one ticket (one script call); False when Redis does not answer (the next rebuild files it)."""
        buckets = [_bucket(street_id, b) for b in band_keys(sig)]
        if not buckets:
            return True
        try:
            self._add_script(keys=buckets, args=[ticket_id, _ts(received_at), self._oldest(), self.ttl, BUCKET_MAX])
        except (redis.RedisError, OSError) as error:
            log.warning("could not file ticket %s in the duplicate index (%s)", ticket_id, error)
            return False
        return True

    def _oldest(self) -> float:
        return _ts(clock.now() - self.window - timedelta(days=1))

    def rebuild(self, app: Flask) -> int | None:
        """File every open ticket of the window that has a street (computing missing signatures); sets the
        ready marker. Returns the number filed, or None when the index is ready or another process builds it."""
        if self.redis.exists(READY) or not self.redis.set(BUILDING, "1", nx=True, ex=3600):
            return None
        try:
            filed = 0
            since = clock.now() - self.window
            last_id = 0
            factory = session_factory(app)
            oldest = self._oldest()
            while True:
                with factory() as session, session.begin():
                    rows = session.execute(
                        select(Ticket.id, Ticket.street_id, Ticket.received_at, Ticket.dup_signature,
                               Ticket.title, Ticket.content)
                        .where(Ticket.id > last_id, Ticket.received_at >= since, Ticket.street_id.is_not(None),
                               Ticket.status.in_(OPEN_STATUSES))
                        .order_by(Ticket.id).limit(REBUILD_BATCH)
                    ).all()
                    if not rows:
                        break
                    with self.redis.pipeline(transaction=False) as pipe:
                        for row in rows:
                            sig = row.dup_signature
                            if sig is None:  # received before signatures were stored
                                cleaned, sig = fingerprint(row.title, row.content)
                                session.execute(update(Ticket).where(Ticket.id == row.id)
                                                .values(dup_text=cleaned, dup_signature=sig))
                            self._add_script(keys=[_bucket(row.street_id, b) for b in band_keys(sig)],
                                             args=[row.id, _ts(row.received_at), oldest, self.ttl, BUCKET_MAX],
                                             client=pipe)
                        pipe.execute()
                    filed += len(rows)
                    last_id = rows[-1].id
            self.redis.set(READY, clock.now().isoformat())
            return filed
        finally:
            self.redis.delete(BUILDING)


def duplicate_index(app: Flask, window: timedelta) -> RedisDuplicateIndex:
    index = app.extensions.get(_KEY)
    if index is None or index.window != window:
        index = app.extensions[_KEY] = RedisDuplicateIndex(get_redis(app), window)
    return index
