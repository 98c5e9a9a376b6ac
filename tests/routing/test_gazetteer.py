"""Jurisdiction from address text and coordinates (routing.gazetteer)."""

from __future__ import annotations

import pytest

from routing.gazetteer import Gazetteer, JurisdictionMatch, haversine_km

# (address, expected street) against the demo city. Grouped by what they exercise.
RESOLVES_TO_STREET = [
    # official names and aliases, with and without district
    ("北京市朝阳区望京街道望京西园222号楼", "望京街道"),
    ("朝阳区望京街道", "望京街道"),
    ("望京", "望京街道"),
    ("回龙观", "回龙观街道"),
    ("回龙观镇", "回龙观街道"),
    ("昌平区回龙观地区龙泽苑东区", "回龙观街道"),
    ("北京市西城区金融街街道", "金融街街道"),
    ("海淀区学院路", "学院路街道"),
    ("广外红居街", "广安门外街道"),
    ("方庄地区芳古园一区", "方庄街道"),
    ("沙河镇", "沙河镇"),
    ("沙河地区于辛庄村", "沙河镇"),
    ("北七家镇政府", "北七家镇"),
    ("天通北苑二区", "天通苑北街道"),
    # landmarks
    ("朝阳望京SOHO T1 1501", "望京街道"),
    ("三里屯太古里南区", "三里屯街道"),
    ("798艺术区", "酒仙桥街道"),
    ("国贸商城北区", "建外街道"),
    ("鸟巢东侧", "奥运村街道"),
    ("五道口", "学院路街道"),
    ("公主坟东北角", "万寿路街道"),
    ("北京站东街", "建国门街道"),
    ("簋街", "东直门街道"),
    ("未来科学城", "北七家镇"),
    # missing district, "北京市" prefixes
    ("北京市望京西园", "望京街道"),
    ("北京朝阳劲松八区", "劲松街道"),
    ("北京市北京市朝阳区潘家园旧货市场", "潘家园街道"),
    # noise: spaces, full-width characters, punctuation, house numbers
    ("  望京 西园 ４ 区 ２２２号楼 ３单元 ５０１  ", "望京街道"),
    ("（朝阳区）双井桥东南角，富力城D座", "双井街道"),
    ("海淀区中关村东路66号院1号楼", "中关村街道"),
    ("望京ｓｏｈｏ塔２", "望京街道"),
    # the longest mention wins
    ("建国门外大街1号", "建外街道"),
    ("建国门内大街18号", "建国门街道"),
    ("朝阳门外大街", "朝外街道"),
    ("丰台区丰台火车站", "丰台街道"),
    ("海淀区海淀街道海龙大厦", "海淀街道"),
    ("三里屯SOHO", "三里屯街道"),
]

# One wrong character in a street name: corrected when unambiguous.
TYPOS = [
    ("朝阳区旺京街道", "望京街道"),
    ("回龙官镇龙泽苑", "回龙观街道"),
    ("昌平区回龙关地区", "回龙观街道"),
    ("北七架镇", "北七家镇"),
    ("什剎海街道", "什刹海街道"),
    ("西城区展揽路街道", "展览路街道"),
]

# Near misses that are other real places, not typos: never matched to a street.
NOT_A_TYPO = [
    "建国路88号",  # 建国门 ≠ 建国路: place-type character
    "西便门",  # 东便门 ≠ 西便门: direction
    "城南街道",  # 城北街道 ≠ 城南街道: direction
    "天通南苑",  # 天通北苑 / 天通东苑: direction
    "广渠门内大街",  # 广安门: only 3 characters, no street suffix
    "日坛公园",  # 天坛公园 or 地坛公园: two different streets
    "北京西站",  # "北京" is the city, 北京站 is another place
]


@pytest.mark.parametrize(("address", "street"), RESOLVES_TO_STREET, ids=[a for a, _ in RESOLVES_TO_STREET])
def test_resolve__demo_city_addresses(demo_gazetteer, address, street):
    match = demo_gazetteer.resolve(address)
    assert match.street == street, match
    assert match.resolved
    assert not match.fuzzy


@pytest.mark.parametrize(("address", "street"), TYPOS, ids=[a for a, _ in TYPOS])
def test_resolve__one_wrong_character_in_street_name_is_corrected(demo_gazetteer, address, street):
    match = demo_gazetteer.resolve(address)
    assert match.street == street, match
    assert match.fuzzy
    assert "纠正" in match.note


@pytest.mark.parametrize("address", NOT_A_TYPO)
def test_resolve__near_miss_of_another_real_place_is_not_a_street(demo_gazetteer, address):
    match = demo_gazetteer.resolve(address)
    assert match.street is None, match
    assert not match.resolved


def test_resolve__typo_on_a_place_type_character_is_left_to_people(demo_gazetteer):
    # Conservative on purpose: changing 路/门/桥… usually names another place (建国门 / 建国路), so
    # even the harmless 展览璐 is not corrected; the named district still gives the fallback unit.
    match = demo_gazetteer.resolve("西城区展览璐街道")
    assert (match.method, match.district, match.street) == ("district_only", "西城区", None)


def test_resolve__alias_without_district(demo_gazetteer):
    match = demo_gazetteer.resolve("望京")
    assert (match.district, match.district_unit, match.street, match.street_unit) == (
        "朝阳区",
        "CY",
        "望京街道",
        "CY-WJ",
    )
    assert match.method == "alias"


def test_resolve__official_name_beats_alias_and_reports_method_street(demo_gazetteer):
    assert demo_gazetteer.resolve("朝阳区望京街道").method == "street"


def test_resolve__street_suffix_variant_counts_as_official_name(demo_gazetteer):
    # The city writes 北七家镇; callers also say 北七家地区 / 北七家街道.
    for address in ("北七家地区", "北七家街道办事处"):
        match = demo_gazetteer.resolve(address)
        assert (match.street, match.method) == ("北七家镇", "street")


def test_resolve__landmark_reports_method_landmark_and_matched_text(demo_gazetteer):
    match = demo_gazetteer.resolve("朝阳望京SOHO T1")
    assert (match.method, match.matched) == ("landmark", "望京SOHO")


def test_resolve__district_alias_inside_a_longer_street_mention_is_ignored(demo_gazetteer):
    # "朝阳" (朝阳区) inside "朝阳门外大街" must not make a second, conflicting district.
    match = demo_gazetteer.resolve("东城区朝阳门外大街")
    assert match.street is None and match.district == "东城区"


def test_resolve__street_consistent_with_named_district_beats_a_longer_inconsistent_one(demo_gazetteer):
    # 芳古园 (丰台区 方庄街道) is the longer mention, but the caller said 朝阳区: 劲松 wins.
    assert demo_gazetteer.resolve("朝阳区劲松，芳古园一区对面").street == "劲松街道"
    assert demo_gazetteer.resolve("劲松，芳古园一区对面").street == "方庄街道"  # no district: longest wins


def test_resolve__equally_good_streets_in_two_districts_are_ambiguous(demo_gazetteer):
    match = demo_gazetteer.resolve("劲松和方庄之间")
    assert match.method == "unresolved" and "可能是" in match.note
    assert demo_gazetteer.resolve("丰台区劲松和方庄之间").street == "方庄街道"


def test_resolve__street_in_another_district_than_named_gives_district_only(demo_gazetteer):
    match = demo_gazetteer.resolve("海淀区望京西园")
    assert (match.method, match.district, match.street) == ("district_only", "海淀区", None)
    assert "不属于海淀区" in match.note


@pytest.mark.parametrize(
    ("address", "district"),
    [
        ("北京市海淀区", "海淀区"),
        ("朝阳区某某小区3号楼", "朝阳区"),
        ("昌平", "昌平区"),
        ("北京市朝阳区天通苑", "朝阳区"),
    ],
)
def test_resolve__district_without_street_is_district_only(demo_gazetteer, address, district):
    match = demo_gazetteer.resolve(address)
    assert (match.method, match.district, match.street, match.resolved) == (
        "district_only",
        district,
        None,
        False,
    )
    assert match.district_unit is not None


@pytest.mark.parametrize("address", ["", None, "某某路123号", "北京市", "   ", "朝阳区和海淀区交界处"])
def test_resolve__unknown_is_unresolved(demo_gazetteer, address):
    match = demo_gazetteer.resolve(address)
    assert match.method == "unresolved"
    assert match.street is None and match.street_unit is None and not match.resolved


def test_resolve__address_outside_the_city_is_unresolved_with_note(demo_gazetteer):
    match = demo_gazetteer.resolve("河北省廊坊市三河市燕郊镇")
    assert match.method == "unresolved" and "本市以外" in match.note


def test_resolve__abbreviation_shared_with_another_province_is_still_ours(demo_gazetteer):
    # cpca reads "朝阳" as 辽宁省朝阳市; in this city it is 朝阳区.
    assert demo_gazetteer.resolve("朝阳劲松").district == "朝阳区"


# --- coordinates ------------------------------------------------------------------------------------

WANGJING = (39.996, 116.470)
ZHONGGUANCUN = (39.983, 116.323)


def test_resolve__coordinates_without_text_pick_nearest_street_centre(demo_gazetteer):
    match = demo_gazetteer.resolve(None, 39.990, 116.472)
    assert (match.street, match.method) == ("望京街道", "coordinates")
    assert match.distance_km == pytest.approx(haversine_km((39.990, 116.472), WANGJING), abs=0.001)


def test_resolve__coordinates_with_district_only_text_pick_the_street(demo_gazetteer):
    match = demo_gazetteer.resolve("北京市朝阳区", *WANGJING)
    assert (match.street, match.method) == ("望京街道", "coordinates")


def test_resolve__coordinates_far_from_the_text_street_win(demo_gazetteer):
    match = demo_gazetteer.resolve("海淀区中关村", *WANGJING)
    assert (match.street, match.method) == ("望京街道", "coordinates")
    assert "与坐标不符" in match.note


def test_resolve__coordinates_consistent_with_text_keep_the_text_match(demo_gazetteer):
    match = demo_gazetteer.resolve("海淀区中关村", ZHONGGUANCUN[0] + 0.01, ZHONGGUANCUN[1])
    assert (match.street, match.method) == ("中关村街道", "alias")


def test_resolve__coordinates_far_from_every_street_are_ignored(demo_gazetteer):
    assert demo_gazetteer.resolve(None, 31.23, 121.47).method == "unresolved"  # Shanghai
    assert demo_gazetteer.resolve("望京", 31.23, 121.47).street == "望京街道"


@pytest.mark.parametrize(("lat", "lng"), [(0.0, 0.0), (95.0, 116.0), (None, 116.47), ("x", "y")])
def test_resolve__invalid_coordinates_are_ignored(demo_gazetteer, lat, lng):
    assert demo_gazetteer.resolve(None, lat, lng).method == "unresolved"


def test_resolve__max_distance_is_configurable(demo_districts):
    point = (WANGJING[0] + 0.009, WANGJING[1])  # about 1 km north of the centre
    assert (
        Gazetteer.from_districts(demo_districts, max_distance_km=3).resolve(None, *point).street == "望京街道"
    )
    assert (
        Gazetteer.from_districts(demo_districts, max_distance_km=0.5).resolve(None, *point).method
        == "unresolved"
    )


# --- hand-made city ---------------------------------------------------------------------------------


def test_resolve__same_street_name_in_two_districts_uses_the_named_district(mini_gazetteer):
    assert mini_gazetteer.resolve("乙县城关镇幸福路").street_unit == "YI-CG"
    assert mini_gazetteer.resolve("甲区城关镇").street_unit == "JIA-CG"
    assert mini_gazetteer.resolve("甲城城关镇").street_unit == "JIA-CG"  # district alias


def test_resolve__same_street_name_without_district_is_ambiguous(mini_gazetteer):
    match = mini_gazetteer.resolve("城关镇幸福路")
    assert match.method == "unresolved" and "可能是" in match.note


def test_resolve__ambiguous_alias_within_one_district_gives_that_district(mini_gazetteer):
    match = mini_gazetteer.resolve("湖畔小区")
    assert (match.method, match.district_unit) == ("district_only", "JIA")


def test_resolve__longer_landmark_resolves_what_a_shared_alias_cannot(mini_gazetteer):
    assert mini_gazetteer.resolve("湖畔花园5号楼").street_unit == "JIA-DH"


def test_resolve__works_for_districts_cpca_does_not_know(mini_gazetteer):
    match = mini_gazetteer.resolve("凤凰山森林公园北门")
    assert (match.district, match.street, match.method) == ("乙县", "凤凰山镇", "landmark")


def test_resolve__coordinates_choose_the_right_one_of_two_same_named_streets(mini_gazetteer):
    assert mini_gazetteer.resolve(None, 31.001, 111.001).street_unit == "YI-CG"


def test_resolve__coordinates_cannot_reach_streets_without_centre(mini_gazetteer):
    match = mini_gazetteer.resolve("甲区", 45.0, 90.0)
    assert (match.method, match.district_unit) == ("district_only", "JIA")


def test_resolve__derived_suffix_variant_for_a_street_without_aliases():
    gazetteer = Gazetteer.from_districts(
        [{"name": "丙区", "unit": "B", "streets": [{"name": "桃源街道", "unit": "B-TY"}]}]
    )
    assert gazetteer.resolve("桃源地区").street_unit == "B-TY"
    assert gazetteer.resolve("桃源").street is None  # a bare core is only an alias when the city says so


def test_resolve__empty_gazetteer_resolves_nothing():
    assert Gazetteer.from_districts([]).resolve("望京", 39.99, 116.47).method == "unresolved"


def test_jurisdiction_match__to_dict_includes_resolved():
    match = JurisdictionMatch(
        district="甲区", district_unit="JIA", street="城关镇", street_unit="JIA-CG", method="street"
    )
    assert match.to_dict()["resolved"] is True
    assert JurisdictionMatch().to_dict()["resolved"] is False


# --- places outside the city (issue 13) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "place"),
    [
        ("上海浦东张江路88号", "上海"),
        ("上海市浦东新区张江路", "上海"),
        ("通州区梨园镇", "通州"),
        ("通州", "通州"),
    ],
)
def test_gazetteer__address_clearly_elsewhere_is_flagged_outside(demo_gazetteer, address, place):
    match = demo_gazetteer.resolve(address)
    assert match.outside and place in match.outside, match
    assert match.street is None and "本市以外" in match.note


@pytest.mark.parametrize("address", ["朝阳劲松", "朝阳路12号", "国贸商城北区", "新华书店门口", "海淀黄庄"])
def test_gazetteer__our_places_and_common_words_are_not_outside(demo_gazetteer, address):
    assert demo_gazetteer.resolve(address).outside is None
