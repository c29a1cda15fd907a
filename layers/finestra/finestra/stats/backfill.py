"""A one-off backfill of the report counters from the requests stored before them.

The counters are kept from the table's stream (:mod:`finestra.stats.recorder`), so they
start with the statistics function. This walks every request already stored, with a
parallel ``Scan`` in segments, and hands each to the same recorder as a stream record
of its current version. The recorder counts a change only when it is newer than the
request's tally, so a request the stream has counted already is ``seen`` and counts
nothing, and the stream and the backfill may run at the same time: whichever counts a
version first, the other finds its tally. A closed request the backfill finds is counted
as opened on its creation day and closed at its last change.

A ``Scan`` is right here and nowhere else: it runs once, by hand, outside every request
path. It reads every item of the table (requests, their histories, citizens), half a
read unit per 4 KB eventually consistent: a city with a million requests of about 2 KB
and five history entries of 1 KB each holds about 7 GB, some 0.9 million read units
(about $0.11 on demand). Counting is the larger part: per request, a consistent
``GetItem`` of its tally (one unit) and one transaction of the tally and its four
dimensions' counters (five items, ten write units): about a million read units and ten
million write units (about $6.40) per million requests.

Each segment keeps a checkpoint (``BACKFILL#<run>`` / ``SEGMENT#<i>#<total>``) with the
key it stopped after, written after every page; run again with the same run name and
segments, it goes on from there, and a finished segment is skipped. A page counted
whose checkpoint was not written yet is read again on resuming and counts nothing twice,
for the tallies' sake.

Run it with ``make stats-backfill BACKFILL_RUN=<name> BACKFILL_SEGMENTS=<n>`` against the
table the environment names (``FINESTRA_TABLE``), with credentials allowed
``dynamodb:Scan``.
"""

import argparse
import json
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field

from finestra.stats.app import StatsApp, StatsSettings
from finestra.stats.recorder import StatsRecorder
from finestra.storage.table import Item, Put, Table

__all__ = ["BackfillReport", "SegmentReport", "StatsBackfill", "main"]

PAGE: Final = 500
"""Items a ``Scan`` page reads at most (each page is one checkpoint)."""
_IMAGE: Final = (
    "PK",
    "SK",
    "type",
    "reference",
    "version",
    "state",
    "input_channel",
    "responsible_group",
    "theme_code",
    "district_code",
    "created_at",
    "updated_at",
    "sla_due_at",
)
"""What the recorder reads of a request (each named through a placeholder: several are
reserved words)."""


class SegmentReport(BaseModel):
    """What one segment did in this run."""

    model_config = ConfigDict(frozen=True)

    segment: int
    requests: int = 0
    counted: int = 0
    seen: int = 0
    unchanged: int = 0
    done: bool = False


class BackfillReport(BaseModel):
    """What every segment did."""

    model_config = ConfigDict(frozen=True)

    run: str
    segments: list[SegmentReport] = Field(default_factory=list)

    @property
    def counted(self) -> int:
        """Requests whose current version the backfill counted."""
        return sum(s.counted for s in self.segments)


class StatsBackfill:
    """Feeds every stored request through the stream's recorder, segment by segment.

    Parameters
    ----------
    client
        A DynamoDB client (the scan is the one call :class:`Table` does not offer).
    table
        The one table, where the checkpoints go.
    recorder
        The stream's recorder, so the backfill counts exactly as the stream does.
    run
        The name of this backfill; the same name resumes it.
    segments
        How many segments the table is scanned in (``TotalSegments``).
    """

    def __init__(
        self,
        client: Any,
        table: Table,
        recorder: StatsRecorder,
        clock: Callable[[], datetime],
        *,
        run: str,
        segments: int,
        page: int = PAGE,
    ) -> None:
        if not 1 <= segments <= 1_000_000:
            raise ValueError("a scan takes between 1 and 1,000,000 segments")
        self._client = client
        self._table = table
        self._recorder = recorder
        self._clock = clock
        self._run = run
        self._segments = segments
        self._page = page

    def run(self, *, workers: int = 4) -> BackfillReport:
        """Run every segment not finished yet, ``workers`` at a time."""
        with ThreadPoolExecutor(max_workers=max(1, min(workers, self._segments))) as pool:
            reports = list(pool.map(self.segment, range(self._segments)))
        return BackfillReport(run=self._run, segments=reports)

    def segment(self, number: int, *, pages: int | None = None) -> SegmentReport:
        """Scan one segment from its checkpoint on; ``pages`` stops it early (tests)."""
        checkpoint = self._table.get(self._key(number), consistent=True) or {}
        if checkpoint.get("done"):
            return SegmentReport(segment=number, done=True)
        start = json.loads(str(checkpoint["last_key"])) if checkpoint.get("last_key") else None
        tallies = {"counted": 0, "seen": 0, "unchanged": 0}
        requests = 0
        read = 0
        while pages is None or read < pages:
            items, start = self._scan(number, start)
            read += 1
            for item in items:
                recorded = self._recorder.record(
                    {"eventName": "INSERT", "dynamodb": {"NewImage": item}}
                )
                if recorded is not None:
                    requests += 1
                    tallies[recorded.outcome] += 1
            self._save(number, start)
            if start is None:
                return SegmentReport(segment=number, requests=requests, done=True, **tallies)
        return SegmentReport(segment=number, requests=requests, **tallies)

    def _scan(
        self, number: int, start: Mapping[str, Any] | None
    ) -> tuple[Sequence[Item], dict[str, Any] | None]:
        params: dict[str, Any] = {
            "TableName": self._table.name,
            "Segment": number,
            "TotalSegments": self._segments,
            "Limit": self._page,
            "FilterExpression": "#a2 = :request",
            "ProjectionExpression": ", ".join(f"#a{i}" for i in range(len(_IMAGE))),
            "ExpressionAttributeNames": {f"#a{i}": name for i, name in enumerate(_IMAGE)},
            "ExpressionAttributeValues": {":request": {"S": "request"}},
            "ReturnConsumedCapacity": "TOTAL",
        }
        if start:
            params["ExclusiveStartKey"] = start
        response = self._client.scan(**params)
        self._table.meter.add("Scan", response.get("ConsumedCapacity") or {})
        return response["Items"], response.get("LastEvaluatedKey")

    def _save(self, number: int, last: Mapping[str, Any] | None) -> None:
        self._table.put(
            Put(
                item={
                    **self._key(number),
                    "type": "backfill_checkpoint",
                    "last_key": json.dumps(last) if last else None,
                    "done": last is None,
                    "saved_at": self._clock().isoformat(),
                },
                condition="attribute_not_exists(PK) OR done = :false",
                values={":false": False},
            )
        )

    def _key(self, number: int) -> dict[str, str]:
        return {"PK": f"BACKFILL#{self._run}", "SK": f"SEGMENT#{number}#{self._segments}"}


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m finestra.stats.backfill --run <name> --segments <n> [--workers <n>]``."""
    parser = argparse.ArgumentParser(description="Count the requests stored before the stream.")
    parser.add_argument("--run", required=True, help="this backfill's name; the same resumes it")
    parser.add_argument("--segments", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    arguments = parser.parse_args(argv)
    app = StatsApp(StatsSettings())
    backfill = StatsBackfill(
        app.runtime.clients.get("dynamodb"),
        app.runtime.table,
        app.recorder,
        app.runtime.clock,
        run=arguments.run,
        segments=arguments.segments,
    )
    report = backfill.run(workers=arguments.workers)
    print(report.model_dump_json(indent=2))
    return 0 if all(s.done for s in report.segments) else 1


if __name__ == "__main__":
    raise SystemExit(main())
