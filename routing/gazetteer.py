"""Jurisdiction (district and street/town) from address text and/or coordinates.

The city's own gazetteer (jurisdictions.yaml ``districts``) is compiled into one Aho-Corasick
automaton over every district name/alias and street name/alias/landmark, so one pass over the
address finds every mention. ``cpca`` (which knows China's provinces, cities and counties) reads the
administrative prefix ("北京市朝阳区") so that official district names are recognised whatever the
city calls them and the prefix is never mistaken for a street name by the typo matcher.

Decision order (see docs/routing.md):

1. exact mentions; a mention inside a longer one is dropped ("朝阳" inside "朝阳门外");
2. if the text names a district, streets of that district beat streets elsewhere; a street that
   contradicts the named district is not trusted (district only) unless coordinates confirm it;
3. the longest mention wins, then official name > alias > landmark, then the number of mentions;
   a tie between streets is ambiguous (district only if they share a district, else unresolved);
4. only if no street was found exactly: one wrong character (see ``_FuzzyIndex`` for the guards);
5. coordinates: with no street from the text, or a text street whose centre is farther than
   ``max_distance_km`` from the point while another street centre is within it, the nearest
   street centre within ``max_distance_km`` wins;
6. otherwise the district alone, otherwise unresolved.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from types import ModuleType

import ahocorasick

from routing.text import is_cjk, normalize

# Street-level administrative suffixes. Callers mix them up (回龙观镇 / 回龙观街道 / 回龙观地区), so
# every street name also gets the variants with the other suffixes.
_STREET_SUFFIXES = ("街道办事处", "地区办事处", "街道办", "镇政府", "乡政府", "街道", "地区", "镇", "乡")
_VARIANT_SUFFIXES = ("街道", "地区", "镇", "乡", "街道办事处", "街道办")

# Term kinds, in order of authority when two mentions are equally long.
_KIND_RANK = {"street": 3, "alias": 2, "landmark": 1}

# Characters that make a different place when changed: directions, numbers, sizes (东便门 ≠ 西便门,
# 上地七街 ≠ 上地十街) and place-type characters (建国门 ≠ 建国路). A one-character "typo" on one of
# them is far more likely to be another real place than a slip of the finger.
_DISTINCTIVE = set("东西南北中内外上下前后左右一二三四五六七八九十百千零两〇大小新老旧")
_PLACE_TYPE = set("门路街道桥园苑里村庄站区镇乡湖河山寺场城楼院馆巷胡同坊营屯店口厂港湾池坛")

_EARTH_RADIUS_KM = 6371.0088
# After a short district name of elsewhere: a street/town of it makes the name a place (通州梨园镇).
_ELSEWHERE_STREET = re.compile(r"^[\u4e00-\u9fff]{1,4}(街道|镇|乡)")


@dataclass(frozen=True)
class JurisdictionMatch:
    """Where a ticket belongs. ``resolved`` is True when the street/town (and so its unit) is known."""

    district: str | None = None
    district_unit: str | None = None
    street: str | None = None
    street_unit: str | None = None
    method: str = "unresolved"  # street | alias | landmark | coordinates | district_only | unresolved
    matched: str | None = None  # the text (or "lat,lng") that decided it
    fuzzy: bool = False  # matched with one wrong character
    distance_km: float | None = None  # for method "coordinates": distance to the street centre
    note: str = ""  # a short explanation for people (ambiguity, conflicts, out of area)
    outside: str | None = None  # the address names a place clearly outside the city (上海市浦东新区)

    @property
    def resolved(self) -> bool:
        return self.street is not None

    def to_dict(self) -> dict:
        data = asdict(self)
        data["resolved"] = self.resolved
        return data


@dataclass(frozen=True)
class _District:
    name: str
    unit: str | None


@dataclass(frozen=True)
class _Street:
    name: str
    unit: str | None
    district: int  # index into Gazetteer._districts
    center: tuple[float, float] | None


@dataclass(frozen=True)
class _Target:
    kind: str  # "district" | "street" | "alias" | "landmark"
    index: int  # district index for kind "district", else street index


@dataclass(frozen=True)
class _Mention:
    start: int
    end: int  # exclusive
    term: str
    targets: tuple[_Target, ...]


def _strip_street_suffix(name: str) -> tuple[str, str]:
    for suffix in _STREET_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)], suffix
    return name, ""


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lng1, lat2, lng2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def _cpca() -> ModuleType:
    """cpca, imported when the first gazetteer is built rather than with this module: its import reads
    China's whole address table into an automaton (~0.4 s, ~20 MB), which only processes that route
    tickets need."""
    import cpca

    return cpca


class _AdminReader:
    """Reads the province/city/county prefix with cpca, restricted to the city of the gazetteer.

    cpca's module-level matcher (``cpca.matcher``) is used directly: ``cpca.transform`` builds a
    pandas DataFrame per call, which is ~50x slower than the whole of ``resolve``.
    """

    def __init__(self, district_names: Mapping[str, int]):
        cpca = self._cpca = _cpca()
        adcodes: dict[str, int] = {}
        for name, index in district_names.items():
            for match in cpca.matcher.iter(name):
                if match.origin_value != name:
                    continue
                for info in match.attr_infos:
                    if info.rank == cpca.AddrInfo.RANK_COUNTY:
                        adcodes.setdefault(info.adcode, index)
        # The city is the prefecture most of our districts belong to (Beijing: 1101). A county name
        # shared with another city (朝阳区 is also in Changchun) then resolves to ours.
        prefixes = Counter(code[:4] for code in adcodes)
        self.city_prefix = prefixes.most_common(1)[0][0] if prefixes else None
        self.district_by_adcode = {
            code: index for code, index in adcodes.items() if code.startswith(self.city_prefix or "")
        }

    def _covers_city(self, info) -> bool:
        return self.city_prefix is not None and self.city_prefix.startswith(
            info.adcode[: 2 * (info.rank + 1)]
        )

    def read(self, text: str) -> tuple[set[int], list[tuple[int, int]], str | None]:
        """(named districts, admin spans [start, end), outside-area name or None, abbreviated
        provinces/cities of elsewhere as ((start, end), official name))."""
        abbreviations: list[tuple[tuple[int, int], str]] = []
        districts: set[int] = set()
        spans: list[tuple[int, int]] = []
        outside: str | None = None
        if self.city_prefix is None:
            return districts, spans, outside, abbreviations
        cpca = self._cpca
        for match in cpca.matcher.iter(text):
            span = (match.start_index, match.end_index + 1)
            for info in match.attr_infos:
                if info.rank == cpca.AddrInfo.RANK_COUNTY and info.adcode in self.district_by_adcode:
                    districts.add(self.district_by_adcode[info.adcode])
                    spans.append(span)
                    break
                if info.rank < cpca.AddrInfo.RANK_COUNTY and self._covers_city(info):
                    spans.append(span)  # "北京" / "北京市": our own city, just a prefix
                    break
            else:
                # Only a full official name counts as "elsewhere" on its own (上海市, 通州区 in a city
                # without it): abbreviations such as 朝阳 (also 辽宁省朝阳市) are far more often our
                # own district's short name. An abbreviated province or city counts when a place
                # of it follows (上海浦东), see ``resolve``.
                first = match.attr_infos[0]
                at_start = span[0] == 0 or text[span[0] - 1] == "|" or any(e == span[0] for _, e in spans)
                if match.origin_value == first.name and (first.rank < cpca.AddrInfo.RANK_COUNTY or at_start):
                    outside = outside or first.name
                elif first.rank < cpca.AddrInfo.RANK_COUNTY:
                    abbreviations.append((span, first.name))
        if districts:
            outside = None
        return districts, spans, outside, abbreviations


def _county_cores(ours: Iterable[str]) -> dict[str, str]:
    """Short names of China's districts and counties outside the city (浦东 → 上海市浦东新区).

    A core that is one of our districts is left out. The cores are read only right after an
    abbreviated province or city (上海浦东) or at the start of an address in which no place of ours
    was found (通州梨园 in a city without 通州), see ``Gazetteer._abbreviated_elsewhere``.
    """
    cpca = _cpca()
    by_core: dict[str, set[str]] = {}
    for adcode, info in cpca.ad_2_addr_dict.items():
        if info.rank != cpca.AddrInfo.RANK_COUNTY:
            continue
        name = info.name
        for suffix in ("新区", "区", "县"):
            if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                by_core.setdefault(name[: -len(suffix)], set()).add(adcode)
                break
    ours = set(ours)
    cores = {}
    for core, adcodes in by_core.items():
        if any(code[:6] in ours for code in adcodes):
            continue
        code = min(adcodes)
        county = cpca.ad_2_addr_dict[code].name
        province = cpca.ad_2_addr_dict.get(code[:2] + "0000000000")
        single = len({c[:2] for c in adcodes}) == 1
        cores[core] = f"{province.name}{county}" if province and single else county
    return cores


class _FuzzyIndex:
    """One wrong character, found without trying every window.

    For a term T and a position i where a typo is allowed, the rest of the term must match exactly;
    the longer side of i (T[:i] or T[i+1:]) is put into an Aho-Corasick automaton as an anchor and
    the shorter side is compared directly when the anchor is found.

    Guards against false matches (a near-miss is often another real place, not a typo):
    - a term ending in a street suffix (望京街道, 回龙观镇) needs at least 3 characters and the typo
      must be in the part before the suffix; any other term (alias, landmark) needs 4 characters;
    - the changed character must be a CJK character on both sides, and neither may be a direction,
      number, size or place-type character (see _DISTINCTIVE, _PLACE_TYPE);
    - all candidates of the longest typo window must point to one street.
    """

    def __init__(self, terms: Mapping[str, tuple[_Target, ...]], streets_per_term: Mapping[str, set[int]]):
        self._anchors: dict[str, list[tuple[str, int, bool]]] = {}
        self._streets = streets_per_term
        for term in terms:
            if not streets_per_term.get(term):
                continue
            for i in self._typo_positions(term):
                left, right = term[:i], term[i + 1 :]
                anchor_is_right = len(right) >= len(left)
                anchor = right if anchor_is_right else left
                self._anchors.setdefault(anchor, []).append((term, i, anchor_is_right))
        self._automaton = ahocorasick.Automaton()
        for anchor in self._anchors:
            self._automaton.add_word(anchor, anchor)
        if self._anchors:
            self._automaton.make_automaton()

    @staticmethod
    def _typo_positions(term: str) -> list[int]:
        core, suffix = _strip_street_suffix(term)
        if suffix:
            if len(term) < 3:
                return []
            positions = range(len(core))
        else:
            if len(term) < 4:
                return []
            positions = range(len(term))
        return [i for i in positions if _typo_allowed(term[i])]

    def find(self, text: str, masked: list[bool]) -> list[tuple[int, int, str, int]]:
        """Candidates (start, end, term, street) whose window avoids the masked characters."""
        found: list[tuple[int, int, str, int]] = []
        if not self._anchors:
            return found
        for end_index, anchor in self._automaton.iter(text):
            a_start = end_index - len(anchor) + 1
            for term, i, anchor_is_right in self._anchors[anchor]:
                start = a_start - (i + 1) if anchor_is_right else a_start
                end = start + len(term)
                if start < 0 or end > len(text):
                    continue
                window = text[start:end]
                typo = window[i]
                if typo == term[i] or not _typo_allowed(typo):
                    continue
                if window[:i] != term[:i] or window[i + 1 :] != term[i + 1 :]:
                    continue
                if any(masked[start:end]):
                    continue
                for street in self._streets[term]:
                    found.append((start, end, term, street))
        return found


def _typo_allowed(ch: str) -> bool:
    return is_cjk(ch) and ch not in _DISTINCTIVE and ch not in _PLACE_TYPE


class Gazetteer:
    """The city's districts and streets, compiled for fast address resolution."""

    def __init__(
        self,
        districts: list[_District],
        streets: list[_Street],
        terms: dict[str, tuple[_Target, ...]],
        max_distance_km: float = 3.0,
    ):
        self._districts = districts
        self._streets = streets
        self._terms = terms
        self.max_distance_km = max_distance_km
        self._automaton = ahocorasick.Automaton()
        for term in terms:
            self._automaton.add_word(term, term)
        if terms:
            self._automaton.make_automaton()
        self._admin = _AdminReader({d.name: i for i, d in enumerate(districts)})
        self._county_cores = _county_cores(code[:6] for code in self._admin.district_by_adcode)
        streets_per_term = {
            term: {t.index for t in targets if t.kind != "district"} for term, targets in terms.items()
        }
        self._fuzzy = _FuzzyIndex(terms, streets_per_term)
        self._centers = [(i, s.center) for i, s in enumerate(streets) if s.center is not None]
        # Street names are unique within a district, not necessarily across the city.
        self._street_by_key = {(districts[s.district].name, s.name): i for i, s in enumerate(streets)}

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_districts(cls, districts: Iterable[Mapping], max_distance_km: float = 3.0) -> Gazetteer:
        """Build from the ``districts`` list of jurisdictions.yaml (as parsed YAML)."""
        district_list: list[_District] = []
        street_list: list[_Street] = []
        raw_terms: dict[str, dict[_Target, None]] = {}  # dict as an ordered set

        def add(term: str | None, target: _Target) -> None:
            term = normalize(term)
            if len(term) >= 2:  # one character is never a safe place name
                raw_terms.setdefault(term, {})[target] = None

        for d in districts:
            d_index = len(district_list)
            district_list.append(_District(name=d["name"], unit=d.get("unit")))
            for term in [d["name"], *(d.get("aliases") or [])]:
                add(term, _Target("district", d_index))
            for s in d.get("streets") or []:
                s_index = len(street_list)
                center = s.get("center")
                street_list.append(
                    _Street(
                        name=s["name"],
                        unit=s.get("unit"),
                        district=d_index,
                        center=(float(center[0]), float(center[1])) if center else None,
                    )
                )
                add(s["name"], _Target("street", s_index))
                core, suffix = _strip_street_suffix(normalize(s["name"]))
                if suffix:
                    for variant in _VARIANT_SUFFIXES:
                        add(core + variant, _Target("street", s_index))
                for alias in s.get("aliases") or []:
                    add(alias, _Target("alias", s_index))
                for landmark in s.get("landmarks") or []:
                    add(landmark, _Target("landmark", s_index))

        terms = {term: tuple(targets) for term, targets in raw_terms.items()}
        return cls(district_list, street_list, terms, max_distance_km=max_distance_km)

    @property
    def street_count(self) -> int:
        return len(self._streets)

    # ------------------------------------------------------------------ resolution

    def resolve(
        self, address: str | None, lat: float | None = None, lng: float | None = None
    ) -> JurisdictionMatch:
        """The jurisdiction of an address and/or a point (decision order: see the module docstring).

        Never raises for bad input: unknown text, invalid or far-away coordinates give
        ``method="unresolved"`` (or ``"district_only"``) with a ``note`` for people.
        """
        text = normalize(address)
        point = _valid_point(lat, lng)

        named, admin_spans, outside, abbreviations = self._admin.read(text) if text else (set(), [], None, [])
        mentions = self._mentions(text)
        named |= {t.index for m in mentions for t in m.targets if t.kind == "district"}
        if not outside and not named:
            outside = self._abbreviated_elsewhere(text, abbreviations, mentions)

        if outside:
            if point is not None:
                by_point = self._by_coordinates(point, note=f"地址写明{outside}，按坐标定位")
                if by_point is not None:
                    return by_point
            return JurisdictionMatch(note=f"地址位于本市以外（{outside}）", outside=outside)

        text_match = self._from_mentions(mentions, named)
        if text_match is None and text:
            masked = [False] * len(text)
            for start, end in admin_spans + [(m.start, m.end) for m in mentions]:
                for k in range(start, end):
                    masked[k] = True
            text_match = self._from_typos(text, masked, named)

        if point is not None:
            text_street = text_match.street if text_match and text_match.street else None
            if text_street is None:
                by_point = self._by_coordinates(point)
                if by_point is not None:
                    return by_point
            else:
                center = self._streets[self._street_by_key[(text_match.district, text_street)]].center
                if center is not None and haversine_km(point, center) > self.max_distance_km:
                    by_point = self._by_coordinates(
                        point, note=f"地址所写“{text_match.matched}”与坐标不符，按坐标定位"
                    )
                    if by_point is not None and by_point.street != text_street:
                        return by_point

        if text_match is not None:
            return text_match
        if len(named) == 1:
            (d_index,) = named
            return self._district_only(d_index, note="未能确定街道/乡镇")
        if len(named) > 1:
            return JurisdictionMatch(
                note="地址中提到多个区：" + "、".join(sorted(self._districts[i].name for i in named))
            )
        return JurisdictionMatch(note="未能识别地址")

    def _abbreviated_elsewhere(
        self, text: str, abbreviations: list[tuple[tuple[int, int], str]], mentions: list[_Mention]
    ) -> str | None:
        """上海浦东 / 广州天河: an abbreviated province or city of elsewhere followed by one of its
        places, or an address that starts with a district of elsewhere (通州 in a city without it).
        Never when the text names a place of ours at that position (朝阳劲松 is our 朝阳区)."""
        ours = [(m.start, m.end) for m in mentions]

        def overlaps(start: int, end: int) -> bool:
            return any(s < end and start < e for s, e in ours)

        for (start, end), name in abbreviations:
            if overlaps(start, end):
                continue
            following = text[end : end + 1]
            if following and is_cjk(following) and following not in _PLACE_TYPE:
                core = next((c for c in self._cores_at(text, end)), None)
                return f"{name}{core}" if core else name
        if not mentions:
            # A bare short name is a common word too (新华书店): only as a place on its own (通州,
            # 通州|…) or before a street/town of it (通州梨园镇).
            for core in self._cores_at(text, 0):
                rest = text[len(core) :]
                if not rest or not is_cjk(rest[0]) or rest[0] in "区县" or _ELSEWHERE_STREET.search(rest):
                    return self._county_cores[core]
        return None

    def _cores_at(self, text: str, start: int) -> list[str]:
        return [text[start : start + n] for n in (4, 3, 2) if text[start : start + n] in self._county_cores]

    def _mentions(self, text: str) -> list[_Mention]:
        if not text or not self._terms:
            return []
        found = [
            _Mention(end - len(term) + 1, end + 1, term, self._terms[term])
            for end, term in self._automaton.iter(text)
        ]
        # Longest match: drop a mention that lies inside a longer one ("朝阳" in "朝阳门外大街").
        return [
            m
            for m in found
            if not any(
                o is not m and o.start <= m.start and m.end <= o.end and o.end - o.start > m.end - m.start
                for o in found
            )
        ]

    def _from_mentions(self, mentions: list[_Mention], named: set[int]) -> JurisdictionMatch | None:
        # street index -> (best length, best kind rank, mention count, best term)
        support: dict[int, list] = {}
        for m in mentions:
            length = m.end - m.start
            for t in m.targets:
                if t.kind == "district":
                    continue
                rank = _KIND_RANK[t.kind]
                entry = support.setdefault(t.index, [0, 0, 0, "", ""])
                entry[2] += 1
                if (length, rank) > (entry[0], entry[1]):
                    entry[0], entry[1], entry[3], entry[4] = length, rank, m.term, t.kind
        if not support:
            return None

        if named:
            consistent = {i: e for i, e in support.items() if self._streets[i].district in named}
            if not consistent:
                # The street contradicts the district the caller named. Either may be the slip; a
                # wrong street office costs a return (退单), the district government can re-route.
                names = "、".join(sorted({self._streets[i].name for i in support}))
                if len(named) == 1:
                    (d_index,) = named
                    return self._district_only(
                        d_index, matched=None, note=f"地址中的“{names}”不属于{self._districts[d_index].name}"
                    )
                return JurisdictionMatch(note=f"地址中的“{names}”与所写区不一致")
            support = consistent

        ranked = sorted(support.items(), key=lambda item: (item[1][0], item[1][1], item[1][2]), reverse=True)
        best_index, best = ranked[0]
        tied = [i for i, e in ranked if (e[0], e[1], e[2]) == (best[0], best[1], best[2])]
        if len(tied) > 1:
            return self._ambiguous(tied, best[3])
        street = self._streets[best_index]
        method = {"street": "street", "alias": "alias", "landmark": "landmark"}[best[4]]
        return self._street_match(street, method, matched=best[3])

    def _from_typos(self, text: str, masked: list[bool], named: set[int]) -> JurisdictionMatch | None:
        candidates = self._fuzzy.find(text, masked)
        if named:
            candidates = [c for c in candidates if self._streets[c[3]].district in named]
        if not candidates:
            return None
        longest = max(end - start for start, end, _, _ in candidates)
        top = [c for c in candidates if c[1] - c[0] == longest]
        streets = {c[3] for c in top}
        if len(streets) != 1:
            return None  # a typo that could be two places is not a match
        start, end, term, s_index = top[0]
        kinds = {t.kind for t in self._terms[term] if t.kind != "district" and t.index == s_index}
        method = "street" if "street" in kinds else "alias" if "alias" in kinds else "landmark"
        return self._street_match(
            self._streets[s_index],
            method,
            matched=text[start:end],
            fuzzy=True,
            note=f"按“{term}”纠正地址中的“{text[start:end]}”",
        )

    def _ambiguous(self, street_indexes: list[int], term: str) -> JurisdictionMatch:
        districts = {self._streets[i].district for i in street_indexes}
        names = "、".join(self._streets[i].name for i in street_indexes)
        if len(districts) == 1:
            (d_index,) = districts
            return self._district_only(d_index, matched=term, note=f"“{term}”可能是{names}")
        return JurisdictionMatch(matched=term, note=f"“{term}”可能是{names}")

    def _by_coordinates(self, point: tuple[float, float], note: str = "") -> JurisdictionMatch | None:
        best: tuple[float, int] | None = None
        for index, center in self._centers:
            distance = haversine_km(point, center)
            if distance <= self.max_distance_km and (best is None or distance < best[0]):
                best = (distance, index)
        if best is None:
            return None
        distance, index = best
        return self._street_match(
            self._streets[index],
            "coordinates",
            matched=f"{point[0]:.5f},{point[1]:.5f}",
            distance_km=round(distance, 3),
            note=note,
        )

    def _street_match(self, street: _Street, method: str, **extra) -> JurisdictionMatch:
        district = self._districts[street.district]
        return JurisdictionMatch(
            district=district.name,
            district_unit=district.unit,
            street=street.name,
            street_unit=street.unit,
            method=method,
            **extra,
        )

    def _district_only(self, d_index: int, matched: str | None = None, note: str = "") -> JurisdictionMatch:
        district = self._districts[d_index]
        return JurisdictionMatch(
            district=district.name,
            district_unit=district.unit,
            method="district_only",
            matched=matched,
            note=note,
        )


def _valid_point(lat: float | None, lng: float | None) -> tuple[float, float] | None:
    if lat is None or lng is None:
        return None
    try:
        lat, lng = float(lat), float(lng)
    except (TypeError, ValueError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180) or (lat == 0 and lng == 0) or math.isnan(lat + lng):
        return None  # (0, 0) is what broken GPS clients send
    return (lat, lng)
