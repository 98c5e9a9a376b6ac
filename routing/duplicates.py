"""Duplicate candidates for a new ticket, and hotspots (many similar tickets in one street).

Similarity is the Jaccard index of the character unigrams + bigrams of the normalised texts
(Chinese has no spaces; bigrams alone score paraphrases by different callers too low). Phrases
that every ticket contains ("市民来电反映", "希望尽快解决") are removed first: they would make
unrelated tickets look alike. When both tickets carry a (predicted) category and the categories
differ, the similarity is scaled by CATEGORY_MISMATCH_FACTOR: a fume complaint and a noise
complaint about one building share the whole address.

For large groups, candidate pairs come from a MinHash LSH index (datasketch) and are then scored
exactly, so results do not depend on the hashing.

Intake compares a new ticket with the open tickets of its street without reading their texts again:
each ticket's cleaned text and MinHash ``signature`` are computed once and stored, and a
``DuplicateIndex`` (LSH buckets by street, newest first, ``BUCKET_MAX`` per bucket) names the few
tickets worth scoring. The bucket caps make the cost of one look-up independent of how many tickets
are open; the exact score (``find_duplicates``) decides, as before.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from routing.text import normalize, word_list

DEFAULT_DUPLICATE_WINDOW = timedelta(days=7)
DEFAULT_HOTSPOT_WINDOW = timedelta(hours=24)

# The same caller gets this much credit before any text similarity: the score of a same-phone
# candidate is PHONE_BASE + (1 - PHONE_BASE) × similarity (identical text → 1.0).
PHONE_BASE = 0.3

# Similarity factor when both tickets have a (predicted) category and they differ.
CATEGORY_MISMATCH_FACTOR = 0.6

# Above this many tickets in a group, pairs come from MinHash LSH instead of all-pairs comparison.
EXACT_LIMIT = 300
_NUM_PERM = 64

# Intake boilerplate that carries no information about the matter.
_BOILERPLATE = sorted(
    word_list(
        """市民来电反映 来电人反映 市民来电 来电反映 市民反映 来电人 反映 您好 你好 请问 希望 尽快 及时 解决 处理
    帮忙 麻烦 谢谢 感谢 诉求 要求 相关部门 有关部门 问题 情况"""
    ),
    key=len,
    reverse=True,
)
_BOILERPLATE_PATTERN = re.compile("|".join(map(re.escape, _BOILERPLATE)))


@dataclass(frozen=True)
class TicketText:
    """What duplicate and hotspot detection needs to know about a ticket."""

    ticket_no: str
    text: str
    phone: str | None = None
    street: str | None = None  # the street/town (name or unit code — be consistent)
    received_at: datetime | None = None
    open: bool = True  # not yet closed: an open duplicate blocks automatic dispatch
    category: str | None = None
    cleaned: str | None = None  # clean_text(text) when stored with the ticket: not computed again
    signature: bytes | None = None  # its stored MinHash signature (`signature(cleaned)`): a cheap prefilter


@dataclass(frozen=True)
class DuplicateCandidate:
    ticket_no: str
    score: float  # 0–1, for ranking: text similarity, with credit for the same phone
    reason: str  # short Chinese explanation for the agent
    open: bool = True
    similarity: float = 0.0  # text similarity alone
    same_phone: bool = False
    likely: bool = True  # similarity ≥ min_score; False: same caller, different matter (shown, not blocking)


@dataclass(frozen=True)
class Hotspot:
    street: str
    ticket_nos: tuple[str, ...]  # oldest first
    sample_text: str  # the most central ticket's text
    size: int
    first_at: datetime | None = None
    last_at: datetime | None = None


def clean_text(text: str | None) -> str:
    """Normalised text without punctuation and intake boilerplate."""
    return _BOILERPLATE_PATTERN.sub("", normalize(text).replace("|", ""))


def shingle_set(cleaned: str) -> frozenset[str]:
    """Character unigrams and bigrams of an already cleaned text."""
    return frozenset(cleaned) | frozenset(cleaned[i : i + 2] for i in range(len(cleaned) - 1))


def shingles(text: str | None) -> frozenset[str]:
    """Character unigrams and bigrams of the cleaned text."""
    return shingle_set(clean_text(text))


def _shingles_of(ticket: TicketText) -> frozenset[str]:
    return shingle_set(ticket.cleaned) if ticket.cleaned is not None else shingles(ticket.text)


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of the character unigrams + bigrams of two cleaned texts (0–1)."""
    return jaccard(shingles(a), shingles(b))


def normalize_phone(phone: str | None) -> str:
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def same_phone(a: str | None, b: str | None) -> bool:
    """Same number, allowing a landline written with and without its area code (010-)."""
    x, y = normalize_phone(a), normalize_phone(b)
    if len(x) < 7 or len(y) < 7:
        return False
    if x == y:
        return True
    short, long = sorted((x, y), key=len)
    return long.startswith("0") and long.endswith(short) and len(short) >= 7 and len(long) - len(short) <= 4


def _within(a: datetime | None, b: datetime | None, window: timedelta) -> bool:
    # Without a time we cannot exclude it; the caller preselects by time in the database anyway.
    return a is None or b is None or abs(a - b) <= window


def _category_factor(a: TicketText, b: TicketText) -> float:
    """Texts alike but filed under different matters are less likely one matter."""
    return CATEGORY_MISMATCH_FACTOR if a.category and b.category and a.category != b.category else 1.0


def _text_similarity(
    a: TicketText, a_shingles: frozenset[str], b: TicketText, b_shingles: frozenset[str]
) -> float:
    return jaccard(a_shingles, b_shingles) * _category_factor(a, b)


def find_duplicates(
    new: TicketText,
    candidates: Iterable[TicketText],
    min_score: float = 0.3,
    window: timedelta = DEFAULT_DUPLICATE_WINDOW,
    unknown_street_min_score: float = 0.7,
) -> list[DuplicateCandidate]:
    """Earlier tickets that may be the same matter as ``new``, best first.

    A candidate is returned when, within ``window`` of ``new.received_at``:
    - it has the same phone number, whatever the text (the agent should see the caller's
      history); or
    - it is in the same street and its text similarity is ≥ ``min_score``; or
    - one of the two streets is unknown and the similarity is ≥ ``unknown_street_min_score``
      (stricter: without a place, only near-identical text is evidence).
    Tickets in different known streets are never text duplicates: "小区停水" twice in two streets
    is two matters.

    ``likely`` is True when the text similarity reaches ``min_score`` (the same matter: blocks
    automatic dispatch while open); a same-phone candidate below it is shown but does not block.
    ``score`` ranks: the similarity, raised for the same phone (PHONE_BASE + rest × similarity).

    Candidates that carry a stored ``signature`` (as ``new`` does) are scored exactly only when their
    MinHash values agree in at least PREFILTER_EQUAL of SIGNATURE_PERM places (see ``_unlike``; only with
    thresholds ≥ PREFILTER_SAFE).
    """
    candidates = [other for other in candidates
                  if other.ticket_no != new.ticket_no and _within(new.received_at, other.received_at, window)]
    unlike = _unlike(new, candidates) if min(min_score, unknown_street_min_score) >= PREFILTER_SAFE else set()
    new_shingles = _shingles_of(new)
    found: list[DuplicateCandidate] = []
    for i, other in enumerate(candidates):
        phone = same_phone(new.phone, other.phone)
        if i in unlike and not phone:
            continue  # the signatures say the texts are far below any threshold: not scored exactly
        sim = _text_similarity(new, new_shingles, other, _shingles_of(other))
        same_street = new.street is not None and new.street == other.street
        unknown_street = new.street is None or other.street is None

        reasons = []
        if phone:
            reasons.append("同一来电号码")
        if same_street and sim >= min_score:
            reasons.append(f"同一街道相似诉求（相似度 {sim:.2f}）")
        elif unknown_street and sim >= unknown_street_min_score:
            reasons.append(f"诉求内容高度相似（相似度 {sim:.2f}，街道未知）")
        elif phone:
            reasons.append(f"内容相似度 {sim:.2f}")
        if not reasons:
            continue

        score = PHONE_BASE + (1 - PHONE_BASE) * sim if phone else sim
        found.append(
            DuplicateCandidate(
                ticket_no=other.ticket_no,
                score=round(score, 4),
                reason="，".join(reasons),
                open=other.open,
                similarity=round(sim, 4),
                same_phone=phone,
                likely=sim >= min_score,
            )
        )
    found.sort(key=lambda c: (-c.score, c.ticket_no))
    return found


def _unlike(new: TicketText, candidates: Sequence[TicketText]) -> set[int]:
    """Positions of the candidates whose stored signature shares fewer than PREFILTER_EQUAL of its
    SIGNATURE_PERM MinHash values with ``new``'s: an estimated similarity below 0.09, which a pair of
    Jaccard ≥ 0.3 (the lowest threshold) shows with probability 2·10⁻⁵ (binomial, 64 values). On the real
    messages every pair of similarity ≥ 0.3 agreed in ≥ 10 places, and 86% of random pairs in ≤ 5: the
    exact score (cleaning shingles of up to 3,000 characters) is left for the few that may matter."""
    if not new.signature or len(new.signature) != SIGNATURE_PERM * 4:
        return set()
    signed = [i for i, other in enumerate(candidates)
              if other.signature is not None and len(other.signature) == len(new.signature)]
    if not signed:
        return set()
    np = _numpy()
    stored = np.frombuffer(b"".join(candidates[i].signature for i in signed), dtype="<u4").reshape(len(signed), -1)
    agree = (stored == np.frombuffer(new.signature, dtype="<u4")).sum(axis=1)
    return {i for i, count in zip(signed, agree.tolist(), strict=True) if count < PREFILTER_EQUAL}


def _similar_pairs(shingle_sets: Sequence[frozenset[str]], threshold: float) -> list[tuple[int, int, float]]:
    """Index pairs (i < j) with Jaccard ≥ threshold."""
    pairs = []
    if len(shingle_sets) <= EXACT_LIMIT:
        for i in range(len(shingle_sets)):
            for j in range(i + 1, len(shingle_sets)):
                sim = jaccard(shingle_sets[i], shingle_sets[j])
                if sim >= threshold:
                    pairs.append((i, j, sim))
        return pairs

    from datasketch import MinHash, MinHashLSH  # imported lazily: only large groups need it

    # A lower LSH threshold than the real one, so that estimation error costs time, not recall.
    lsh = MinHashLSH(threshold=max(0.05, threshold * 0.7), num_perm=_NUM_PERM)
    hashes = []
    for i, items in enumerate(shingle_sets):
        mh = MinHash(num_perm=_NUM_PERM, seed=1)
        mh.update_batch([s.encode("utf-8") for s in items])
        hashes.append(mh)
        lsh.insert(str(i), mh)
    for i, mh in enumerate(hashes):
        for key in lsh.query(mh):
            j = int(key)
            if j > i:
                sim = jaccard(shingle_sets[i], shingle_sets[j])
                if sim >= threshold:
                    pairs.append((i, j, sim))
    return pairs


class _UnionFind:
    def __init__(self, size: int):
        self.parent = list(range(size))

    def root(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        self.parent[self.root(i)] = self.root(j)


def _linked(group: list[TicketText], min_similarity: float) -> tuple[_UnionFind, list[float]]:
    """The tickets of one street linked by similar text or the same category, and each ticket's
    closeness (the sum of its similarities to the tickets it is linked with: it picks the sample)."""
    sets = [_shingles_of(t) for t in group]
    links = _UnionFind(len(group))
    closeness = [0.0] * len(group)
    for i, j, sim in _similar_pairs(sets, min_similarity):
        sim *= _category_factor(group[i], group[j])  # the pair came at ≥ min_similarity before it
        if sim < min_similarity:
            continue
        closeness[i] += sim
        closeness[j] += sim
        links.union(i, j)
    by_category: dict[str, int] = {}
    for i, t in enumerate(group):
        if t.category:
            if t.category in by_category:
                links.union(i, by_category[t.category])
            else:
                by_category[t.category] = i
    return links, closeness


def _hotspot(street: str, group: list[TicketText], members: list[int], closeness: list[float]) -> Hotspot:
    central = max(members, key=lambda i: (closeness[i], -i))
    times = [group[i].received_at for i in members if group[i].received_at is not None]
    return Hotspot(
        street=street,
        ticket_nos=tuple(group[i].ticket_no for i in members),
        sample_text=group[central].text,
        size=len(members),
        first_at=min(times) if times else None,
        last_at=max(times) if times else None,
    )


def find_hotspots(
    tickets: Iterable[TicketText],
    now: datetime,
    window: timedelta = DEFAULT_HOTSPOT_WINDOW,
    min_size: int = 3,
    min_similarity: float = 0.3,
) -> list[Hotspot]:
    """Groups of at least ``min_size`` similar tickets in one street received in (now - window, now].

    Two tickets are linked when their text similarity (as in find_duplicates) is ≥ ``min_similarity``
    or both carry the same category; groups are the connected components (A~B and B~C group A, B
    and C: callers describe one outage in many ways). Largest first.
    """
    by_street: dict[str, list[TicketText]] = defaultdict(list)
    for t in tickets:
        if t.street is None:
            continue  # a hotspot is a place
        if t.received_at is not None and not (now - window < t.received_at <= now):
            continue
        by_street[t.street].append(t)

    hotspots: list[Hotspot] = []
    for street, group in by_street.items():
        if len(group) < min_size:
            continue
        group.sort(key=lambda t: (t.received_at or now, t.ticket_no))
        links, closeness = _linked(group, min_similarity)
        components: dict[int, list[int]] = defaultdict(list)
        for i in range(len(group)):
            components[links.root(i)].append(i)
        hotspots += [_hotspot(street, group, members, closeness)
                     for members in components.values() if len(members) >= min_size]
    hotspots.sort(key=lambda h: (-h.size, h.street, h.ticket_nos))
    return hotspots


# --- stored signatures and the candidate index ------------------------------------------------------

# A signature is SIGNATURE_PERM MinHash values (uint32, little-endian: 256 bytes stored with the ticket).
# LSH with LSH_BANDS bands of LSH_ROWS values: two texts of Jaccard similarity J share a bucket with
# probability 1 - (1 - J²)^32 — 95% at J = 0.3 (the duplicate threshold), 99.6% at 0.4, 8% at 0.05 (two
# unrelated complaints, measured on the real messages: median J 0.05, 99th percentile 0.10). Candidates
# are ranked by the number of buckets they share (≈ 32 J²) before they are scored exactly.
SIGNATURE_PERM = 64
LSH_BANDS, LSH_ROWS = 32, 2
BUCKET_MAX = 16  # newest tickets read per bucket: bounds one look-up whatever a street holds
INDEX_CANDIDATES_MAX = 48  # tickets scored exactly per look-up (the most shared buckets first)
PREFILTER_EQUAL = 6  # fewer equal MinHash values than this: not a duplicate, not scored exactly (_unlike)
PREFILTER_SAFE = 0.3  # the prefilter applies when both similarity thresholds are at least this


def _numpy():
    """NumPy at first use: a signature is needed only when a ticket is routed, and importing the app (every
    CLI command, the cron process) must not pay for NumPy."""
    import numpy

    return numpy


# datasketch's "affine32" MinHash (2.0), computed here with NumPy alone: importing datasketch imports
# SciPy (≈ 35 MB in every web process, for a few lines of arithmetic). The values are datasketch's,
# bit for bit (tests/routing/test_duplicates.py compares them), so the signatures stored with tickets and
# in Redis stay valid: each shingle's CRC-32, mixed by the MurmurHash3 32-bit finalizer, then
# a_k * h + b_k mod 2^32 for the SIGNATURE_PERM permutations drawn from RandomState(1); the minimum per
# permutation is the signature.
_SIGNATURE_SEED = 1


@lru_cache(maxsize=1)
def _permutations():
    """(a, b) as datasketch's MinHash(num_perm=SIGNATURE_PERM, seed=1, scheme="affine32") draws them:
    a odd (a bijection on 32-bit values), b any."""
    np = _numpy()
    generator = np.random.RandomState(_SIGNATURE_SEED)
    a = generator.randint(0, 1 << 31, SIGNATURE_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, SIGNATURE_PERM, dtype=np.uint32)
    return a, b


def _fmix32(hashes):
    """The MurmurHash3 32-bit finalizer (uint32 arithmetic wraps: that is the intended mod 2^32)."""
    np = _numpy()
    hashes = hashes ^ (hashes >> np.uint32(16))
    hashes = hashes * np.uint32(0x85EBCA6B)
    hashes = hashes ^ (hashes >> np.uint32(13))
    hashes = hashes * np.uint32(0xC2B2AE35)
    return hashes ^ (hashes >> np.uint32(16))


def signature(cleaned: str) -> bytes:
    """The MinHash signature of a cleaned text's shingles (b"" for an empty text: never indexed)."""
    np = _numpy()
    items = shingle_set(cleaned)
    if not items:
        return b""
    hashes = np.fromiter((zlib.crc32(item.encode("utf-8")) for item in items), dtype=np.uint32, count=len(items))
    a, b = _permutations()
    permuted = _fmix32(hashes)[:, None] * a + b  # (shingles, permutations)
    return permuted.min(axis=0).astype("<u4").tobytes()


def estimated_similarity(a: bytes, b: bytes) -> float:
    """The share of equal MinHash values: an estimate of the Jaccard similarity (± 0.06 at 0.3)."""
    if not a or not b or len(a) != len(b):
        return 0.0
    return float(_numpy().mean(_numpy().frombuffer(a, dtype="<u4") == _numpy().frombuffer(b, dtype="<u4")))


def band_keys(sig: bytes) -> list[str]:
    """The LSH bucket names of a signature within one scope: "<band>:<values in hex>"."""
    if not sig:
        return []
    # Each value as 8 hex digits, most significant first (f"{v:08x}"): the values' big-endian bytes in hex,
    # in one call instead of 64 formattings in Python (two look-ups per intake).
    digits = _numpy().frombuffer(sig, dtype="<u4").astype(">u4").tobytes().hex()
    width = LSH_ROWS * 8
    return [f"{band}:{digits[band * width:(band + 1) * width]}" for band in range(LSH_BANDS)]


def rank_candidates(buckets: Iterable[Iterable[Hashable]], limit: int = INDEX_CANDIDATES_MAX) -> list:
    """Members of the buckets, most shared buckets first (ties: first seen), at most ``limit``."""
    counts: Counter = Counter()
    for members in buckets:
        counts.update(dict.fromkeys(members, 1))  # once per bucket, in bucket order
    return [member for member, _ in counts.most_common(limit)]


@dataclass
class DuplicateIndex:
    """MinHash LSH over tickets' stored signatures, one set of buckets per scope (street), in memory.

    The reference for the Redis-backed index of the web application (same keys, same caps, same
    ranking): ``add`` files a ticket under its buckets, ``candidates`` returns the tickets sharing a
    bucket with a signature, received since a moment, newest ``per_bucket`` per bucket.
    """

    per_bucket: int = BUCKET_MAX
    limit: int = INDEX_CANDIDATES_MAX
    buckets: dict[tuple[str, str], list[tuple[datetime, Hashable]]] = field(default_factory=dict)

    def add(self, key: Hashable, scope: str, received_at: datetime, sig: bytes) -> None:
        for bucket in band_keys(sig):
            members = self.buckets.setdefault((scope, bucket), [])
            members.append((received_at, key))
            members.sort(key=lambda m: m[0], reverse=True)
            del members[self.per_bucket:]  # no look-up reads further than the newest per_bucket

    def candidates(self, scope: str, sig: bytes, since: datetime) -> list:
        found = []
        for bucket in band_keys(sig):
            members = self.buckets.get((scope, bucket), [])
            found.append([key for at, key in members if at >= since][: self.per_bucket])
        return rank_candidates(found, self.limit)
