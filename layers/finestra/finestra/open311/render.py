"""GeoReport v2 documents as JSON or XML, in the specification's content types and dates."""

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel

from finestra.open311.models import Error

Format = Literal["json", "xml"]

CONTENT_TYPES: dict[Format, str] = {
    "json": "application/json; charset=utf-8",
    "xml": "text/xml; charset=utf-8",
}

_ITEMS = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}
"""The element each item of a nested list is written as, by the list's element name."""


def w3c_datetime(moment: datetime) -> str:
    """A moment as the specification writes it: W3C/ISO 8601 to the second, with offset."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def parse_w3c_datetime(text: str) -> datetime:
    """Read a date of a query; one without an offset is refused, being ambiguous."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("a date needs its offset")
    return moment


def split_format(document: str) -> tuple[str, Format]:
    """Split ``services.json`` into ``services`` and ``json``; a ``ValueError`` otherwise."""
    name, dot, suffix = document.rpartition(".")
    if not dot or not name or suffix not in CONTENT_TYPES:
        raise ValueError("the path ends in neither .json nor .xml")
    return name, suffix


def document(root: str, item: str, resources: Iterable[BaseModel], fmt: Format) -> str:
    """A list of resources: a JSON array, or ``<root>`` holding one ``<item>`` each."""
    dumped = [r.model_dump(mode="json") for r in resources]
    if fmt == "json":
        return json.dumps(dumped, ensure_ascii=False)
    element = ET.Element(root)
    for fields in dumped:
        _fill(ET.SubElement(element, item), fields)
    return _xml(element)


def single(root: str, resource: BaseModel | Mapping[str, Any], fmt: Format) -> str:
    """One resource that is a document of its own (a service definition, the discovery)."""
    fields = resource.model_dump(mode="json") if isinstance(resource, BaseModel) else resource
    if fmt == "json":
        return json.dumps(fields, ensure_ascii=False)
    element = ET.Element(root)
    _fill(element, fields)
    return _xml(element)


def errors(found: Iterable[Error], fmt: Format) -> str:
    """The specification's error body: ``[{"code": 400, ...}]`` or ``<errors><error>``."""
    return document("errors", "error", found, fmt)


def _fill(element: ET.Element, fields: Mapping[str, Any]) -> None:
    for name, value in fields.items():
        child = ET.SubElement(element, name)
        if isinstance(value, list):
            for entry in value:
                _put(ET.SubElement(child, _ITEMS.get(name, "item")), entry)
        else:
            _put(child, value)


def _put(element: ET.Element, value: Any) -> None:
    if isinstance(value, Mapping):
        _fill(element, value)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


def _xml(element: ET.Element) -> str:
    body = ET.tostring(element, encoding="unicode")
    return f'<?xml version="1.0" encoding="utf-8"?>{body}'
