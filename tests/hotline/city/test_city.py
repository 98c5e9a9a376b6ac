"""City files: validated as a whole, loaded in one transaction, exported in the same format."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from hotline.city.schema import CityError, read_city
from hotline.city.store import export_city, load_city
from models import CatalogueEntry, Category, Jurisdiction, KnowledgeArticle, Unit

DEMO = Path(__file__).resolve().parents[3] / "hotline" / "demo_city"


def copy_demo(tmp_path: Path) -> Path:
    folder = tmp_path / "city"
    shutil.copytree(DEMO, folder)
    return folder


def edit(folder: Path, name: str, change) -> None:
    path = folder / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_demo_city__meets_the_minimum_size():
    city = read_city(DEMO)
    groups = {unit.group.value for unit in city.units}
    assert groups == {"street", "district", "department", "enterprise"}
    assert len(city.districts) >= 4
    assert sum(len(d.streets) for d in city.districts) >= 24
    assert sum(1 for u in city.units if u.group.value in ("department", "enterprise")) >= 15
    assert len(city.groups) >= 10
    assert sum(len(g.categories) for g in city.groups) >= 40
    assert len(city.articles) >= 30


def test_demo_city__every_matter_type_has_a_catalogue_entry():
    city = read_city(DEMO)
    codes = {c.code for g in city.groups for c in g.categories}
    assert {entry.category for entry in city.catalogue} == codes


def test_read__unknown_unit_in_catalogue_is_a_clear_error(tmp_path):
    folder = copy_demo(tmp_path)
    edit(folder, "catalogue.yaml", lambda d: d["entries"][0].update(level="department", lead="NO-SUCH-UNIT"))
    with pytest.raises(CityError) as error:
        read_city(folder)
    assert any("NO-SUCH-UNIT" in problem and "不存在" in problem for problem in error.value.problems)


def test_read__department_matter_cannot_be_pushed_to_a_street(tmp_path):
    folder = copy_demo(tmp_path)
    edit(folder, "catalogue.yaml", lambda d: d["entries"][0].update(level="department", lead="CY-WJ"))
    with pytest.raises(CityError) as error:
        read_city(folder)
    assert any("不能下沉" in problem for problem in error.value.problems)


def test_read__missing_catalogue_entry_and_bad_yaml_are_reported(tmp_path):
    folder = copy_demo(tmp_path)
    edit(folder, "catalogue.yaml", lambda d: d["entries"].pop())
    with pytest.raises(CityError) as error:
        read_city(folder)
    assert any("缺少派单目录" in problem for problem in error.value.problems)
    (folder / "units.yaml").write_text("units: [ {code: X", encoding="utf-8")
    with pytest.raises(CityError) as error:
        read_city(folder)
    assert any("YAML" in problem for problem in error.value.problems)


def test_read__street_of_another_district_is_refused(tmp_path):
    folder = copy_demo(tmp_path)

    def move(data):
        data["districts"][0]["streets"].append(dict(data["districts"][1]["streets"][0], name="新街道"))

    edit(folder, "jurisdictions.yaml", move)
    with pytest.raises(CityError) as error:
        read_city(folder)
    assert any("不属于" in problem for problem in error.value.problems)


def test_load__is_idempotent_and_updates_by_code(session, tmp_path):
    before = session.scalar(select(func.count()).select_from(Unit))
    session.rollback()
    folder = copy_demo(tmp_path)
    edit(folder, "units.yaml", lambda d: d["units"][0].update(name="改名后的区政府"))
    with session.begin():
        load_city(session, read_city(folder))
    code = read_city(folder).units[0].code
    assert session.scalar(select(Unit.name).where(Unit.code == code)) == "改名后的区政府"
    assert session.scalar(select(func.count()).select_from(Unit)) == before
    session.rollback()
    with session.begin():
        load_city(session, read_city(DEMO))  # restore for the other tests


def test_cli_load__invalid_city_loads_nothing(app, tmp_path, session):
    folder = copy_demo(tmp_path)
    edit(folder, "units.yaml", lambda d: d["units"].append({"code": "NEW-UNIT", "name": "新单位", "group": "department"}))
    edit(folder, "catalogue.yaml", lambda d: d["entries"][0].update(level="department", lead="GHOST"))
    result = app.test_cli_runner().invoke(args=["city", "load", str(folder)])
    assert result.exit_code == 1
    assert "GHOST" in result.output and "未导入任何内容" in result.output
    assert session.scalar(select(Unit).where(Unit.code == "NEW-UNIT")) is None


def test_cli_export__round_trips(app, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "exported"
    assert runner.invoke(args=["city", "export", str(out)]).exit_code == 0
    original, exported = read_city(DEMO), read_city(out)
    assert exported.units == original.units
    assert exported.districts == original.districts
    assert exported.groups == original.groups
    assert exported.catalogue == original.catalogue
    assert exported.articles == original.articles
    result = runner.invoke(args=["city", "load", str(out)])
    assert result.exit_code == 0, result.output


def test_load__fills_every_table(session):
    for model in (Unit, Jurisdiction, Category, CatalogueEntry, KnowledgeArticle):
        assert session.scalar(select(func.count()).select_from(model)) > 0


def test_export__writes_all_files(session, tmp_path):
    export_city(session, tmp_path)
    for name in ("units.yaml", "jurisdictions.yaml", "categories.yaml", "catalogue.yaml", "knowledge.yaml"):
        assert (tmp_path / name).exists()


@pytest.mark.parametrize(("attributes", "expected"), [
    ([{"code": "kind", "datatype": "singlevaluelist", "description": "类别"}], "须列出 values"),
    ([{"code": "n", "datatype": "number", "description": "数量", "values": [{"key": "a", "name": "甲"}]}],
     "只有列表类型"),
    ([{"code": "k", "datatype": "multivaluelist", "description": "类别",
       "values": [{"key": "a", "name": "甲"}, {"key": "a", "name": "乙"}]}], "重复的 key"),
    ([{"code": "x", "datatype": "string", "description": "一"}, {"code": "x", "datatype": "text", "description": "二"}],
     "附加属性编码重复"),
    ([{"code": "x", "datatype": "colour", "description": "颜色"}], "datatype"),
])
def test_read__service_definition_attributes_are_checked(tmp_path, attributes, expected):
    folder = copy_demo(tmp_path)
    edit(folder, "categories.yaml", lambda d: d["groups"][0]["categories"][0].update(attributes=attributes))
    with pytest.raises(CityError) as error:
        read_city(folder)
    assert any(expected in problem for problem in error.value.problems), error.value.problems


def test_load__stores_attributes_and_notices_for_open311(session):
    lift = session.scalar(select(Category).where(Category.code == "URB-PROPERTY"))
    assert [a["code"] for a in lift.attributes] == ["lift_floor", "fault_kind"]
    assert session.scalar(select(Category.service_notice).where(Category.code == "CTY-MANHOLE"))
