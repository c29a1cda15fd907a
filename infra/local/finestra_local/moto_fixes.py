"""Four corrections to moto 5.2.5 that the local stack and the tests need at scale.

``BackendDict._create_account_specific_backend`` runs on every access to a service's
backend and checks ``self not in BackendDict._instances``: a membership test on a list
of dicts, which compares dicts by value, so every AWS call deep-compares every
service's whole state. The cost grows with the data: a few hundred requests through the
workflow spend most of their time, and gigabytes, there. The correction makes the check
by identity, which is what the list is for. It has not been reported upstream yet;
:func:`needed` tells whether a moto upgrade still carries the slow check.
"""

import copy
import inspect
import threading
from typing import Any, Final

from moto.core import base_backend
from moto.core.base_backend import AccountSpecificBackend, BackendDict
from moto.dynamodb.exceptions import ItemSizeTooLarge
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.models.table import StreamShard, Table
from moto.dynamodb.models.utilities import bytesize

_SLOW_CHECK = "if self not in BackendDict._instances"
_applied = threading.Lock()
_done = False


def needed() -> bool:
    """Whether moto still compares backends by value and copies whole tables."""
    transact = inspect.getsource(_ORIGINAL_TRANSACT)
    return _SLOW_CHECK in inspect.getsource(_ORIGINAL) and "copy.deepcopy(" in transact


def _create_account_specific_backend(self: BackendDict, account_id: str) -> None:  # type: ignore[type-arg]
    with base_backend.backend_lock:
        if account_id not in self:
            self[account_id] = AccountSpecificBackend(
                service_name=self.service_name,
                account_id=account_id,
                backend=self.backend,
                use_boto3_regions=self._use_boto3_regions,
                additional_regions=self._additional_regions,
            )
        if not any(instance is self for instance in BackendDict._instances):  # type: ignore[misc]
            BackendDict._instances.append(self)  # type: ignore[misc]


_ORIGINAL = BackendDict._create_account_specific_backend


# The second correction: moto's TransactWriteItems deep-copies every table it touches,
# once per item, to restore it if the transaction fails. The copy costs time in
# proportion to the whole table (seconds per transaction once the demo city is in it),
# and it iterates the table's dicts while moto's server threads write to them, which
# fails with "dictionary changed size during iteration". During a transaction a table
# and its stream are shared with the backup instead of copied, and a journal keeps the
# prior state of only the items the transaction names: a failed transaction puts those
# items back and truncates the stream to where it stood (stream records are only ever
# appended). Transactions also run one at a time: moto checks every condition and then
# writes, so two threads' transactions on the same item could both pass their checks,
# where DynamoDB, whose transactions are serializable, fails one of them.

_sharing = threading.local()
_serial = threading.RLock()


def _shared_deepcopy(self: Any, memo: dict[int, Any]) -> Any:
    if getattr(_sharing, "active", False):
        return self
    clone = object.__new__(type(self))
    memo[id(self)] = clone
    for name, value in vars(self).items():
        setattr(clone, name, copy.deepcopy(value, memo))
    return clone


_Saved = tuple[Table, DynamoType, DynamoType | None, Item | None]


def _journal(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> list[_Saved]:
    """The prior state of every item the transaction names, copied."""
    saved: list[_Saved] = []
    for entry in transact_items:
        if len(entry) != 1:
            continue
        op = next(iter(entry.values()))
        table = backend.tables.get(op.get("TableName"))
        key = op.get("Item") if "Item" in op else op.get("Key")
        if table is None or not isinstance(key, dict) or table.hash_key_attr not in key:
            continue
        hash_value = DynamoType(key[table.hash_key_attr])
        range_value = None
        if table.range_key_attr is not None:
            if table.range_key_attr not in key:
                continue
            range_value = DynamoType(key[table.range_key_attr])
        rows: Any = table.items
        current = (
            rows.get(hash_value)
            if range_value is None
            else rows.get(hash_value, {}).get(range_value)
        )
        saved.append((table, hash_value, range_value, copy.deepcopy(current)))
    return saved


def _restore(saved: list[_Saved]) -> None:
    for table, hash_value, range_value, item in reversed(saved):
        _written(table)
        items: Any = table.items
        if range_value is None:
            if item is None:
                items.pop(hash_value, None)
            else:
                items[hash_value] = item
            continue
        rows = items.get(hash_value)
        if item is not None:
            items[hash_value][range_value] = item
        elif rows is not None:
            rows.pop(range_value, None)
            if not rows:
                items.pop(hash_value, None)


_ORIGINAL_TRANSACT = DynamoDBBackend.transact_write_items


def _transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    with _serial:
        _transact_alone(self, transact_items)


def _transact_alone(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    streams = {
        name: (table.stream_shard, len(table.stream_shard.items))
        for name, table in self.tables.items()
        if table.stream_shard is not None
    }
    saved = _journal(self, transact_items)
    _sharing.active = True
    try:
        _ORIGINAL_TRANSACT(self, transact_items)
    except Exception:
        _restore(saved)
        for shard, length in streams.values():
            del shard.items[length:]
        raise
    finally:
        _sharing.active = False


# The fourth correction: moto answers a Query on a global secondary index by sorting
# and testing every item of the table, so each index query costs time in proportion to
# the whole table (tens of milliseconds once the demo city is in it, for a worklist
# that runs a hundred of them). For a table with a stream, whose every write passes
# through the stream shard, the items are grouped once per index attribute and value,
# and each write then moves the one item it wrote between the groups (a failed
# transaction, which puts items back without the stream, drops the grouping instead);
# a query tests only the items whose index key matches, which moto's own loop checks
# again as before, and moto sorts what it keeps by the index's range key. A Query
# of the table itself reads only the partition it names, where moto would sort the
# whole table first.

_narrowed = threading.local()
_grouping = threading.RLock()
_ORIGINAL_ADD = StreamShard.add
_ORIGINAL_ALL_ITEMS = Table.all_items
_ORIGINAL_QUERY = Table.query


def _written(table: Table) -> None:
    """Drop the table's grouping: the next index query builds it again."""
    with _grouping:
        table.__dict__["_finestra_writes"] = table.__dict__.get("_finestra_writes", 0) + 1


def _same_key(a: Item, b: Item) -> bool:
    return bool(a.hash_key == b.hash_key and a.range_key == b.range_key)


def _regroup(
    groups: dict[str, dict[DynamoType, list[Item]]], old: Item | None, new: Item | None
) -> None:
    """Move the one written item between each grouping's values."""
    written = new if new is not None else old
    if written is None:
        return
    for attribute, grouped in groups.items():
        for value in {
            v for v in (getattr(i, "attrs", {}).get(attribute) for i in (old, new)) if v is not None
        }:
            members = grouped.get(value)
            if members is not None:
                members[:] = [member for member in members if not _same_key(member, written)]
                if not members:
                    del grouped[value]
        value = new.attrs.get(attribute) if new is not None else None
        if value is not None:
            grouped.setdefault(value, []).append(new)  # type: ignore[arg-type]


def _shard_add(self: StreamShard, old: Item | None, new: Item | None) -> None:
    with _grouping:
        cached = self.table.__dict__.get("_finestra_groups")
        writes = self.table.__dict__.get("_finestra_writes", 0)
        if cached is not None and cached[0] == writes:
            _regroup(cached[1], old, new)
        else:
            _written(self.table)
    _ORIGINAL_ADD(self, old, new)


def _grouped(table: Table, attribute: str) -> dict[DynamoType, list[Item]]:
    """The table's items by their value of ``attribute``, in moto's scan order."""
    with _grouping:
        return _grouping_of(table, attribute)


def _grouping_of(table: Table, attribute: str) -> dict[DynamoType, list[Item]]:
    writes = table.__dict__.get("_finestra_writes", 0)
    cached = table.__dict__.get("_finestra_groups")
    if cached is None or cached[0] != writes:
        cached = (writes, {})
        table.__dict__["_finestra_groups"] = cached
    groups: dict[str, dict[DynamoType, list[Item]]] = cached[1]
    if attribute not in groups:
        for _ in range(5):
            try:
                every = _ORIGINAL_ALL_ITEMS(table)
                break
            except RuntimeError:  # a server thread wrote meanwhile
                continue
        else:
            every = _ORIGINAL_ALL_ITEMS(table)
        grouped: dict[DynamoType, list[Item]] = {}
        for item in every:
            value = item.attrs.get(attribute)
            if value is not None:
                grouped.setdefault(value, []).append(item)
        groups[attribute] = grouped
    return groups[attribute]


def _all_items(self: Table) -> list[Item]:
    narrowed = getattr(_narrowed, "items", None)
    if narrowed is not None and narrowed[0] is self:
        return list(narrowed[1])
    return _ORIGINAL_ALL_ITEMS(self)


def _partition(table: Table, hash_key: DynamoType) -> list[Item]:
    """The items under one partition key, copied (a server thread may be writing)."""
    for _ in range(5):
        try:
            rows: Any = table.items.get(hash_key)
            if rows is None:
                return []
            return list(rows.values()) if table.range_key_attr else [rows]
        except RuntimeError:
            continue
    return [item for item in _ORIGINAL_ALL_ITEMS(table) if item.hash_key == hash_key]


def _query(self: Table, *args: Any, **kwargs: Any) -> Any:
    index_name = kwargs.get("index_name", args[7] if len(args) > 7 else None)
    if index_name is None:
        hash_key = kwargs.get("hash_key", args[0] if args else None)
        if hash_key is None:
            return _ORIGINAL_QUERY(self, *args, **kwargs)
        _narrowed.items = (self, _partition(self, hash_key))
        try:
            return _ORIGINAL_QUERY(self, *args, **kwargs)
        finally:
            _narrowed.items = None
    conditions = kwargs.get("hash_key_conditions")
    if self.stream_shard is None or not conditions or len(conditions) != 1:
        return _ORIGINAL_QUERY(self, *args, **kwargs)
    attribute, value = conditions[0]
    with _grouping:
        _narrowed.items = (self, list(_grouped(self, attribute).get(value, [])))
    try:
        return _ORIGINAL_QUERY(self, *args, **kwargs)
    finally:
        _narrowed.items = None


# The third correction: an item's attributes are kept in a dict that checks the 400 KB
# limit on every insertion by measuring the whole item again, so building an item of n
# attributes measures it n times. Building it measures it once: the sizes only add up,
# so the whole item is over the limit exactly when some insertion would have been.


def _item_init(self: Item, hash_key: DynamoType, range_key: DynamoType | None, attrs: Any) -> None:
    self.hash_key = hash_key
    self.range_key = range_key
    values = {key: DynamoType(value) for key, value in attrs.items()}
    if sum(bytesize(key) + value.size() for key, value in values.items()) > _ITEM_LIMIT:
        raise ItemSizeTooLarge
    self.attrs = LimitedSizeDict()
    dict.update(self.attrs, values)


_ITEM_LIMIT: Final = 405000
"""Moto's own limit, between the 409 and 410 KB that DynamoDB was measured to accept."""


def apply() -> None:
    """Apply the corrections, once per process."""
    global _done  # noqa: PLW0603 - one process-wide switch
    with _applied:
        if not _done:
            BackendDict._create_account_specific_backend = _create_account_specific_backend  # type: ignore[method-assign]
            StreamShard.__deepcopy__ = _shared_deepcopy  # type: ignore[attr-defined]
            Table.__deepcopy__ = _shared_deepcopy  # type: ignore[attr-defined]
            DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]
            Item.__init__ = _item_init  # type: ignore[method-assign]
            StreamShard.add = _shard_add  # type: ignore[method-assign]
            Table.all_items = _all_items  # type: ignore[method-assign]
            Table.query = _query  # type: ignore[method-assign]
            _done = True
