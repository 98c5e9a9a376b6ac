"""GeoReport v2 answers: the spec's fields from our models, rendered as JSON or as XML (xml.etree).

Mapping: open statuses → "open", final ones → "closed"; agency_responsible is the lead unit's name;
expected_datetime the reply deadline; status_notes the unit's reply; service_notice the matter type's
notice. Ids are strings and datetimes carry their offset. Nothing about the citizen is ever shown.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from flask import Response, current_app, jsonify, request

from hotline.api.formats import iso
from hotline.workflow.rules import RULES
from models import Category, Open311Request, Ticket, TicketEvent
from models.enums import CHINESE_NAMES, FINAL_STATUSES, EventKind

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-26T00:00:00+08:00"  # when this endpoint's behaviour last changed
XML_TYPES = ("text/xml", "application/xml")

# How a list's items are named in XML (the spec's element names).
ITEM_NAMES = {"services": "service", "service_requests": "request", "attributes": "attribute", "values": "value",
              "notes": "note", "endpoints": "endpoint", "formats": "format", "errors": "error",
              "service_requests_updates": "request_update"}

# mySociety's update statuses (FixMyStreet reads them case-insensitively).
UPDATE_STATUSES = {"received": "open", "triage": "open", "dispatched": "open", "returned": "investigating",
                   "accepted": "in_progress", "responded": "action_scheduled", "replied": "fixed",
                   "closed": "closed", "answered": "closed", "rejected": "not_councils_responsibility",
                   "merged": "duplicate"}

# Phone numbers in a citizen's own words are masked before the text is public.
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)|(?<!\d)(0\d{2,3}-?)\d{3,4}(\d{4})(?!\d)")


def public_text(text: str | None, secrets: tuple[str | None, ...] = ()) -> str | None:
    """A text fit for anyone to read: phone numbers masked, and the reporter's known names and contact
    details (`secrets`) blanked where the citizen wrote them into their own words."""
    if text is None:
        return None
    for secret in sorted({s for s in secrets if s and len(s) >= 2}, key=len, reverse=True):
        text = text.replace(secret, "*" * min(len(secret), 3))
    return _PHONE.sub(lambda m: f"{m.group(1)}****{m.group(2)}" if m.group(1) else f"{m.group(3)}****{m.group(4)}",
                      text)


def reporter_secrets(ticket: Ticket, extra: Open311Request | None) -> tuple[str | None, ...]:
    """What identifies the reporter: the name (and a two-character given name), phone, email, ids."""
    name = ticket.citizen_name or ""
    found = [name, name[1:] if len(name) >= 3 else None, ticket.citizen_phone,
             (ticket.citizen_phone or "").removeprefix("+86")]
    if extra is not None:
        found += [extra.email, extra.device_id, extra.account_id]
    return tuple(found)


def open_or_closed(status: str) -> str:
    return "closed" if status in FINAL_STATUSES else "open"


# --- the spec's objects ---------------------------------------------------------------------------

def service_dict(category: Category, group: Category) -> dict:
    return {"service_code": category.code, "service_name": category.name, "description": category.description,
            "metadata": bool(category.attributes), "type": "realtime",
            "keywords": ",".join(category.keywords or []) or None, "group": group.name}


def definition_dict(category: Category) -> dict:
    attributes = []
    for order, attribute in enumerate(category.attributes or [], start=1):
        item = {"variable": attribute.get("variable", True), "code": attribute["code"],
                "datatype": attribute["datatype"], "required": attribute.get("required", False),
                "datatype_description": attribute.get("datatype_description"), "order": order,
                "description": attribute["description"]}
        if attribute.get("values"):
            item["values"] = [{"key": value["key"], "name": value["name"]} for value in attribute["values"]]
        attributes.append(item)
    return {"service_code": category.code, "attributes": attributes}


def request_dict(ticket: Ticket, extra: Open311Request | None, extensions: bool = False,
                 history: list[TicketEvent] | None = None) -> dict:
    category = ticket.category
    description = extra.description if extra is not None else ticket.content
    secrets = reporter_secrets(ticket, extra)
    item = {
        "service_request_id": ticket.ticket_no,
        "status": open_or_closed(ticket.status),
        "status_notes": public_text(ticket.reply_text, secrets),
        "service_name": category.name if category else None,
        "service_code": category.code if category else "",
        "description": (public_text(description, secrets) or "")[:4000] or None,
        "agency_responsible": ticket.lead_unit.name if ticket.lead_unit else None,
        "service_notice": category.service_notice if category else None,
        "requested_datetime": iso(ticket.received_at),
        "updated_datetime": iso(ticket.updated_at),
        "expected_datetime": iso(ticket.reply_due),
        "address": ticket.address,
        "address_id": extra.address_id if extra is not None else None,
        "zipcode": None,
        "lat": ticket.lat,
        "long": ticket.lng,
        "media_url": extra.media_url if extra is not None else None,
    }
    if extensions:
        item.update({
            "detailed_status": ticket.status,
            "detailed_status_name": CHINESE_NAMES.get(ticket.status, ticket.status),
            "channel": ticket.channel,
            "duplicate": ticket.status == "merged",
            "parent_service_request_id": ticket.parent.ticket_no if ticket.parent else None,
            "notes": [note_dict(event) for event in history or []],
        })
    return item


def action_name(action: str) -> str:
    """What happened, in words anyone may read (never the event's internal notes)."""
    if action in RULES:
        return RULES[action].chinese
    return {EventKind.RECEIVE: "受理"}.get(action, CHINESE_NAMES.get(action, "状态更新"))


def note_dict(event: TicketEvent) -> dict:
    """One step of a ticket's public history: when, to which status, what happened (no internal notes)."""
    status = event.to_status or ""
    return {"datetime": iso(event.at), "status": open_or_closed(status), "detailed_status": status,
            "description": action_name(event.action)}


def update_dict(event: TicketEvent, ticket: Ticket) -> dict:
    status = event.to_status or ticket.status
    description = action_name(event.action)
    if event.action == "reply" and ticket.reply_text:
        description = public_text(ticket.reply_text, reporter_secrets(ticket, None))
    return {"update_id": str(event.id), "service_request_id": ticket.ticket_no,
            "status": UPDATE_STATUSES.get(status, "open"), "updated_datetime": iso(event.at),
            "description": description, "media_url": None, "detailed_status": status}


def discovery_dict(base_url: str) -> dict:
    endpoint = {"specification": SPECIFICATION, "url": base_url, "changeset": CHANGESET, "type": "production",
                "formats": ["application/json", "text/xml"]}
    return {"changeset": CHANGESET, "contact": current_app.config["OPEN311_CONTACT"],
            "key_service": "向 12345 热线管理员申请 open311 渠道的 API 密钥（flask apikey create --channel open311）",
            "endpoints": [endpoint]}


# --- rendering ------------------------------------------------------------------------------------

# Characters XML 1.0 cannot carry at all (an unknown id in a URL may hold them): dropped from XML texts.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def portable(value: Any) -> Any:
    """The payload with every text as XML will read it back (line ends as \n, no characters XML 1.0
    cannot carry), so that the JSON and the XML answers say exactly the same."""
    if isinstance(value, str):
        return _NOT_XML.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    if isinstance(value, list):
        return [portable(item) for item in value]
    if isinstance(value, dict):
        return {key: portable(item) for key, item in value.items()}
    return value


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list):
        item_name = ITEM_NAMES.get(element.tag, "item")
        for child in value:
            _fill(ET.SubElement(element, item_name), child)
    else:
        element.text = _text(value)


def to_xml(root: str, payload: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, payload)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


def render(fmt: str, root: str, payload: Any, status: int = 200) -> Response:
    """`payload` as JSON or as XML under the element `root` (lists itemised by ITEM_NAMES)."""
    payload = portable(payload)
    if fmt == "xml":
        return Response(to_xml(root, payload), status=status, mimetype="text/xml")
    response = jsonify(payload)
    response.status_code = status
    return response


def requested_format() -> str:
    """The format an answer (an error too) is wanted in: the path's suffix, JSON when it has none."""
    return "xml" if request.path.lower().endswith(".xml") else "json"


def error_response(status: int, description: str) -> Response:
    """The spec's error list, in the requested format."""
    return render(requested_format(), "errors", [{"code": status, "description": description}], status)
