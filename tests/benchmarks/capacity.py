"""DynamoDB's documented capacity rules, applied to the items a call reads and writes.

moto answers ``ConsumedCapacity`` with fixed figures (1.0 for a put, 0.5 for a get or
an update, nothing for a transaction), so the units are worked out here instead, from
the items themselves:

- an item's size is the sum of its attribute names (UTF-8 bytes) and values: strings
  and binaries by their bytes, numbers by about one byte per two significant digits
  plus one, booleans and nulls one byte, lists and maps three bytes plus their
  elements plus one byte per element, sets the sum of their elements;
- a write costs one unit per started kilobyte of the larger of the item before and
  after it, two inside a transaction;
- a global secondary index whose key attributes the item carries costs one unit per
  started kilobyte of its entry (table keys, index keys, projected attributes) when an
  entry appears, disappears or changes; a changed index key costs a delete and a put;
- a read costs half a unit per started 4 KB, eventually consistent, a whole unit
  strongly consistent; a query adds up the items it returns before rounding.
"""

import base64
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tests.support.cfn import table_create_kwargs

WRITE_UNIT_BYTES = 1024
READ_UNIT_BYTES = 4096

AttributeValue = Mapping[str, Any]
Attributes = Mapping[str, AttributeValue]


def number_size(text: str) -> int:
    """Bytes DynamoDB counts for the number written as ``text``."""
    mantissa = text.strip().lstrip("+-").lower().partition("e")[0]
    significant = mantissa.replace(".", "").strip("0")
    return math.ceil(max(len(significant), 1) / 2) + 1


def _binary(data: Any) -> int:
    # Clients hold bytes; the wire (and moto's store) holds base64 text.
    return len(base64.b64decode(data) if isinstance(data, str) else bytes(data))


def _list(items: Iterable[AttributeValue]) -> int:
    return 3 + sum(value_size(item) + 1 for item in items)


def _map(entries: Attributes) -> int:
    return 3 + sum(len(name.encode()) + value_size(value) + 1 for name, value in entries.items())


_SIZES: dict[str, Callable[[Any], int]] = {
    "S": lambda data: len(data.encode()),
    "N": number_size,
    "B": _binary,
    "BOOL": lambda _: 1,
    "NULL": lambda _: 1,
    "SS": lambda data: sum(len(text.encode()) for text in data),
    "NS": lambda data: sum(number_size(text) for text in data),
    "BS": lambda data: sum(_binary(blob) for blob in data),
    "L": _list,
    "M": _map,
}


def value_size(value: AttributeValue) -> int:
    """Bytes of one attribute value in DynamoDB's wire form (``{"S": "..."}``)."""
    [(kind, data)] = value.items()
    return _SIZES[kind](data)


def item_size(item: Attributes | None) -> int:
    """Bytes of an item in DynamoDB's wire form; an absent item weighs nothing."""
    if not item:
        return 0
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def write_units(size: int) -> int:
    """Write units of one item of ``size`` bytes outside a transaction."""
    return max(1, math.ceil(size / WRITE_UNIT_BYTES))


def read_units(size: int, *, consistent: bool) -> float:
    """Read units of ``size`` bytes read in one call."""
    blocks = max(1, math.ceil(size / READ_UNIT_BYTES))
    return blocks * (1.0 if consistent else 0.5)


@dataclass(frozen=True)
class Index:
    """A global secondary index: its key attributes and what it projects."""

    name: str
    keys: tuple[str, ...]
    table_keys: tuple[str, ...]
    projection: str
    non_key: frozenset[str] = frozenset()

    def entry(self, item: Attributes | None) -> dict[str, AttributeValue] | None:
        """The index entry ``item`` has, or ``None`` when it lacks an index key."""
        if item is None or any(key not in item for key in self.keys):
            return None
        if self.projection == "ALL":
            return dict(item)
        wanted = {*self.table_keys, *self.keys}
        if self.projection == "INCLUDE":
            wanted |= self.non_key
        return {name: value for name, value in item.items() if name in wanted}

    def write_units(self, before: Attributes | None, after: Attributes | None) -> int:
        """Units the index consumes when an item goes from ``before`` to ``after``."""
        old, new = self.entry(before), self.entry(after)
        if old is None and new is None:
            return 0
        if old is None or new is None:
            return write_units(item_size(old or new))
        if any(old[key] != new[key] for key in self.keys):
            return write_units(item_size(old)) + write_units(item_size(new))
        if old != new:
            return write_units(max(item_size(old), item_size(new)))
        return 0


@dataclass(frozen=True)
class TableShape:
    """A table's key attributes and global secondary indexes, as the template declares."""

    name: str
    keys: tuple[str, ...]
    indexes: tuple[Index, ...] = ()

    def key_of(self, item: Attributes) -> dict[str, AttributeValue]:
        """The primary key of ``item``."""
        return {name: item[name] for name in self.keys}

    def index_units(self, before: Attributes | None, after: Attributes | None) -> int:
        """Units every index of the table consumes for one item's change."""
        return sum(index.write_units(before, after) for index in self.indexes)


def table_shape(template: dict[str, Any], logical_id: str) -> TableShape:
    """The shape of a table resource of the template (its name is its logical id)."""
    kwargs = table_create_kwargs(template, logical_id)
    keys = tuple(element["AttributeName"] for element in kwargs["KeySchema"])
    indexes = tuple(
        Index(
            name=index["IndexName"],
            keys=tuple(element["AttributeName"] for element in index["KeySchema"]),
            table_keys=keys,
            projection=index["Projection"]["ProjectionType"],
            non_key=frozenset(index["Projection"].get("NonKeyAttributes", ())),
        )
        for index in kwargs.get("GlobalSecondaryIndexes", [])
    )
    return TableShape(name=kwargs["TableName"], keys=keys, indexes=indexes)
