"""The statistics' stream consumer on the table's real stream records, under moto.

Requests are written and changed through the project's own store; the records are read
back from moto's DynamoDB stream, kept or dropped by the template's own filter pattern,
checked against Powertools' stream event model, and handed to the handler as Lambda
hands them over.
"""

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest
from aws_lambda_powertools.utilities.parser.models import DynamoDBStreamModel

from finestra.domain.ids import new_id
from finestra.domain.request import Interaction, Location, Request
from finestra.domain.vocabulary import InteractionKind, RequestState
from finestra.intake.service import hash_token
from finestra.runtime import IntakeRuntime
from finestra.settings import FunctionSettings
from finestra.stats.counting import Counting, Tally
from finestra.stats.recorder import StatsRecorder
from finestra.stats.store import StatsStore
from finestra.storage.requests import RequestStore
from finestra.storage.table import TransactionConflict
from tests.conftest import REGION, FakeLambdaContext
from tests.support.aws import table_items

CREATED = datetime(2026, 3, 31, 21, 30, tzinfo=UTC)
"""Half past eleven at night in Barcelona: still 31 March there."""
DAY = "2026-03-31"


def pattern_matches(pattern: Any, value: Any) -> bool:
    """An exact-value event filter pattern, matched as Lambda matches it."""
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(
            key in value and pattern_matches(item, value[key]) for key, item in pattern.items()
        )
    return value in pattern


class Stream:
    """The table's stream, read from where the last read stopped, as Lambda delivers it."""

    def __init__(self, template: dict[str, Any]) -> None:
        trigger = template["Resources"]["StatsFunction"]["Properties"]["Events"]["RequestChanges"]
        filters = trigger["Properties"]["FilterCriteria"]["Filters"]
        self.patterns = [json.loads(item["Pattern"]) for item in filters]
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        self._streams = boto3.client("dynamodbstreams", region_name=REGION)
        self.arn = dynamodb.describe_table(TableName="FinestraTable")["Table"]["LatestStreamArn"]
        shards = self._streams.describe_stream(StreamArn=self.arn)["StreamDescription"]["Shards"]
        self._iterator = self._streams.get_shard_iterator(
            StreamArn=self.arn, ShardId=shards[0]["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]

    def everything(self) -> list[dict[str, Any]]:
        """Every record written since the last read, whatever the filter says."""
        page = self._streams.get_records(ShardIterator=self._iterator)
        self._iterator = page["NextShardIterator"]
        records = []
        for record in page["Records"]:
            change = record["dynamodb"]
            change["ApproximateCreationDateTime"] = change[
                "ApproximateCreationDateTime"
            ].timestamp()
            records.append({**record, "eventSourceARN": self.arn})
        return records

    def event(self) -> dict[str, Any]:
        """The records since the last read that the trigger's filter lets through."""
        kept = [r for r in self.everything() if any(pattern_matches(p, r) for p in self.patterns)]
        event = {"Records": kept}
        DynamoDBStreamModel.model_validate(event)
        return event


class City:
    """Requests written and moved on through the project's request store."""

    def __init__(self) -> None:
        runtime = IntakeRuntime(FunctionSettings())
        self.requests = RequestStore(runtime.table, shards=4)
        self.table = runtime.table

    def open(
        self,
        reference: str,
        *,
        at: datetime = CREATED,
        theme_code: str | None = "roads.pothole",
        group: str = "paving",
        district: str | None = "2",
        channel: str = "web",
        sla_hours: int = 72,
        state: RequestState = RequestState.PENDING_VALIDATION,
    ) -> Request:
        origin = Interaction(
            id=new_id("int"),
            at=at,
            kind=InteractionKind.INBOUND_MESSAGE,
            channel=channel,
            actor="citizen:cit_stats",
            text="Hi ha un forat a la calçada.",
        )
        request = Request(
            reference=reference,
            request_type="incident",
            theme_code=theme_code,
            description=origin.text or "",
            location=Location(district_code=district) if district else None,
            input_channel=channel,
            response_channel="email",
            language="ca",
            state=state,
            responsible_group=group,
            sla_due_at=at + timedelta(hours=sla_hours),
            created_at=at,
            updated_at=at,
            origin=origin,
            tracking_token_hash=hash_token("trk_stats"),
        )
        self.requests.save(self.requests.creation(request))
        return request

    def move(self, request: Request, state: RequestState, at: datetime) -> Request:
        stored = self.requests.get(request.reference)
        assert stored is not None
        change = Interaction(
            id=new_id("int"),
            at=at,
            kind=InteractionKind.STATE_CHANGE,
            channel="internal",
            actor="staff:sup_1",
            from_state=stored.state,
            to_state=state,
        )
        self.requests.change_state(stored, change, new_state=state)
        moved = self.requests.get(request.reference)
        assert moved is not None
        return moved

    def note(self, request: Request, at: datetime) -> None:
        stored = self.requests.get(request.reference)
        assert stored is not None
        note = Interaction(
            id=new_id("int"),
            at=at,
            kind=InteractionKind.NOTE,
            channel="internal",
            actor="staff:sup_1",
            text="Brigada avisada.",
        )
        self.requests.annotate(stored, note)


def counters(dimension: str, day: str, value: str) -> dict[str, int]:
    """One counter item as stored, its counters only (empty if it does not exist)."""
    key = f"STATS#{dimension}#{day[:7]}", f"{day[8:]}#{value}"
    found = [i for i in table_items("STATS#") if (i["PK"], i["SK"]) == key]
    if not found:
        return {}
    names = (
        "opened",
        "closed",
        "closing_seconds_sum",
        "closed_within_sla",
        "closed_late",
        "reopened",
    )
    return {name: int(found[0][name]) for name in names if name in found[0]}


@pytest.fixture
def stats(function: Callable[[str], ModuleType]) -> ModuleType:
    return function("stats")


@pytest.fixture
def city(aws: None) -> City:
    return City()


@pytest.fixture
def stream(aws: None, template: dict[str, Any]) -> Stream:
    return Stream(template)


def run(stats: ModuleType, event: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = stats.lambda_handler(event, FakeLambdaContext())
    return answer


def test_a_new_request_opens_once_in_each_dimension_on_the_citys_date(
    stats: ModuleType, city: City, stream: Stream
) -> None:
    city.open("BCN-2026-000101")

    answer = run(stats, stream.event())

    assert answer == {"batchItemFailures": []}
    assert counters("theme", DAY, "roads.pothole") == {"opened": 1}
    assert counters("district", DAY, "2") == {"opened": 1}
    assert counters("channel", DAY, "web") == {"opened": 1}
    assert counters("group", DAY, "paving") == {"opened": 1}
    assert counters("theme", "2026-04-01", "roads.pothole") == {}
    tally = table_items("TALLY#BCN-2026-000101")
    assert [(t["version"], t["opened_on"], t["final"]) for t in tally] == [(1, DAY, False)]


def test_the_trigger_filter_passes_request_changes_and_nothing_else(
    stats: ModuleType, city: City, stream: Stream
) -> None:
    request = city.open("BCN-2026-000102")
    city.note(request, CREATED + timedelta(hours=1))
    records = stream.everything()
    kinds = [(r["eventName"], r["dynamodb"]["NewImage"]["type"]["S"]) for r in records]

    kept = [r for r in records if any(pattern_matches(p, r) for p in stream.patterns)]
    run(stats, {"Records": kept})
    counted = stream.everything()

    assert ("INSERT", "interaction") in kinds
    assert [(r["eventName"], r["dynamodb"]["NewImage"]["type"]["S"]) for r in kept] == [
        ("INSERT", "request"),
        ("MODIFY", "request"),
    ]
    written = {r["dynamodb"]["NewImage"].get("type", {}).get("S") for r in counted}
    assert {"tally", "statistic"} <= written
    assert not [r for r in counted if any(pattern_matches(p, r) for p in stream.patterns)]


def test_a_batch_delivered_twice_is_counted_once(
    stats: ModuleType,
    city: City,
    stream: Stream,
    logs: Callable[[], list[dict[str, Any]]],
) -> None:
    city.open("BCN-2026-000103")
    city.open("BCN-2026-000104", channel="sms")
    event = stream.event()

    first = run(stats, event)
    again = run(stats, copy.deepcopy(event))

    assert first == again == {"batchItemFailures": []}
    assert counters("group", DAY, "paving") == {"opened": 2}
    assert counters("channel", DAY, "sms") == {"opened": 1}
    lines = logs()
    outcomes = [
        line["outcome"]
        for line in lines
        if line.get("message") == "Change counted" and line.get("consumer") == "reports"
    ]
    assert outcomes == ["counted", "counted", "seen", "seen"]
    assert [line["StatsSeen"] for line in lines if "StatsSeen" in line] == [[1.0, 1.0]]


def test_a_close_within_the_sla_and_a_late_one_count_for_the_group_at_closing(
    stats: ModuleType, city: City, stream: Stream
) -> None:
    on_time = city.open("BCN-2026-000105", sla_hours=48)
    late = city.open("BCN-2026-000106", sla_hours=48)
    run(stats, stream.event())

    city.move(on_time, RequestState.CLOSED, CREATED + timedelta(hours=24))
    city.move(late, RequestState.CLOSED, CREATED + timedelta(hours=60))
    answer = run(stats, stream.event())

    assert answer == {"batchItemFailures": []}
    assert counters("group", "2026-04-01", "paving") == {
        "closed": 1,
        "closing_seconds_sum": 24 * 3600,
        "closed_within_sla": 1,
    }
    assert counters("group", "2026-04-03", "paving") == {
        "closed": 1,
        "closing_seconds_sum": 60 * 3600,
        "closed_late": 1,
    }
    assert counters("group", DAY, "paving") == {"opened": 2}


def test_a_reopened_request_counts_its_reopening_and_its_second_close(
    stats: ModuleType, city: City, stream: Stream
) -> None:
    request = city.open("BCN-2026-000107", sla_hours=240)
    closed = city.move(request, RequestState.CLOSED, CREATED + timedelta(days=1))
    reopened = city.move(closed, RequestState.IN_RESOLUTION, CREATED + timedelta(days=2))
    city.move(reopened, RequestState.CLOSED, CREATED + timedelta(days=3))

    answer = run(stats, stream.event())

    assert answer == {"batchItemFailures": []}
    assert counters("theme", DAY, "roads.pothole") == {"opened": 1}
    assert counters("theme", "2026-04-01", "roads.pothole")["closed"] == 1
    assert counters("theme", "2026-04-02", "roads.pothole") == {"reopened": 1}
    assert counters("theme", "2026-04-03", "roads.pothole") == {
        "closed": 1,
        "closing_seconds_sum": 3 * 86400,
        "closed_within_sla": 1,
    }


def test_a_classified_request_moves_its_opening_from_no_theme_to_its_theme(
    stats: ModuleType, city: City, stream: Stream
) -> None:
    request = city.open("BCN-2026-000108", theme_code=None, channel="sms", group="triage")
    run(stats, stream.event())

    city.requests.classify(request, "roads.pothole", "incident", 0.92)
    run(stats, stream.event())

    assert counters("theme", DAY, "none") == {"opened": 0}
    assert counters("theme", DAY, "roads.pothole") == {"opened": 1}
    assert counters("group", DAY, "triage") == {"opened": 1}


def test_a_record_that_cannot_be_read_fails_alone_and_the_rest_are_counted(
    stats: ModuleType,
    city: City,
    stream: Stream,
    logs: Callable[[], list[dict[str, Any]]],
) -> None:
    city.open("BCN-2026-000109")
    city.open("BCN-2026-000110", channel="phone")
    event = stream.event()
    broken = event["Records"][0]
    del broken["dynamodb"]["NewImage"]["created_at"]

    answer = run(stats, event)

    sequence_number = broken["dynamodb"]["SequenceNumber"]
    assert answer == {"batchItemFailures": [{"itemIdentifier": sequence_number}]}
    assert counters("channel", DAY, "phone") == {"opened": 1}
    assert counters("channel", DAY, "web") == {}
    lines = logs()
    failed = [line for line in lines if line.get("message") == "Change not counted"]
    assert [line["sequence_number"] for line in failed] == [sequence_number]
    assert failed[0]["error_type"] == "MalformedInput"
    assert any("StatsRecordFailed" in line for line in lines)


class StaleTally(StatsStore):
    """A store whose first tally read misses the tally, as a racing writer would see it."""

    def __init__(self, store: StatsStore) -> None:
        self._store = store
        self.reads = 0

    def tally(self, reference: str) -> Tally | None:
        self.reads += 1
        return None if self.reads == 1 else self._store.tally(reference)

    def record(self, before: Tally | None, counting: Counting) -> None:
        self._store.record(before, counting)


def test_a_writer_that_lost_the_race_reads_again_and_counts_nothing_twice(
    stats: ModuleType, city: City, stream: Stream
) -> None:
    city.open("BCN-2026-000111")
    event = stream.event()
    run(stats, event)
    naps: list[float] = []
    store = StaleTally(StatsStore(city.table))
    recorder = StatsRecorder(store, ZoneInfo("Europe/Madrid"), sleep=naps.append)

    recorded = recorder.record(event["Records"][0])

    assert recorded is not None
    assert recorded.outcome == "seen"
    assert store.reads == 2
    assert naps == []
    assert counters("district", DAY, "2") == {"opened": 1}


class Contended(StatsStore):
    """A store whose every write meets another transaction on one of its items."""

    def __init__(self, store: StatsStore) -> None:
        self._store = store
        self.writes = 0

    def tally(self, reference: str) -> Tally | None:
        return self._store.tally(reference)

    def record(self, before: Tally | None, counting: Counting) -> None:
        self.writes += 1
        raise TransactionConflict(["None", "TransactionConflict"])


def test_a_change_that_meets_other_transactions_is_tried_four_times_then_fails(
    city: City, stream: Stream
) -> None:
    city.open("BCN-2026-000112")
    naps: list[float] = []
    store = Contended(StatsStore(city.table))
    recorder = StatsRecorder(store, ZoneInfo("Europe/Madrid"), sleep=naps.append)

    with pytest.raises(TransactionConflict):
        recorder.record(stream.event()["Records"][0])

    assert store.writes == 4
    assert naps == [0.1, 0.2, 0.4]
    assert table_items("STATS#") == []
