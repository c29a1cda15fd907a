"""The one-off backfill of the report counters, under moto, beside the stream consumer.

Requests are written through the project's store as in the stream tests; some are
counted by the statistics' handler from the table's stream first, then the backfill
walks the table and must count only what the stream has not.
"""

from collections.abc import Callable
from datetime import timedelta
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest

from finestra.domain.vocabulary import RequestState
from finestra.stats.backfill import StatsBackfill, main
from finestra.stats.recorder import StatsRecorder
from finestra.stats.store import StatsStore
from tests.conftest import REGION
from tests.integration.test_stats import CREATED, DAY, City, Stream, counters, run
from tests.support.aws import table_items

ZONE = ZoneInfo("Europe/Madrid")
NEXT_DAY = "2026-04-01"
"""The city's date a few hours after :data:`CREATED`, when the requests close."""


@pytest.fixture
def stats(function: Callable[[str], ModuleType]) -> ModuleType:
    return function("stats")


@pytest.fixture
def city(aws: None) -> City:
    return City()


def backfill(
    city: City, *, run_name: str = "first", segments: int = 2, page: int = 2
) -> StatsBackfill:
    recorder = StatsRecorder(StatsStore(city.table), ZONE, sleep=lambda _: None)
    return StatsBackfill(
        boto3.client("dynamodb", region_name=REGION),
        city.table,
        recorder,
        lambda: CREATED + timedelta(days=30),
        run=run_name,
        segments=segments,
        page=page,
    )


def test_the_backfill_counts_requests_the_stream_never_saw(city: City) -> None:
    first = city.open("BCN-2026-000501")
    city.open("BCN-2026-000502", channel="sms")
    city.move(first, RequestState.CLOSED, CREATED + timedelta(hours=5))

    report = backfill(city).run(workers=2)

    assert report.counted == 2
    assert all(segment.done for segment in report.segments)
    assert counters("theme", DAY, "roads.pothole")["opened"] == 2
    closing = counters("theme", NEXT_DAY, "roads.pothole")
    assert closing["closed"] == 1
    assert closing["closed_within_sla"] == 1
    assert counters("channel", DAY, "sms") == {"opened": 1}


def test_a_request_the_stream_counted_is_not_counted_twice(
    city: City, stats: ModuleType, template: dict[str, Any]
) -> None:
    stream = Stream(template)
    city.open("BCN-2026-000511")
    run(stats, stream.event())
    city.open("BCN-2026-000512")

    report = backfill(city).run()

    assert report.counted == 1
    assert sum(s.seen for s in report.segments) == 1
    assert counters("theme", DAY, "roads.pothole")["opened"] == 2


def test_the_stream_after_the_backfill_counts_only_what_changed_since(
    city: City, stats: ModuleType, template: dict[str, Any]
) -> None:
    stream = Stream(template)
    request = city.open("BCN-2026-000521")
    backfill(city).run()
    stream.everything()

    city.move(request, RequestState.CLOSED, CREATED + timedelta(hours=2))
    run(stats, stream.event())

    assert counters("theme", DAY, "roads.pothole") == {"opened": 1}
    assert counters("theme", NEXT_DAY, "roads.pothole")["closed"] == 1


def test_a_second_run_of_the_same_backfill_counts_nothing(city: City) -> None:
    city.open("BCN-2026-000531")
    backfill(city).run()

    again = backfill(city).run()

    assert again.counted == 0
    assert all(segment.done and segment.requests == 0 for segment in again.segments)
    assert counters("theme", DAY, "roads.pothole")["opened"] == 1


def test_a_segment_stopped_early_resumes_from_its_checkpoint(city: City) -> None:
    for number in range(541, 547):
        city.open(f"BCN-2026-000{number}")
    interrupted = backfill(city, segments=1, page=2)

    partial = interrupted.segment(0, pages=1)
    (checkpoint,) = table_items("BACKFILL#first")
    resumed = backfill(city, segments=1, page=2).segment(0)

    assert not partial.done
    assert checkpoint["last_key"]
    assert resumed.done
    assert partial.counted + resumed.counted == 6
    assert resumed.seen == 0
    assert counters("theme", DAY, "roads.pothole")["opened"] == 6


def test_a_backfill_takes_a_sensible_number_of_segments(city: City) -> None:
    with pytest.raises(ValueError, match="segments"):
        backfill(city, segments=0)


def test_the_command_runs_the_backfill_from_the_environment(
    city: City, capsys: pytest.CaptureFixture[str]
) -> None:
    city.open("BCN-2026-000551")

    status = main(["--run", "cli", "--segments", "2", "--workers", "2"])

    assert status == 0
    assert '"run": "cli"' in capsys.readouterr().out
    assert counters("theme", DAY, "roads.pothole")["opened"] == 1
