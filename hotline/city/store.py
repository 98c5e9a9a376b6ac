"""Loading a validated city into the database (one transaction) and exporting it back to files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.city.schema import City
from models import CatalogueEntry, Category, Jurisdiction, KnowledgeArticle, Unit


@dataclass
class LoadReport:
    units: int
    districts: int
    streets: int
    categories: int
    catalogue: int
    articles: int
    deactivated_units: int


def _by(session: Session, model, attribute: str) -> dict:
    return {getattr(row, attribute): row for row in session.scalars(select(model))}


def _upsert(session: Session, existing: dict, key, model, **values):
    row = existing.get(key)
    if row is None:
        row = model(**values)
        session.add(row)
        existing[key] = row
    else:
        for name, value in values.items():
            setattr(row, name, value)
    return row


def load_city(session: Session, city: City) -> LoadReport:
    """Create or update everything in `city` by code/name. The caller owns the transaction."""
    units = _by(session, Unit, "code")
    in_file = {spec.code for spec in city.units}
    for spec in city.units:
        _upsert(session, units, spec.code, Unit, code=spec.code, name=spec.name,
                unit_group=spec.group.value, webhook_url=spec.webhook, active=True)
    session.flush()
    for spec in city.units:
        units[spec.code].district_id = units[spec.district].id if spec.district else None
    deactivated = 0
    for code, unit in units.items():
        if code not in in_file and unit.active:
            unit.active = False  # old tickets still point to it
            deactivated += 1

    jurisdictions = {(j.kind, j.name): j for j in session.scalars(select(Jurisdiction))}
    streets = 0
    for district in city.districts:
        parent = _upsert(session, jurisdictions, ("district", district.name), Jurisdiction,
                         kind="district", name=district.name, aliases=list(district.aliases), landmarks=[],
                         parent_id=None, unit_id=units[district.unit].id, center_lat=None, center_lng=None)
        session.flush()
        for street in district.streets:
            streets += 1
            lat, lng = street.center if street.center else (None, None)
            _upsert(session, jurisdictions, ("street", street.name), Jurisdiction,
                    kind="street", name=street.name, aliases=list(street.aliases),
                    landmarks=list(street.landmarks), parent_id=parent.id, unit_id=units[street.unit].id,
                    center_lat=lat, center_lng=lng)

    categories = _by(session, Category, "code")
    count = 0
    for position, group in enumerate(city.groups):
        parent = _upsert(session, categories, group.code, Category, code=group.code, name=group.name,
                         parent_id=None, request_type=None, urgency_hint=None, keywords=[],
                         description=None, position=position, attributes=[], service_notice=None)
        session.flush()
        for index, spec in enumerate(group.categories):
            count += 1
            _upsert(session, categories, spec.code, Category, code=spec.code, name=spec.name,
                    parent_id=parent.id, request_type=spec.request_type.value,
                    urgency_hint=spec.urgency_hint.value, keywords=list(spec.keywords),
                    description=spec.description, position=index,
                    attributes=[attribute.model_dump(mode="json", exclude_defaults=True) for attribute in spec.attributes],
                    service_notice=spec.service_notice)
    session.flush()

    entries = {entry.category_id: entry for entry in session.scalars(select(CatalogueEntry))}
    for spec in city.catalogue:
        category = categories[spec.category]
        _upsert(session, entries, category.id, CatalogueEntry, category_id=category.id, level=spec.level,
                lead_unit_id=units[spec.lead].id if spec.lead else None, assisting=list(spec.assisting))

    articles = _by(session, KnowledgeArticle, "code")
    for spec in city.articles:
        _upsert(session, articles, spec.code, KnowledgeArticle, code=spec.code,
                category_id=categories[spec.category].id if spec.category else None,
                question=spec.question, answer=spec.answer, keywords=list(spec.keywords), active=True)
    session.flush()
    return LoadReport(units=len(city.units), districts=len(city.districts), streets=streets,
                      categories=count, catalogue=len(city.catalogue), articles=len(city.articles),
                      deactivated_units=deactivated)


def _dump(path: Path, data: dict) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8")


def jurisdiction_tree(rows: list[Jurisdiction], units: dict[int, Unit]) -> list[dict]:
    """Districts with their streets, as jurisdictions.yaml holds them (and as routing.Gazetteer reads them)."""
    streets_of: dict[int, list[dict]] = {}
    for street in (row for row in rows if row.kind == "street"):
        spec = {"name": street.name, "aliases": street.aliases, "unit": units[street.unit_id].code,
                "landmarks": street.landmarks}
        if street.center_lat is not None:
            spec["center"] = [street.center_lat, street.center_lng]
        streets_of.setdefault(street.parent_id, []).append(spec)
    return [{"name": d.name, "aliases": d.aliases, "unit": units[d.unit_id].code, "streets": streets_of.get(d.id, [])}
            for d in rows if d.kind == "district"]


def export_city(session: Session, folder: Path) -> None:
    """Write the city in the files' format (active units only), so `city load` reads it back unchanged."""
    folder.mkdir(parents=True, exist_ok=True)
    units = list(session.scalars(select(Unit).where(Unit.active.is_(True)).order_by(Unit.id)))
    by_id = {unit.id: unit for unit in session.scalars(select(Unit))}

    def unit_spec(unit: Unit) -> dict:
        spec = {"code": unit.code, "name": unit.name, "group": unit.unit_group}
        if unit.district_id:
            spec["district"] = by_id[unit.district_id].code
        if unit.webhook_url:
            spec["webhook"] = unit.webhook_url
        return spec

    _dump(folder / "units.yaml", {"units": [unit_spec(unit) for unit in units]})

    rows = list(session.scalars(select(Jurisdiction).order_by(Jurisdiction.id)))
    _dump(folder / "jurisdictions.yaml", {"districts": jurisdiction_tree(rows, by_id)})

    categories = list(session.scalars(select(Category).order_by(Category.position, Category.id)))
    groups = []
    for group in (c for c in categories if c.parent_id is None):
        children = [
            {"code": c.code, "name": c.name, "request_type": c.request_type, "urgency_hint": c.urgency_hint,
             "keywords": c.keywords, "description": c.description,
             **({"service_notice": c.service_notice} if c.service_notice else {}),
             **({"attributes": c.attributes} if c.attributes else {})}
            for c in categories if c.parent_id == group.id
        ]
        groups.append({"code": group.code, "name": group.name, "categories": children})
    _dump(folder / "categories.yaml", {"groups": groups})

    code_of = {c.id: c.code for c in categories}
    entries = []
    for entry in session.scalars(select(CatalogueEntry).order_by(CatalogueEntry.id)):
        spec = {"category": code_of[entry.category_id], "level": entry.level}
        if entry.lead_unit_id:
            spec["lead"] = by_id[entry.lead_unit_id].code
        if entry.assisting:
            spec["assisting"] = entry.assisting
        entries.append(spec)
    _dump(folder / "catalogue.yaml", {"entries": entries})

    articles = [
        {"code": a.code, "category": code_of.get(a.category_id), "question": a.question, "answer": a.answer,
         "keywords": a.keywords}
        for a in session.scalars(select(KnowledgeArticle).where(KnowledgeArticle.active.is_(True))
                                 .order_by(KnowledgeArticle.id))
    ]
    _dump(folder / "knowledge.yaml", {"articles": articles})


def city_is_empty(session: Session) -> bool:
    return session.scalar(select(Unit.id).limit(1)) is None
