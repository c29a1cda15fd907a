"""Counting the table's stream, one record of a request at a time, each change once."""

import time
from collections.abc import Callable, Mapping
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, ValidationError

from finestra.domain.errors import MalformedInput
from finestra.stats.counting import RequestImage, count_change
from finestra.stats.store import StatsStore
from finestra.storage.table import TransactionConflict, deserialise

__all__ = ["Recorded", "StatsRecorder", "request_images"]

ATTEMPTS: Final = 4
"""How often a change is tried against a tally or a counter another writer holds."""
_BACKOFF_S: Final = 0.05
_CHANGES: Final = frozenset({"INSERT", "MODIFY"})


class Recorded(BaseModel):
    """What one stream record did to the statistics.

    ``seen``: the request's tally already counts this version of it, because the record
    is a replay, or because the write behind it (a note, a reply) kept the version.
    ``unchanged``: a newer version that moves no counter.
    """

    model_config = ConfigDict(frozen=True)

    reference: str
    outcome: Literal["counted", "unchanged", "seen"]
    events: tuple[str, ...] = ()
    counters: int = 0


def request_images(record: Mapping[str, Any]) -> tuple[RequestImage | None, RequestImage] | None:
    """The request before and after the change a stream record carries.

    ``None`` for a record of anything but a request, or a removal. A request image that
    lacks what the statistics read is :class:`MalformedInput`: that record fails.
    """
    if record.get("eventName") not in _CHANGES:
        return None
    change = record.get("dynamodb") or {}
    new = change.get("NewImage") or {}
    if (new.get("type") or {}).get("S") != "request":
        return None
    old = change.get("OldImage")
    before = _image(old, "dynamodb.OldImage") if old else None
    return before, _image(new, "dynamodb.NewImage")


def _image(image: Mapping[str, Any], field: str) -> RequestImage:
    wanted = {k: v for k, v in image.items() if k in RequestImage.model_fields}
    try:
        return RequestImage.model_validate(deserialise(wanted))
    except (ValidationError, TypeError, ValueError) as exc:
        raise MalformedInput("is not a request the statistics can count", field=field) from exc


class StatsRecorder:
    """Adds each change of a request to the day counters, against the request's tally.

    Each record is compared with the tally, not with its own old image, so the counters
    end where the request's latest counted version puts them whatever the order records
    arrive in. One thing is lost that way: if a closing's record fails while a later
    reopening of the same request is counted first, neither the closing nor the reopening
    is counted (the volumes stay right).
    """

    def __init__(
        self,
        store: StatsStore,
        zone: ZoneInfo,
        *,
        sleep: Callable[[float], None] = time.sleep,
        attempts: int = ATTEMPTS,
    ) -> None:
        self._store = store
        self._zone = zone
        self._sleep = sleep
        self._attempts = attempts

    def record(self, record: Mapping[str, Any]) -> Recorded | None:
        """Count one stream record; ``None`` when it is not a change of a request.

        A record of a version the tally already counts writes nothing.

        Raises
        ------
        MalformedInput
            When the record's request image cannot be read.
        TransactionConflict
            When other writers held the tally or a counter on every attempt.
        """
        images = request_images(record)
        if images is None:
            return None
        old, new = images
        for attempt in range(1, self._attempts):
            try:
                return self._count(old, new)
            except TransactionConflict as exc:
                if exc.reasons[:1] != ["ConditionalCheckFailed"]:
                    self._sleep(_BACKOFF_S * 2**attempt)
        return self._count(old, new)

    def _count(self, old: RequestImage | None, new: RequestImage) -> Recorded:
        before = self._store.tally(new.reference)
        if before is not None and before.version >= new.version:
            return Recorded(reference=new.reference, outcome="seen")
        ended_before = before.final if before is not None else old is not None and old.final
        counting = count_change(before, ended_before, new, self._zone)
        if not counting.increments:
            return Recorded(reference=new.reference, outcome="unchanged")
        self._store.record(before, counting)
        return Recorded(
            reference=new.reference,
            outcome="counted",
            events=tuple(counting.events),
            counters=len(counting.increments),
        )
