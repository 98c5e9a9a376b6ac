"""The city files (docs/city-format.md) as pydantic models, and the cross-file checks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from models.enums import RequestType, UnitGroup, Urgency

Code = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")]
Name = Annotated[str, Field(min_length=1, max_length=100)]



class CityError(Exception):
    """The city files are not valid; `problems` lists every problem found, in Chinese."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


class _Spec(BaseModel):
    # defer_build: the validators are built when a city is first read, not on import (~0.1 s for these
    # models, which every command and process would otherwise pay).
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)


class UnitSpec(_Spec):
    code: Code
    name: Name
    group: UnitGroup
    district: Code | None = None
    webhook: Annotated[str, Field(max_length=500)] | None = None


class StreetSpec(_Spec):
    name: Name
    aliases: list[Name] = []
    unit: Code
    landmarks: list[Name] = []
    center: tuple[Annotated[float, Field(ge=-90, le=90)], Annotated[float, Field(ge=-180, le=180)]] | None = None


class DistrictSpec(_Spec):
    name: Name
    aliases: list[Name] = []
    unit: Code
    streets: list[StreetSpec] = []


class AttributeValueSpec(_Spec):
    key: Code
    name: Name


LIST_DATATYPES = ("singlevaluelist", "multivaluelist")


class AttributeSpec(_Spec):
    """An extra question for a matter type (an Open311 service definition attribute)."""

    code: Code
    datatype: Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
    description: Annotated[str, Field(min_length=1, max_length=300)]
    required: bool = False
    variable: bool = True  # false: only information shown to the reporter, nothing to answer
    datatype_description: Annotated[str, Field(max_length=300)] | None = None
    values: list[AttributeValueSpec] = []

    @model_validator(mode="after")
    def _values_fit_the_datatype(self) -> AttributeSpec:
        if self.datatype in LIST_DATATYPES and not self.values:
            raise ValueError(f"{self.datatype} 类型的属性 {self.code} 须列出 values")
        if self.datatype not in LIST_DATATYPES and self.values:
            raise ValueError(f"只有列表类型的属性才能有 values（{self.code}）")
        keys = [value.key for value in self.values]
        if len(set(keys)) != len(keys):
            raise ValueError(f"属性 {self.code} 的 values 有重复的 key")
        return self


class CategorySpec(_Spec):
    code: Code
    name: Name
    request_type: RequestType
    urgency_hint: Urgency = Urgency.NORMAL
    keywords: list[Name] = []
    description: Annotated[str, Field(max_length=500)] | None = None
    service_notice: Annotated[str, Field(min_length=1, max_length=500)] | None = None
    attributes: list[AttributeSpec] = []

    @model_validator(mode="after")
    def _attribute_codes_unique(self) -> CategorySpec:
        codes = [attribute.code for attribute in self.attributes]
        if len(set(codes)) != len(codes):
            raise ValueError(f"事项 {self.code} 的附加属性编码重复")
        return self


class GroupSpec(_Spec):
    code: Code
    name: Name
    categories: list[CategorySpec]


class CatalogueSpec(_Spec):
    category: Code
    level: Literal["local", "department"]
    lead: Code | None = None
    assisting: list[Code] = []


class ArticleSpec(_Spec):
    code: Code
    category: Code | None = None
    question: Annotated[str, Field(min_length=1, max_length=300)]
    answer: Annotated[str, Field(min_length=1, max_length=5000)]
    keywords: list[Name] = []


class UnitsFile(_Spec):
    units: list[UnitSpec]


class JurisdictionsFile(_Spec):
    districts: list[DistrictSpec]


class CategoriesFile(_Spec):
    groups: list[GroupSpec]


class CatalogueFile(_Spec):
    entries: list[CatalogueSpec]


class KnowledgeFile(_Spec):
    articles: list[ArticleSpec] = []


class City(BaseModel):
    model_config = ConfigDict(defer_build=True)

    units: list[UnitSpec]
    districts: list[DistrictSpec]
    groups: list[GroupSpec]
    catalogue: list[CatalogueSpec]
    articles: list[ArticleSpec] = []


def _read(path: Path, model: type[_Spec], problems: list[str]) -> _Spec | None:
    if not path.exists():
        problems.append(f"缺少文件 {path.name}")
        return None
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        problems.append(f"{path.name}：YAML 格式错误：{error}")
        return None
    try:
        return model.model_validate(raw or {})
    except ValidationError as error:
        for item in error.errors(include_url=False):
            where = ".".join(str(part) for part in item["loc"])
            problems.append(f"{path.name}：{where}：{item['msg']}")
        return None


def read_city(folder: Path) -> City:
    """Parse and validate a city folder; raises CityError listing every problem."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CityError([f"目录不存在：{folder}"])
    problems: list[str] = []
    units = _read(folder / "units.yaml", UnitsFile, problems)
    jurisdictions = _read(folder / "jurisdictions.yaml", JurisdictionsFile, problems)
    categories = _read(folder / "categories.yaml", CategoriesFile, problems)
    catalogue = _read(folder / "catalogue.yaml", CatalogueFile, problems)
    knowledge = (
        _read(folder / "knowledge.yaml", KnowledgeFile, problems)
        if (folder / "knowledge.yaml").exists() else KnowledgeFile()
    )
    if problems:
        raise CityError(problems)
    city = City(units=units.units, districts=jurisdictions.districts, groups=categories.groups,
                catalogue=catalogue.entries, articles=knowledge.articles)
    problems = check_references(city)
    if problems:
        raise CityError(problems)
    return city


def _duplicates(items: list[str]) -> list[str]:
    seen: set[str] = set()
    return sorted({item for item in items if item in seen or seen.add(item)})


def check_references(city: City) -> list[str]:
    """Every code named anywhere exists with a fitting group; every matter type has one catalogue entry."""
    problems: list[str] = []
    units = {unit.code: unit for unit in city.units}
    for code in _duplicates([unit.code for unit in city.units]):
        problems.append(f"units.yaml：单位编码重复：{code}")
    for unit in city.units:
        if unit.group == UnitGroup.STREET:
            parent = units.get(unit.district or "")
            if parent is None or parent.group != UnitGroup.DISTRICT:
                problems.append(f"units.yaml：街道/乡镇 {unit.code} 的 district 应为已定义的区级单位（现为 {unit.district}）")
        elif unit.district:
            problems.append(f"units.yaml：只有街道/乡镇单位可以填写 district（{unit.code}）")

    street_names = []
    for district in city.districts:
        unit = units.get(district.unit)
        if unit is None or unit.group != UnitGroup.DISTRICT:
            problems.append(f"jurisdictions.yaml：{district.name} 的 unit {district.unit} 不是已定义的区级单位")
        for street in district.streets:
            street_names.append(street.name)
            unit = units.get(street.unit)
            if unit is None or unit.group != UnitGroup.STREET:
                problems.append(f"jurisdictions.yaml：{street.name} 的 unit {street.unit} 不是已定义的街道/乡镇单位")
            elif unit.district != district.unit:
                problems.append(f"jurisdictions.yaml：{street.name} 的单位 {street.unit} 不属于 {district.name}")
    for name in _duplicates([d.name for d in city.districts]):
        problems.append(f"jurisdictions.yaml：区名称重复：{name}")
    for name in _duplicates(street_names):
        problems.append(f"jurisdictions.yaml：街道名称重复：{name}")

    category_codes = [c.code for g in city.groups for c in g.categories]
    for code in _duplicates(category_codes + [g.code for g in city.groups]):
        problems.append(f"categories.yaml：分类编码重复：{code}")
    covered = [entry.category for entry in city.catalogue]
    for code in _duplicates(covered):
        problems.append(f"catalogue.yaml：事项 {code} 有多条派单目录")
    for code in sorted(set(category_codes) - set(covered)):
        problems.append(f"catalogue.yaml：事项 {code} 缺少派单目录")
    known_categories = set(category_codes)
    for entry in city.catalogue:
        if entry.category not in known_categories:
            problems.append(f"catalogue.yaml：未知事项 {entry.category}")
        if entry.level == "department":
            lead = units.get(entry.lead or "")
            if lead is None:
                problems.append(f"catalogue.yaml：{entry.category} 的主办单位 {entry.lead} 不存在")
            elif lead.group not in (UnitGroup.DEPARTMENT, UnitGroup.ENTERPRISE):
                problems.append(f"catalogue.yaml：{entry.category} 为部门事项，主办单位 {entry.lead} 应为市级部门或企业，不能下沉到街道/区")
        elif entry.lead:
            problems.append(f"catalogue.yaml：{entry.category} 为属地事项（local），不能指定 lead")
        for code in entry.assisting:
            if code not in units:
                problems.append(f"catalogue.yaml：{entry.category} 的协办单位 {code} 不存在")

    for code in _duplicates([a.code for a in city.articles]):
        problems.append(f"knowledge.yaml：知识编码重复：{code}")
    for article in city.articles:
        if article.category and article.category not in known_categories:
            problems.append(f"knowledge.yaml：{article.code} 的分类 {article.category} 不存在")
    return problems
