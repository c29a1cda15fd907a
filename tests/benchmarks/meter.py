"""Counts the DynamoDB units each call of a handler consumes, by DynamoDB's own rules.

Every write is weighed on the item before and after it (read straight from the
embedded table, not through the API, so the reading is neither counted nor timed as
the handler's), so updates, transactions and index entries are charged as DynamoDB
would charge them.
"""

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from tests.benchmarks.capacity import (
    Attributes,
    TableShape,
    item_size,
    read_units,
    write_units,
)

_READS = frozenset({"GetItem", "Query"})
_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems"})

Bucket = Callable[[str, Attributes], str]
"""Names the part of the bill an item belongs to, from its table and key."""

Reader = Callable[[str, Attributes], Attributes | None]
"""The item of a table under a key, in DynamoDB's wire form, as stored right now."""


@dataclass
class Usage:
    """The units one part of the bill (a table, or a kind of item) consumed."""

    item_writes: float = 0.0
    index_writes: float = 0.0
    reads: float = 0.0
    moto_writes: float = 0.0
    moto_reads: float = 0.0
    failed_writes: int = 0
    calls: Counter[str] = field(default_factory=Counter)

    @property
    def writes(self) -> float:
        """Item and index writes together."""
        return self.item_writes + self.index_writes

    def add(self, other: "Usage") -> None:
        """Add ``other``'s figures to these."""
        self.item_writes += other.item_writes
        self.index_writes += other.index_writes
        self.reads += other.reads
        self.moto_writes += other.moto_writes
        self.moto_reads += other.moto_reads
        self.failed_writes += other.failed_writes
        self.calls.update(other.calls)

    def as_dict(self) -> dict[str, Any]:
        """Plain figures, for the JSON report."""
        return {
            "item_writes": self.item_writes,
            "index_writes": self.index_writes,
            "writes": self.writes,
            "reads": self.reads,
            "moto_writes": self.moto_writes,
            "moto_reads": self.moto_reads,
            "failed_writes": self.failed_writes,
            "calls": dict(self.calls),
        }


@dataclass(frozen=True)
class _Target:
    kind: str
    table: str
    key: dict[str, Any]
    attempted: Attributes | None = None


class UnitMeter:
    """Observes DynamoDB calls and adds their units to a :class:`Usage` per bucket."""

    def __init__(self, shapes: Mapping[str, TableShape], bucket: Bucket, read: Reader) -> None:
        self._shapes = shapes
        self._bucket = bucket
        self._read_item = read
        self.usage: dict[str, Usage] = {}

    def reset(self) -> None:
        """Forget what was counted so far."""
        self.usage = {}

    def snapshot(self) -> dict[str, Usage]:
        """What was counted since the last reset."""
        return dict(self.usage)

    def observe(self, operation: str, params: Mapping[str, Any], call: Callable[[], Any]) -> Any:
        """Run ``call`` (the API call itself) and count what it consumed."""
        if operation in _READS:
            response = call()
            self._read(operation, params, response)
            return response
        if operation not in _WRITES:
            self._part(params.get("TableName", "?"), {}).calls[operation] += 1
            return call()
        targets = self._targets(operation, params)
        transactional = operation == "TransactWriteItems"
        before = [self._current(target) for target in targets]
        try:
            response = call()
        except ClientError:
            for target, old in zip(targets, before, strict=True):
                self._charge_refused(target, old, transactional)
            self._count_call(operation, targets)
            raise
        for target, old in zip(targets, before, strict=True):
            self._charge(target, old, self._current(target), transactional)
        self._count_call(operation, targets)
        self._reported(targets[0].table, targets[0].key, response, write=True)
        return response

    def _part(self, table: str, key: Attributes) -> Usage:
        return self.usage.setdefault(self._bucket(table, key), Usage())

    def _read(self, operation: str, params: Mapping[str, Any], response: Mapping[str, Any]) -> None:
        table = params["TableName"]
        key = params.get("Key", {})
        consistent = bool(params.get("ConsistentRead", False))
        if operation == "GetItem":
            size = item_size(response.get("Item"))
        else:
            size = sum(item_size(item) for item in response.get("Items", []))
        part = self._part(table, key)
        part.reads += read_units(size, consistent=consistent)
        part.calls[operation] += 1
        self._reported(table, key, response, write=False)

    def _targets(self, operation: str, params: Mapping[str, Any]) -> list[_Target]:
        if operation != "TransactWriteItems":
            entries = [(operation.removesuffix("Item"), params)]
        else:
            entries = [next(iter(entry.items())) for entry in params["TransactItems"]]
        targets = []
        for kind, body in entries:
            shape = self._shapes[body["TableName"]]
            item = body.get("Item")
            key = shape.key_of(item) if item is not None else dict(body["Key"])
            targets.append(_Target(kind=kind, table=body["TableName"], key=key, attempted=item))
        return targets

    def _current(self, target: _Target) -> Attributes | None:
        return self._read_item(target.table, target.key)

    def _charge(
        self,
        target: _Target,
        before: Attributes | None,
        after: Attributes | None,
        transactional: bool,
    ) -> None:
        part = self._part(target.table, target.key)
        size = max(item_size(before), item_size(after))
        part.item_writes += write_units(size) * (2 if transactional else 1)
        if target.kind != "ConditionCheck":
            part.index_writes += self._shapes[target.table].index_units(before, after)

    def _charge_refused(
        self, target: _Target, before: Attributes | None, transactional: bool
    ) -> None:
        part = self._part(target.table, target.key)
        size = max(item_size(before), item_size(target.attempted))
        part.item_writes += write_units(size) * (2 if transactional else 1)
        part.failed_writes += 1

    def _count_call(self, operation: str, targets: list[_Target]) -> None:
        if operation != "TransactWriteItems":
            self._part(targets[0].table, targets[0].key).calls[operation] += 1
            return
        for target in targets:
            self._part(target.table, target.key).calls[f"Transact{target.kind}"] += 1

    def _reported(
        self, table: str, key: Attributes, response: Mapping[str, Any], *, write: bool
    ) -> None:
        consumed = response.get("ConsumedCapacity")
        if not consumed:
            return
        entries = [consumed] if isinstance(consumed, Mapping) else list(consumed)
        units = sum(float(entry.get("CapacityUnits", 0.0)) for entry in entries)
        part = self._part(table, key)
        if write:
            part.moto_writes += units
        else:
            part.moto_reads += units
