"""Helpers for the Open311 tests: the community JSON Schemas (read from the shared folder, never copied
into the repository), an XML reader that gives back the JSON shape, and posting a request."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import pytest
from jsonschema import Draft7Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from classifier.data import shared_data_dir

SCHEMA_FILES = ("services", "service", "service-definition", "requests", "request")
# Elements whose children are list items (the spec's XML), and the optional ones that are lists too.
LIST_TAGS = {"services", "service_requests", "attributes", "values", "notes", "endpoints", "formats", "errors",
             "service_requests_updates"}

# A street matter whose address the demo city resolves: routed at once to 望京街道.
VENDOR = {"service_code": "CTY-VENDOR", "address_string": "朝阳区望京西园三区",
          "description": "望京西园三区门口每天晚上都有人摆摊卖烧烤，占了人行道。"}
LIFT = {"service_code": "URB-PROPERTY", "lat": "39.99", "long": "116.47", "description": "3 号楼电梯困人",
        "attribute[fault_kind]": "lift", "attribute[lift_floor]": "7"}

# The spec's error list (no schema file for it in the community set).
ERRORS_SCHEMA = {"type": "array", "minItems": 1, "items": {
    "type": "object", "required": ["code", "description"],
    "properties": {"code": {"type": "integer"}, "description": {"type": "string"}}}}
UPDATES_SCHEMA = {"type": "array", "items": {
    "type": "object", "required": ["update_id", "service_request_id", "status", "updated_datetime", "description"],
    "properties": {"update_id": {"type": "string"}, "service_request_id": {"type": "string"},
                   "status": {"type": "string"}, "updated_datetime": {"type": "string", "format": "date-time"},
                   "description": {"type": ["string", "null"]}, "media_url": {"type": ["string", "null"]}}}}


def open311_schema_dir() -> Path:
    """The community schemas: $HOTLINE_SHARED_OPEN311, else the open311 folder beside the shared data."""
    override = os.environ.get("HOTLINE_SHARED_OPEN311")
    base = Path(override) if override else shared_data_dir().parent / "open311"
    folder = base / "georeport-v2" if (base / "georeport-v2").is_dir() else base
    if not (folder / "request.json").exists():
        pytest.skip(f"Open311 JSON Schemas not found in {folder} (set HOTLINE_SHARED_OPEN311 to their folder)")
    return folder


class Schemas:
    """Validators for the community schemas, by file name ("requests", "service-definition", ...)."""

    def __init__(self, folder: Path):
        self.raw = {name: json.loads((folder / f"{name}.json").read_text()) for name in SCHEMA_FILES}
        self.registry = Registry().with_resources(
            (f"{name}.json", Resource.from_contents(schema, default_specification=DRAFT7))
            for name, schema in self.raw.items())

    def validator(self, schema: dict | str) -> Draft7Validator:
        schema = self.raw[schema] if isinstance(schema, str) else schema
        return Draft7Validator(schema, registry=self.registry, format_checker=FormatChecker())

    def check(self, name: dict | str, payload) -> None:
        errors = sorted(self.validator(name).iter_errors(payload), key=lambda e: list(e.path))
        assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]
        check_datetimes(payload)


def check_datetimes(payload) -> None:
    """Every *_datetime / datetime value is W3C with an offset."""
    items = payload if isinstance(payload, list) else [payload]
    for item in items:
        if not isinstance(item, dict):
            continue
        for key, value in item.items():
            if key.endswith("datetime") and value is not None:
                assert datetime.fromisoformat(value).utcoffset() is not None, (key, value)
            elif isinstance(value, list):
                check_datetimes(value)


def from_xml(data: bytes):
    """(root tag, content) of a GeoReport XML answer, in the JSON shape (texts; empty elements → None)."""
    root = ET.fromstring(data)

    def convert(element: ET.Element):
        if element.tag in LIST_TAGS:
            return [convert(child) for child in element]
        if len(element):
            return {child.tag: convert(child) for child in element}
        return element.text

    return root.tag, convert(root)


def as_xml_text(payload):
    """The JSON payload as its XML texts would read (true/false, numbers as written, null → None)."""
    if isinstance(payload, list):
        return [as_xml_text(item) for item in payload]
    if isinstance(payload, dict):
        return {key: as_xml_text(value) for key, value in payload.items()}
    if isinstance(payload, bool):
        return "true" if payload else "false"
    return None if payload is None else str(payload)


def same_in_xml(client, path: str, root: str, **query) -> list | dict:
    """GET path.json and path.xml; asserts the XML says the same as the JSON; returns the JSON."""
    as_json = client.get(f"{path}.json", query_string=query)
    as_xml = client.get(f"{path}.xml", query_string=query)
    assert as_json.status_code == as_xml.status_code, (as_json.status_code, as_xml.status_code)
    assert as_xml.mimetype == "text/xml"
    tag, content = from_xml(as_xml.data)
    assert tag == root
    assert content == as_xml_text(as_json.json)
    return as_json.json


def open311_key(actors) -> str:
    return actors.key("open311", name="FixMyStreet")["Authorization"].removeprefix("Bearer ")


def post(client, key: str | None, fields: dict, fmt: str = "json"):
    data = dict(fields)
    if key is not None:
        data["api_key"] = key
    return client.post(f"/open311/v2/requests.{fmt}", data=data)
