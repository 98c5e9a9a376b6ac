"""Duplicate candidates and hotspots (routing.duplicates)."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

import routing.duplicates as duplicates
from routing.duplicates import (
    TicketText,
    clean_text,
    find_duplicates,
    find_hotspots,
    normalize_phone,
    same_phone,
    similarity,
)

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 10, 18, 0, tzinfo=TZ)
WJ = "望京街道"
# The first 32 bytes of FUME's signature as the datasketch-based implementation computed it.
STORED_FUME_PREFIX = "dde40400dd385106193acb0bf9ed4a09b95ba4069b28380225f900028c1f4901"

FUME = "望京西园三区3号楼下的饭店油烟很大，每天晚上熏得家里没法开窗，希望尽快处理"
FUME_AGAIN = "市民来电反映：望京西园三区3号楼楼下饭馆油烟扰民，晚上没法开窗户，请相关部门处理"
FUME_THIRD = "望京西园三区3号楼楼下饭店油烟太大了，已经反映过一次了还没人管"
NOISE_SAME_BUILDING = "望京西园三区3号楼的饭店半夜施工噪音很大"
MANHOLE = "望京西园三区小区门口井盖丢了，很危险"
VENDOR = "阜通东大街有人在人行道上摆摊卖水果，占道经营"
VENDOR_AGAIN = "阜通东大街人行道有商贩占道摆摊卖水果"
NIGHT_WORK = "阜通东大街夜间施工噪音扰民"


def ticket(no, text, *, phone=None, street=WJ, hours_ago=1.0, open=True, category=None):
    return TicketText(
        ticket_no=no,
        text=text,
        phone=phone,
        street=street,
        received_at=NOW - timedelta(hours=hours_ago),
        open=open,
        category=category,
    )


@pytest.mark.parametrize(
    ("a", "b"),
    [(FUME, FUME_AGAIN), (FUME, FUME_THIRD), (FUME_AGAIN, FUME_THIRD), (VENDOR, VENDOR_AGAIN)],
)
def test_similarity__rewordings_of_one_matter_reach_the_default_threshold(a, b):
    assert similarity(a, b) >= 0.3


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (FUME, MANHOLE),
        (VENDOR, NIGHT_WORK),
        (VENDOR_AGAIN, NIGHT_WORK),
        (FUME, VENDOR),
        (MANHOLE, NIGHT_WORK),
    ],
)
def test_similarity__different_matters_stay_below_it(a, b):
    assert similarity(a, b) < 0.3


def test_similarity__identical_after_normalisation_is_one():
    assert similarity("小区门口井盖丢了！", "小区门口井盖丢了") == 1.0
    assert similarity("ＡＢＣ小区", "abc小区") == 1.0


def test_clean_text__removes_intake_boilerplate_and_punctuation():
    assert clean_text("市民来电反映：小区停水，希望尽快解决。") == "小区停水"


def test_find_duplicates__same_street_similar_text_is_a_candidate():
    found = find_duplicates(ticket("N", FUME_AGAIN), [ticket("A", FUME, hours_ago=30), ticket("B", MANHOLE)])
    assert [c.ticket_no for c in found] == ["A"]
    assert found[0].likely and "同一街道" in found[0].reason


def test_find_duplicates__similar_text_in_another_street_is_another_matter():
    assert find_duplicates(ticket("N", FUME_AGAIN), [ticket("A", FUME, street="三里屯街道")]) == []


def test_find_duplicates__unknown_street_needs_near_identical_text():
    new = ticket("N", FUME_AGAIN, street=None)
    assert find_duplicates(new, [ticket("A", FUME)]) == []
    found = find_duplicates(new, [ticket("A", FUME_AGAIN + "。")])
    assert [c.ticket_no for c in found] == ["A"] and "街道未知" in found[0].reason


def test_find_duplicates__same_phone_is_a_candidate_whatever_the_text():
    new = ticket("N", NIGHT_WORK, phone="13800138000")
    found = find_duplicates(new, [ticket("A", MANHOLE, phone="+86 138-0013-8000", street="三里屯街道")])
    assert [c.ticket_no for c in found] == ["A"]
    assert found[0].same_phone and not found[0].likely  # shown to the agent, does not block dispatch
    assert "同一来电号码" in found[0].reason


def test_find_duplicates__same_phone_and_similar_text_is_likely_and_ranks_first():
    new = ticket("N", FUME_AGAIN, phone="13800138000")
    found = find_duplicates(
        new,
        [ticket("A", FUME, phone="13800138000", hours_ago=48), ticket("B", FUME_THIRD, hours_ago=2)],
    )
    assert [c.ticket_no for c in found] == ["A", "B"]
    assert found[0].likely and found[0].score > found[1].score


def test_find_duplicates__outside_the_window_is_not_a_candidate():
    new = ticket("N", FUME_AGAIN, phone="13800138000")
    old = ticket("A", FUME, phone="13800138000", hours_ago=8 * 24)
    assert find_duplicates(new, [old]) == []
    assert [c.ticket_no for c in find_duplicates(new, [old], window=timedelta(days=10))] == ["A"]


def test_find_duplicates__different_predicted_categories_lower_the_similarity():
    # Same building, same restaurant: one complains about fumes, the other about night work.
    new = ticket("N", FUME, category="ENV-FUME")
    other = ticket("A", NOISE_SAME_BUILDING, category="ENV-NOISE")
    assert similarity(FUME, NOISE_SAME_BUILDING) >= 0.3  # text alone would call it a duplicate
    assert find_duplicates(new, [other]) == []


def test_find_duplicates__closed_candidates_are_returned_marked_closed():
    found = find_duplicates(ticket("N", FUME_AGAIN), [ticket("A", FUME, open=False)])
    assert [(c.ticket_no, c.open) for c in found] == [("A", False)]


def test_find_duplicates__the_ticket_itself_is_never_its_duplicate():
    new = ticket("N", FUME, phone="13800138000")
    assert find_duplicates(new, [new]) == []


def test_find_duplicates__sorted_by_score_then_ticket_no():
    new = ticket("N", FUME)
    found = find_duplicates(new, [ticket("B", FUME), ticket("A", FUME), ticket("C", FUME_AGAIN)])
    assert [c.ticket_no for c in found] == ["A", "B", "C"]


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("13800138000", "+86 138 0013 8000", True),
        ("010-6512 3456", "65123456", True),
        ("65123456", "010-65123456", True),
        ("13800138000", "13800138001", False),
        ("", "", False),
        (None, "13800138000", False),
        ("110", "110", False),  # too short to identify anyone
    ],
)
def test_same_phone__normalises_country_and_area_codes(a, b, same):
    assert same_phone(a, b) is same


def test_normalize_phone__keeps_digits_only():
    assert normalize_phone("+86 (138) 0013-8000") == "13800138000"


# --- hotspots ---------------------------------------------------------------------------------------

# One power cut, four callers: worded differently, so the (predicted) category links them.
OUTAGE = [
    "望京西园三区停电了，整栋楼都没电",
    "望京西园三区从早上开始停电，到现在还没来电",
    "望京西园三区停电一上午了，冰箱里东西都坏了",
    "望京西园三区3号楼停电，电梯也停了",
]
FUMES = [FUME, FUME_AGAIN, FUME_THIRD]  # one restaurant, three callers: linked by text alone


def outage_tickets(hours_ago=(10, 9, 8, 7), street=WJ, prefix="T"):
    return [
        ticket(f"{prefix}{i}", text, hours_ago=h, street=street, category="UTL-POWER")
        for i, (text, h) in enumerate(zip(OUTAGE, hours_ago, strict=True))
    ]


def test_find_hotspots__same_matter_in_one_street_within_24h_forms_a_hotspot():
    tickets = outage_tickets() + [ticket("X1", VENDOR, category="CTY-VENDOR"), ticket("X2", MANHOLE)]
    hotspots = find_hotspots(tickets, now=NOW)
    assert len(hotspots) == 1
    spot = hotspots[0]
    assert (spot.street, spot.size, spot.ticket_nos) == (WJ, 4, ("T0", "T1", "T2", "T3"))
    assert spot.sample_text in OUTAGE
    assert spot.first_at == NOW - timedelta(hours=10) and spot.last_at == NOW - timedelta(hours=7)


def test_find_hotspots__similar_text_links_tickets_without_category():
    tickets = [ticket(f"F{i}", text, hours_ago=5 - i) for i, text in enumerate(FUMES)] + [
        ticket("X", MANHOLE)
    ]
    hotspots = find_hotspots(tickets, now=NOW)
    assert [h.ticket_nos for h in hotspots] == [("F0", "F1", "F2")]
    assert hotspots[0].sample_text == FUME_AGAIN  # the one closest to the others


def test_find_hotspots__differently_worded_tickets_without_category_are_not_linked():
    uncategorised = [
        ticket(f"T{i}", t) for i, t in enumerate(["家里没电了", "楼里跳闸了什么都用不了", "冰箱空调全停了"])
    ]
    assert find_hotspots(uncategorised, now=NOW) == []


def test_find_hotspots__older_than_the_window_or_in_the_future_do_not_count():
    tickets = outage_tickets(hours_ago=(30, 2, 1, -1))
    assert find_hotspots(tickets, now=NOW) == []
    assert find_hotspots(tickets, now=NOW, window=timedelta(hours=48))[0].ticket_nos == ("T0", "T1", "T2")


def test_find_hotspots__same_matter_in_different_streets_is_not_a_hotspot():
    tickets = [ticket(f"T{i}", OUTAGE[0], street=f"街道{i}", category="UTL-POWER") for i in range(5)]
    assert find_hotspots(tickets, now=NOW) == []


def test_find_hotspots__tickets_without_street_are_left_out():
    assert find_hotspots(outage_tickets(street=None), now=NOW) == []


def test_find_hotspots__below_min_size_is_not_a_hotspot():
    tickets = outage_tickets()[:2]
    assert find_hotspots(tickets, now=NOW) == []
    assert find_hotspots(tickets, now=NOW, min_size=2)[0].size == 2


def test_find_hotspots__largest_first():
    tickets = outage_tickets() + [ticket(f"B{i}", text, street="三里屯街道") for i, text in enumerate(FUMES)]
    assert [(h.street, h.size) for h in find_hotspots(tickets, now=NOW)] == [(WJ, 4), ("三里屯街道", 3)]


def test_find_hotspots__large_groups_use_minhash_lsh_with_the_same_result(monkeypatch):
    texts = (
        [f"{FUMES[i % 3]}{i}" for i in range(9)]
        + [f"{MANHOLE}{i}号" for i in range(4)]
        + [VENDOR, NIGHT_WORK]
    )
    tickets = [ticket(f"T{i:02d}", t, hours_ago=1 + i / 10) for i, t in enumerate(texts)]
    exact = find_hotspots(tickets, now=NOW)
    assert sorted(h.size for h in exact) == [4, 9]
    monkeypatch.setattr(duplicates, "EXACT_LIMIT", 5)  # force the MinHash LSH path
    assert find_hotspots(tickets, now=NOW) == exact


# --- stored signatures and the candidate index ---------------------------------------------------------

UNRELATED = [
    "望京西园三区小区门口井盖丢了，很危险", "望京街道阜通东大街路灯不亮已经一周了", "望京西园四区垃圾桶满了没人清运",
    "望京南湖东园菜市场周末占道经营堵车", "望京花家地小区电梯经常坏，老人上下楼困难", "望京西路公交站牌被撞坏了",
]


def stored(no, text, **kwargs):
    """A ticket as intake reads it back: its stored cleaned text, not the raw one."""
    return dataclasses.replace(ticket(no, text, **kwargs), text="", cleaned=clean_text(text))


def test_find_duplicates__stored_cleaned_texts_give_the_same_answers():
    candidates = [ticket("A", FUME, hours_ago=30), ticket("B", MANHOLE), ticket("C", FUME_THIRD, phone="13800138000")]
    new = ticket("N", FUME_AGAIN, phone="13800138000")
    assert find_duplicates(stored("N", FUME_AGAIN, phone="13800138000"),
                           [stored(c.ticket_no, c.text, phone=c.phone, hours_ago=30 if c.ticket_no == "A" else 1)
                            for c in candidates]) == find_duplicates(new, candidates)


def test_signature__same_cleaned_text_same_signature_and_estimates_the_similarity():
    assert duplicates.signature(clean_text(FUME)) == duplicates.signature(clean_text("，" + FUME + "！"))
    assert len(duplicates.signature(clean_text(FUME))) == duplicates.SIGNATURE_PERM * 4
    assert duplicates.signature("") == b"" and duplicates.band_keys(b"") == []
    sig = {t: duplicates.signature(clean_text(t)) for t in (FUME, FUME_AGAIN, MANHOLE)}
    assert duplicates.estimated_similarity(sig[FUME], sig[FUME]) == 1.0
    assert abs(duplicates.estimated_similarity(sig[FUME], sig[FUME_AGAIN]) - similarity(FUME, FUME_AGAIN)) < 0.2
    assert duplicates.estimated_similarity(sig[FUME], sig[MANHOLE]) < 0.3


def test_signature__equals_datasketch_minhash_on_real_texts():
    """Computed with NumPy alone, the signatures are datasketch's (affine32, seed 1, CRC-32 of each
    shingle) value for value: the ones already stored with tickets and in Redis stay comparable."""
    import csv
    import zlib

    from datasketch import MinHash

    from routing.urgency_model import DEFAULT_EXAMPLES

    with open(DEFAULT_EXAMPLES[0], encoding="utf-8-sig", newline="") as handle:  # the first 329 texts
        texts = [row["text"] for row in csv.DictReader(handle)]
    assert len(texts) > 300
    for text in [FUME, FUME_AGAIN, MANHOLE, "a", *texts]:
        cleaned = clean_text(text)
        expected = MinHash(num_perm=duplicates.SIGNATURE_PERM, seed=1, scheme="affine32", hashfunc=zlib.crc32)
        expected.update_batch([item.encode("utf-8") for item in duplicates.shingle_set(cleaned)])
        assert duplicates.signature(cleaned) == np.asarray(expected.hashvalues, dtype="<u4").tobytes(), text


def test_signature__a_stored_signature_keeps_its_value():
    # Written by the datasketch-based implementation (2.0.0) before the NumPy one replaced it.
    assert duplicates.signature(clean_text(FUME)).hex()[:64] == STORED_FUME_PREFIX


def index_with(texts, street=WJ, hours_ago=1.0, **kwargs):
    index = duplicates.DuplicateIndex(**kwargs)
    for no, text in texts:
        index.add(no, street, NOW - timedelta(hours=hours_ago), duplicates.signature(clean_text(text)))
    return index


def test_duplicate_index__names_the_rewording_among_unrelated_tickets_of_the_street():
    index = index_with([("A", FUME)] + [(f"U{i}", t) for i, t in enumerate(UNRELATED)])
    found = index.candidates(WJ, duplicates.signature(clean_text(FUME_AGAIN)), since=NOW - timedelta(days=7))
    assert found[0] == "A"
    assert len(found) < 1 + len(UNRELATED)  # not every ticket of the street: only those sharing a bucket


def test_duplicate_index__other_streets_and_tickets_before_since_are_not_named():
    index = index_with([("A", FUME)], street="三里屯街道")
    index.add("OLD", WJ, NOW - timedelta(days=9), duplicates.signature(clean_text(FUME)))
    assert index.candidates(WJ, duplicates.signature(clean_text(FUME)), since=NOW - timedelta(days=7)) == []


def test_duplicate_index__each_bucket_gives_its_newest_tickets_only():
    index = duplicates.DuplicateIndex(per_bucket=3, limit=10)
    sig = duplicates.signature(clean_text(FUME))
    for i in range(20):
        index.add(f"T{i:02d}", WJ, NOW - timedelta(minutes=i), sig)
    assert index.candidates(WJ, sig, since=NOW - timedelta(days=7)) == ["T00", "T01", "T02"]


def test_duplicate_index__ranks_by_shared_buckets_and_keeps_to_the_limit():
    assert duplicates.rank_candidates([["a", "b"], ["b"], ["c", "b"], ["c"]], limit=2) == ["b", "c"]
    index = index_with([(f"T{i}", f"{FUME}{i}") for i in range(60)], limit=5)
    assert len(index.candidates(WJ, duplicates.signature(clean_text(FUME)), since=NOW - timedelta(days=7))) == 5


def signed(no, text, **kwargs):
    """A ticket as intake reads it back, with its stored signature."""
    t = stored(no, text, **kwargs)
    return dataclasses.replace(t, signature=duplicates.signature(t.cleaned))


def test_find_duplicates__stored_signatures_give_the_same_answers():
    texts = [FUME, FUME_THIRD, MANHOLE, NOISE_SAME_BUILDING, VENDOR, *UNRELATED]
    plain = [stored(f"C{i}", t, phone="13800138000" if t == MANHOLE else None) for i, t in enumerate(texts)]
    with_signatures = [signed(f"C{i}", t, phone="13800138000" if t == MANHOLE else None) for i, t in enumerate(texts)]
    found = find_duplicates(signed("N", FUME_AGAIN, phone="13800138000"), with_signatures)
    assert found == find_duplicates(stored("N", FUME_AGAIN, phone="13800138000"), plain)
    assert {c.ticket_no for c in found} >= {"C0", "C1", "C2"}  # both fume tickets, and the caller's manhole


def test_find_duplicates__candidates_with_far_signatures_are_not_scored_exactly(monkeypatch):
    scored = []
    shingle_of = duplicates._shingles_of
    monkeypatch.setattr(duplicates, "_shingles_of", lambda t: scored.append(t.ticket_no) or shingle_of(t))
    candidates = [signed("A", FUME), signed("P", UNRELATED[1], phone="13800138000")]
    candidates += [signed(f"U{i}", t) for i, t in enumerate(UNRELATED)]
    found = find_duplicates(signed("N", FUME_AGAIN, phone="13800138000"), candidates)
    assert [c.ticket_no for c in found] == ["A", "P"]
    # The new one, the similar one, the caller's own whatever its text; of the unrelated, at most the
    # few whose MinHash values happen to agree in PREFILTER_EQUAL places.
    assert {"N", "A", "P"} <= set(scored) and len(scored) < 3 + len(UNRELATED)


def test_find_duplicates__a_low_threshold_scores_every_candidate_exactly(monkeypatch):
    scored = []
    shingle_of = duplicates._shingles_of
    monkeypatch.setattr(duplicates, "_shingles_of", lambda t: scored.append(t.ticket_no) or shingle_of(t))
    candidates = [signed(f"U{i}", t) for i, t in enumerate(UNRELATED)]
    find_duplicates(signed("N", FUME_AGAIN), candidates, min_score=0.05)
    assert len(scored) == 1 + len(UNRELATED)


def test_band_keys__each_band_names_its_values_in_hex_most_significant_digit_first():
    # The names are Redis keys of the live index: a changed spelling would orphan every bucket.
    import struct

    values = [0x01020304, 0xDEADBEEF, 0x0000000A, 0xFFFFFFFF] * (duplicates.LSH_BANDS * duplicates.LSH_ROWS // 4)
    keys = duplicates.band_keys(struct.pack(f"<{len(values)}I", *values))
    assert keys[:2] == ["0:01020304deadbeef", "1:0000000affffffff"]
    assert len(keys) == duplicates.LSH_BANDS
    sig = duplicates.signature(clean_text(FUME))
    assert duplicates.band_keys(sig) == [
        f"{band}:" + "".join(f"{v:08x}" for v in struct.unpack_from(f"<{duplicates.LSH_ROWS}I", sig, band * duplicates.LSH_ROWS * 4))
        for band in range(duplicates.LSH_BANDS)]
