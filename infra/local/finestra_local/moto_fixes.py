"""Three corrections to moto 5.2.5 that the local stack and the tests need at scale.

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
from moto.dynamodb.models.table import StreamShard
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
# once per item, to restore it if the transaction fails, and a table's copy includes its
# whole stream (two item images for every write the table has seen), so each
# transaction costs more than the last. During a transaction the stream is shared with
# the backup instead of copied; stream records are only ever appended, so a failed
# transaction truncates the stream back to where it stood.

_sharing = threading.local()


def _shard_deepcopy(self: StreamShard, memo: dict[int, Any]) -> StreamShard:
    if getattr(_sharing, "active", False):
        return self
    clone: StreamShard = object.__new__(StreamShard)
    memo[id(self)] = clone
    for name, value in vars(self).items():
        setattr(clone, name, copy.deepcopy(value, memo))
    return clone


_ORIGINAL_TRANSACT = DynamoDBBackend.transact_write_items


def _transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    streams = {
        name: (table.stream_shard, len(table.stream_shard.items))
        for name, table in self.tables.items()
        if table.stream_shard is not None
    }
    _sharing.active = True
    try:
        _ORIGINAL_TRANSACT(self, transact_items)
    except Exception:
        for shard, length in streams.values():
            del shard.items[length:]
        raise
    finally:
        _sharing.active = False


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
            StreamShard.__deepcopy__ = _shard_deepcopy  # type: ignore[attr-defined]
            DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]
            Item.__init__ = _item_init  # type: ignore[method-assign]
            _done = True
