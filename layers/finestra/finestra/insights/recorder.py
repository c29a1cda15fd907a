"""The insights as a consumer of the table's stream: counters and open-data rows, each once.

A change of a request keeps its open-data row (conditional on the row's version) and
moves the insight counters against the request's insight tally; a survey answer or an
opinion adds its rating and sentiment once, marked by an item of its own. Records of
anything else are not the insights' (``None``).
"""

import time
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from finestra.domain.catalogue import Catalogue
from finestra.domain.errors import MalformedInput
from finestra.domain.vocabulary import FINAL_STATES
from finestra.insights.counting import (
    NO_VALUE,
    REPEAT_WINDOW,
    Counts,
    InsightImage,
    InsightTally,
    Observation,
    count_observation,
    count_request,
)
from finestra.insights.opendata import OpenDataLayout, OpenDataStore
from finestra.insights.store import InsightStore
from finestra.stats.counting import city_date
from finestra.stats.stream import StreamOutcome
from finestra.storage import keys
from finestra.storage.table import Item, Table, TransactionConflict, deserialise

__all__ = ["InsightRecorder"]

ATTEMPTS: Final = 4
_BACKOFF_S: Final = 0.05
_CHANGES: Final = frozenset({"INSERT", "MODIFY"})
_OBSERVED: Final = frozenset({"survey_answer", "opinion"})
_METRICS: Final = {
    "counted": "InsightsCounted",
    "unchanged": "InsightsUnchanged",
    "seen": "InsightsSeen",
    "nothing": "InsightsNothingToCount",
}


class InsightRecorder:
    """Counts requests, survey answers and opinions into the insight counters.

    Parameters
    ----------
    table
        The one table, which holds the tallies, marks, counters and rows too.
    catalogue
        The themes (names and whether a location is public) and the territory.
    zone
        The city's time zone: it decides the day everything counts on.
    """

    def __init__(
        self,
        table: Table,
        catalogue: Catalogue,
        zone: ZoneInfo,
        *,
        sleep: Callable[[float], None] = time.sleep,
        attempts: int = ATTEMPTS,
    ) -> None:
        self._table = table
        self._store = InsightStore(table)
        self._rows = OpenDataStore(table)
        self._layout = OpenDataLayout(catalogue, zone)
        self._zone = zone
        self._sleep = sleep
        self._attempts = attempts

    def handle(self, record: Mapping[str, Any]) -> StreamOutcome | None:
        """Count one stream record; ``None`` when it is not a request, answer or opinion.

        Raises
        ------
        MalformedInput
            When the item lacks what the insights read.
        TransactionConflict
            When other writers held an item on every attempt.
        """
        if record.get("eventName") not in _CHANGES:
            return None
        change = record.get("dynamodb") or {}
        new = change.get("NewImage") or {}
        kind = (new.get("type") or {}).get("S")
        if kind == "request":
            old = change.get("OldImage")
            return self._retried(lambda: self._request(old, new))
        if kind in _OBSERVED:
            return self._retried(lambda: self._observation(str(kind), deserialise(new)))
        return None

    def _retried(self, attempt: Callable[[], StreamOutcome]) -> StreamOutcome:
        for number in range(1, self._attempts):
            try:
                return attempt()
            except TransactionConflict as exc:
                if exc.reasons[:1] != ["ConditionalCheckFailed"]:
                    self._sleep(_BACKOFF_S * 2**number)
        return attempt()

    def _request(self, old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> StreamOutcome:
        image = _image(new, "dynamodb.NewImage")
        was_final = old is not None and _state(old) in FINAL_STATES
        row = self._rows.keep(image, self._layout, ended_before=was_final)
        before = self._store.tally(image.reference)
        fields: dict[str, str | int | bool] = {"reference": image.reference, "open_data": row}
        if before is not None and before.version >= image.version:
            return _outcome("seen", fields)
        repeat = before.repeat if before is not None else self._repeat(image)
        tally = InsightTally.of(image, self._zone, repeat=repeat)
        ended_before = before.final if before is not None else was_final
        counts = count_request(before, ended_before, image, tally, self._zone)
        moved = before is None or before.model_copy(update={"version": tally.version}) != tally
        if not counts.increments and not moved:
            return _outcome("unchanged", fields)
        self._store.record(before, tally, counts)
        return _outcome("counted", {**fields, **_summary(counts)})

    def _repeat(self, image: InsightImage) -> bool:
        if image.citizen_id is None:
            return False
        created = image.created_at.astimezone(UTC)
        items, _ = self._table.query(
            "GSI1PK = :pk AND GSI1SK BETWEEN :from AND :to",
            {
                ":pk": f"CITIZEN#{image.citizen_id}",
                ":from": f"REQUEST#{(created - REPEAT_WINDOW).isoformat()}",
                ":to": f"REQUEST#{created.isoformat()}",
            },
            index="GSI1",
            limit=3,
        )
        own = keys.request(image.reference)["PK"]
        return any(item.get("PK") != own for item in items)

    def _observation(self, kind: str, item: Item) -> StreamOutcome:
        key = {"PK": str(item["PK"]), "SK": str(item["SK"])}
        fields: dict[str, str | int | bool] = {"kind": kind}
        observation = self._observed(kind, item)
        counts = count_observation(observation)
        if not counts.increments:
            return _outcome("nothing", fields)
        if self._store.counted(key):
            return _outcome("seen", fields)
        try:
            self._store.record_once(key, counts)
        except TransactionConflict as exc:
            if exc.reasons[:1] == ["ConditionalCheckFailed"]:
                return _outcome("seen", fields)
            raise
        return _outcome("counted", {**fields, **_summary(counts)})

    def _observed(self, kind: str, item: Item) -> Observation:
        opinion = kind == "opinion"
        profile = self._profile(item) if opinion or "language" not in item else {}
        first, second = (profile, item) if opinion else (item, profile)
        facts = {**_present(second), **_present(first)}
        try:
            return Observation(
                day=self._day(item),
                district=str(facts.get("district_code") or NO_VALUE),
                neighbourhood=str(facts.get("neighbourhood_code") or NO_VALUE),
                theme=str(item.get("theme_code") or NO_VALUE),
                channel=str(item.get("channel" if opinion else "input_channel") or NO_VALUE),
                language=str(facts.get("language") or NO_VALUE),
                rating=None if opinion else _rating(item),
                sentiment=_sentiment(item.get("sentiment")),
                sentiment_method=str(item.get("sentiment_method") or "") or None,
            )
        except (ValidationError, TypeError, ValueError) as exc:
            raise MalformedInput(
                f"is not a {kind} the insights can count", field="dynamodb.NewImage"
            ) from exc

    def _profile(self, item: Item) -> Item:
        citizen = item.get("citizen_id")
        if not citizen:
            return {}
        return self._table.get(keys.citizen(str(citizen))) or {}

    def _day(self, item: Item) -> date:
        if item.get("answered_on"):
            return date.fromisoformat(str(item["answered_on"]))
        return city_date(datetime.fromisoformat(str(item["at"])), self._zone)


def _present(item: Mapping[str, Any]) -> dict[str, Any]:
    wanted = ("district_code", "neighbourhood_code", "language")
    return {name: item[name] for name in wanted if item.get(name)}


def _rating(item: Mapping[str, Any]) -> int | None:
    rating = item.get("rating")
    return None if rating is None else int(rating)


def _sentiment(value: object) -> str | None:
    if isinstance(value, Mapping):
        value = value.get("label")
    return str(value).lower() if value else None


def _state(image: Mapping[str, Any]) -> str | None:
    state = (image.get("state") or {}).get("S")
    return str(state) if state else None


def _image(image: Mapping[str, Any], field: str) -> InsightImage:
    wanted = {k: v for k, v in image.items() if k in InsightImage.model_fields}
    try:
        return InsightImage.model_validate(deserialise(wanted))
    except (ValidationError, TypeError, ValueError) as exc:
        raise MalformedInput("is not a request the insights can count", field=field) from exc


def _summary(counts: Counts) -> dict[str, str | int | bool]:
    return {"events": ",".join(counts.events), "counters": len(counts.increments)}


def _outcome(outcome: str, fields: dict[str, str | int | bool]) -> StreamOutcome:
    return StreamOutcome(
        consumer="insights", outcome=outcome, metric=_METRICS[outcome], fields=dict(fields)
    )
