"""The insight counters kept from stream records, and what the reader makes of them, under moto.

Requests are built as the project's request store writes them and handed to the
consumer as stream records (``INSERT`` and ``MODIFY`` images); one test runs the whole
statistics handler on moto's own stream to show the consumer is registered there.
"""

import itertools
import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest

from finestra.domain.errors import MalformedInput
from finestra.domain.ids import new_id
from finestra.domain.request import Interaction, Location, Request
from finestra.domain.vocabulary import InteractionKind, RequestState
from finestra.insights.counting import (
    BUCKET_BOUNDS_HOURS,
    Dimension,
    InsightImage,
    InsightKey,
    InsightTally,
    count_request,
)
from finestra.insights.reader import InsightReader, Metric
from finestra.insights.recorder import InsightRecorder
from finestra.insights.store import InsightStore, increment_item
from finestra.intake.service import hash_token
from finestra.runtime import IntakeRuntime
from finestra.settings import FunctionSettings
from finestra.storage.requests import RequestStore
from finestra.storage.table import Item, Put, serialise
from tests.conftest import REGION, FakeLambdaContext
from tests.integration.test_stats import City, Stream
from tests.support.aws import table_items

ZONE = ZoneInfo("Europe/Madrid")
OPENED = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
DAY = "2026-03-10"
SPRING = (date(2026, 3, 1), date(2026, 5, 31))
DIMENSIONS = ("district", "neighbourhood", "theme", "channel", "language")


class Requests:
    """Requests as the request store writes them, and the stream records of their changes."""

    def __init__(self, runtime: IntakeRuntime) -> None:
        self.store = RequestStore(runtime.table, shards=4)

    def build(
        self,
        reference: str,
        *,
        at: datetime = OPENED,
        hours: float | None = None,
        late: bool = False,
        theme_code: str | None = "roads.pothole",
        district: str = "2",
        neighbourhood: str | None = "7",
        channel: str = "web",
        language: str = "ca",
        citizen_id: str | None = None,
        text: str = "Hi ha un forat a la calçada.",
    ) -> Request:
        """A request opened at ``at``; closed ``hours`` later when given, late if ``late``."""
        origin = Interaction(
            id=new_id("int"),
            at=at,
            kind=InteractionKind.INBOUND_MESSAGE,
            channel=channel,
            actor=f"citizen:{citizen_id}" if citizen_id else "system",
            text=text,
        )
        closed = at + timedelta(hours=hours) if hours is not None else None
        due = closed - timedelta(minutes=1) if closed and late else at + timedelta(days=60)
        return Request(
            reference=reference,
            request_type="incident",
            theme_code=theme_code,
            description=text,
            location=Location(
                latitude=41.3917,
                longitude=2.1649,
                address="Carrer de Balmes 21",
                district_code=district,
                neighbourhood_code=neighbourhood,
            ),
            input_channel=channel,
            response_channel="email",
            language=language,
            state=RequestState.CLOSED if closed else RequestState.IN_RESOLUTION,
            responsible_group="paving",
            sla_due_at=due,
            created_at=at,
            updated_at=closed or at,
            citizen_id=citizen_id,
            origin=origin,
            tracking_token_hash=hash_token("trk_insights"),
        )

    def item(self, request: Request) -> Item:
        """The request's item as stored."""
        return self.store.creation(request).item

    def save(self, request: Request) -> None:
        """Store the request (so the citizen's index finds it)."""
        self.store.save(self.store.creation(request))


def record(new: Item, old: Item | None = None) -> dict[str, Any]:
    """The stream record of a change from ``old`` (``None``: an insertion) to ``new``."""
    change: dict[str, Any] = {"NewImage": serialise(new)}
    if old is not None:
        change["OldImage"] = serialise(old)
    return {"eventName": "MODIFY" if old is not None else "INSERT", "dynamodb": change}


def changed(request: Request, **fields: Any) -> Request:
    """The request after a change: its fields updated and its version one higher."""
    return request.model_copy(update={**fields, "version": request.version + 1})


def counters(dimension: str, day: str, value: str) -> dict[str, int]:
    """One insight item's counters as stored, those at zero left out."""
    key = f"INSIGHT#{dimension}#{day[:7]}", f"{day[8:]}#{value}"
    for item in table_items("INSIGHT#"):
        if (item["PK"], item["SK"]) == key:
            skip = {"PK", "SK", "type", "dimension", "day", "value"}
            return {k: int(v) for k, v in item.items() if k not in skip and int(v)}
    return {}


def seed_counters(requests: Requests, seeded: list[Request]) -> None:
    """Count each request as the consumer does its first record, and write the sums in bulk.

    The consumer's transactions are slow under moto for hundreds of requests; the
    counting is the same pure function, the items the same shapes.
    """
    sums: dict[InsightKey, dict[str, int]] = {}
    for request in seeded:
        item = requests.item(request)
        image = InsightImage.model_validate(
            {k: v for k, v in item.items() if k in InsightImage.model_fields}
        )
        tally = InsightTally.of(image, ZONE, repeat=False)
        for key, amounts in count_request(None, False, image, tally, ZONE).items():
            total = sums.setdefault(key, {})
            for name, amount in amounts.items():
                total[name] = total.get(name, 0) + amount
    puts: list[Any] = [
        {"PutRequest": {"Item": serialise(increment_item(key, amounts))}}
        for key, amounts in sums.items()
    ]
    client = boto3.client("dynamodb", region_name=REGION)
    for start in range(0, len(puts), 25):
        client.batch_write_item(RequestItems={"FinestraTable": puts[start : start + 25]})


@pytest.fixture
def runtime(aws: None) -> IntakeRuntime:
    return IntakeRuntime(FunctionSettings())


@pytest.fixture
def requests(runtime: IntakeRuntime) -> Requests:
    return Requests(runtime)


@pytest.fixture
def recorder(runtime: IntakeRuntime) -> InsightRecorder:
    return InsightRecorder(runtime.table, runtime.catalogue, ZONE, sleep=lambda _: None)


@pytest.fixture
def reader(runtime: IntakeRuntime) -> InsightReader:
    return InsightReader(InsightStore(runtime.table), runtime.catalogue)


def test_given_a_request_opened_then_closed_when_every_record_comes_twice_then_it_counts_once(
    requests: Requests, recorder: InsightRecorder
) -> None:
    opened = requests.build("BCN-2026-000401")
    closed = changed(
        opened, state=RequestState.CLOSED, updated_at=OPENED + timedelta(hours=5, minutes=30)
    )
    records = [record(requests.item(opened)), record(requests.item(closed), requests.item(opened))]

    outcomes = [recorder.handle(r) for r in records + records]

    assert [o.outcome for o in outcomes if o] == ["counted", "counted", "seen", "seen"]
    expected = {"opened": 1, "closed": 1, "closed_within_sla": 1, "closed_h03": 1}
    values = {"district": "2", "neighbourhood": "7", "theme": "roads.pothole"}
    values |= {"channel": "web", "language": "ca"}
    for dimension, value in values.items():
        assert counters(dimension, DAY, value) == expected, dimension


def test_given_a_replay_of_an_older_version_after_a_newer_one_then_nothing_moves(
    requests: Requests, recorder: InsightRecorder
) -> None:
    opened = requests.build("BCN-2026-000402", theme_code=None)
    classified = changed(opened, theme_code="lighting.streetlight-off")
    recorder.handle(record(requests.item(opened)))
    recorder.handle(record(requests.item(classified), requests.item(opened)))

    late = recorder.handle(record(requests.item(opened)))

    assert late is not None
    assert late.outcome == "seen"
    assert counters("theme", DAY, "none") == {}
    assert counters("theme", DAY, "lighting.streetlight-off") == {"opened": 1}
    assert counters("district", DAY, "2") == {"opened": 1}


def test_given_a_request_reopened_and_closed_again_then_both_closings_count(
    requests: Requests, recorder: InsightRecorder
) -> None:
    opened = requests.build("BCN-2026-000403")
    closed = changed(opened, state=RequestState.CLOSED, updated_at=OPENED + timedelta(hours=2))
    reopened = changed(closed, state=RequestState.IN_RESOLUTION)
    again = changed(reopened, state=RequestState.CLOSED, updated_at=OPENED + timedelta(days=3))

    for before, after in [(None, opened), (opened, closed), (closed, reopened), (reopened, again)]:
        recorder.handle(record(requests.item(after), requests.item(before) if before else None))

    found = counters("district", DAY, "2")
    assert found["closed"] == 1
    assert found["closed_h02"] == 1
    assert counters("district", "2026-03-13", "2")["closed_h07"] == 1


def test_given_a_citizens_second_request_within_thirty_days_then_it_is_a_repeat_contact(
    requests: Requests, recorder: InsightRecorder
) -> None:
    first = requests.build(
        "BCN-2026-000404", citizen_id="cit_repeat", at=OPENED - timedelta(days=12)
    )
    second = requests.build("BCN-2026-000405", citizen_id="cit_repeat")
    lone = requests.build("BCN-2026-000406", citizen_id="cit_lone", neighbourhood="8")
    old = requests.build("BCN-2026-000407", citizen_id="cit_old", at=OPENED - timedelta(days=31))
    third = requests.build("BCN-2026-000408", citizen_id="cit_old", neighbourhood="9")
    for request in (first, second, lone, old, third):
        requests.save(request)

    for request in (second, lone, third):
        recorder.handle(record(requests.item(request)))
    recorder.handle(record(requests.item(second)))

    assert counters("neighbourhood", DAY, "7") == {"opened": 1, "repeat": 1}
    assert counters("neighbourhood", DAY, "8") == {"opened": 1}
    assert counters("neighbourhood", DAY, "9") == {"opened": 1}


def answer(citizen: str, rating: int | None, sentiment: str | None, **facets: str) -> Item:
    """A survey answer item with the facets the insights read."""
    item: Item = {
        "PK": "SURVEY#srv_bcn",
        "SK": f"RESPONSE#{citizen}#BCN-2026-000409",
        "type": "survey_answer",
        "citizen_id": citizen,
        "survey_id": "srv_bcn",
        "channel": "web",
        "answered_on": "2026-03-12",
        "district_code": "3",
        "neighbourhood_code": "12",
        "language": "es",
        "theme_code": "roads.pothole",
        "input_channel": "sms",
        **facets,
    }
    if rating is not None:
        item["rating"] = rating
    if sentiment is not None:
        item["sentiment"] = sentiment
    return item


def test_given_survey_answers_when_each_comes_twice_then_ratings_and_sentiment_count_once(
    recorder: InsightRecorder,
) -> None:
    answers = [
        answer("cit_a", 4, "POSITIVE"),
        answer("cit_b", 2, "NEGATIVE"),
        answer("cit_c", 5, None),
    ]

    outcomes = [recorder.handle(record(item)) for item in answers + answers]

    assert [o.outcome for o in outcomes if o] == ["counted"] * 3 + ["seen"] * 3
    expected = {
        "satisfaction_count": 3,
        "satisfaction_sum": 11,
        "satisfaction_squares": 45,
        "rating_2": 1,
        "rating_4": 1,
        "rating_5": 1,
        "sentiment_positive": 1,
        "sentiment_negative": 1,
    }
    for dimension, value in {"district": "3", "neighbourhood": "12", "language": "es"}.items():
        assert counters(dimension, "2026-03-12", value) == expected
    assert counters("channel", "2026-03-12", "sms") == expected


def test_given_an_answer_without_rating_or_sentiment_then_nothing_is_counted_nor_marked(
    recorder: InsightRecorder,
) -> None:
    outcome = recorder.handle(record(answer("cit_d", None, None)))

    assert outcome is not None
    assert outcome.outcome == "nothing"
    assert table_items("INSIGHT") == []


def test_given_an_opinion_then_its_sentiment_counts_under_its_citizens_place(
    runtime: IntakeRuntime, recorder: InsightRecorder
) -> None:
    profile: Item = {
        "PK": "CITIZEN#cit_op",
        "SK": "PROFILE",
        "type": "citizen",
        "id": "cit_op",
        "language": "en",
        "district_code": "6",
        "neighbourhood_code": "31",
    }
    runtime.table.put(Put(item=profile))
    opinion: Item = {
        "PK": "CITIZEN#cit_op",
        "SK": "OPINION#2026-03-14T10:00:00+00:00#op_1",
        "type": "opinion",
        "id": "op_1",
        "citizen_id": "cit_op",
        "at": "2026-03-14T10:00:00+00:00",
        "channel": "social",
        "provider_message_id": "fb_1",
        "text": "Els parcs del barri estan molt bruts.",
        "sentiment": "NEGATIVE",
        "sentiment_method": "lexicon",
    }

    recorder.handle(record(opinion))
    recorder.handle(record(opinion))

    judged = {"sentiment_negative": 1, "sentiment_by_lexicon": 1}
    assert counters("district", "2026-03-14", "6") == judged
    assert counters("neighbourhood", "2026-03-14", "31") == judged
    assert counters("language", "2026-03-14", "en") == judged
    assert counters("channel", "2026-03-14", "social") == judged


def test_given_anything_else_then_the_insights_leave_it(recorder: InsightRecorder) -> None:
    citizen = {"PK": "CITIZEN#cit_x", "SK": "PROFILE", "type": "citizen", "id": "cit_x"}

    assert recorder.handle(record(citizen)) is None
    assert recorder.handle({"eventName": "REMOVE", "dynamodb": {}}) is None


def brute_force_quantile(hours: list[float], quantile: float) -> float:
    """The histogram's interpolated quantile, computed straight from the closing times."""
    bounds = [0, *BUCKET_BOUNDS_HOURS]
    wanted = quantile * len(hours)
    ordered = sorted(hours)
    for low, high in itertools.pairwise(bounds):
        inside = [h for h in ordered if low <= h < high]
        below = sum(1 for h in ordered if h < low)
        if inside and below + len(inside) >= wanted:
            return low + (high - low) * (wanted - below) / len(inside)
    return float(bounds[-1])


def test_given_seeded_closings_then_median_and_p90_match_a_brute_force_computation(
    requests: Requests, recorder: InsightRecorder, reader: InsightReader
) -> None:
    draws = random.Random(11)
    hours = [draws.lognormvariate(3.2, 1.3) for _ in range(240)]
    seed_counters(
        requests,
        [
            requests.build(f"BCN-2026-1{number:05d}", hours=taken, district="4")
            for number, taken in enumerate(hours)
        ],
    )

    found = reader.segment(Dimension.DISTRICT, "4", *SPRING)

    assert found.closed == len(hours)
    assert found.median_resolution_hours == pytest.approx(brute_force_quantile(hours, 0.5))
    assert found.p90_resolution_hours == pytest.approx(brute_force_quantile(hours, 0.9))
    ordered = sorted(hours)
    true_median = (ordered[119] + ordered[120]) / 2
    bounds = [0, *BUCKET_BOUNDS_HOURS]
    low = max(b for b in bounds if b <= true_median)
    assert found.median_resolution_hours is not None
    assert low <= found.median_resolution_hours <= min(b for b in bounds if b > true_median)


def test_given_a_district_then_its_requests_are_counted_per_thousand_residents(
    requests: Requests, recorder: InsightRecorder, reader: InsightReader
) -> None:
    for number in range(5):
        request = requests.build(f"BCN-2026-0005{number:02d}", district="4", neighbourhood="19")
        recorder.handle(record(requests.item(request)))

    district = reader.segment(Dimension.DISTRICT, "4", *SPRING)
    neighbourhood = reader.segment(Dimension.NEIGHBOURHOOD, "19", *SPRING)
    city = reader.segment(Dimension.DISTRICT, None, *SPRING)

    assert district.population == 82588
    assert district.requests_per_1000 == pytest.approx(round(5 * 1000 / 82588, 3))
    assert neighbourhood.opened == 5
    assert neighbourhood.population is None
    assert neighbourhood.requests_per_1000 is None
    assert city.population is not None
    assert city.population > 1_600_000


def test_given_a_neighbourhood_with_a_planted_breach_rate_then_only_it_is_flagged(
    requests: Requests, recorder: InsightRecorder, reader: InsightReader
) -> None:
    draws = random.Random(23)
    shares = {str(code): 0.15 for code in range(1, 11)}
    shares["7"] = 0.6
    counts = {code: 60 for code in shares}
    counts["5"] = 12
    seeded = [
        requests.build(
            f"BCN-2026-2{code:0>2}{number:03d}",
            hours=draws.uniform(1, 200),
            late=draws.random() < share,
            neighbourhood=code,
        )
        for code, share in shares.items()
        for number in range(counts[code])
    ]
    seed_counters(requests, seeded)

    found = {
        d.value: d for d in reader.differences(Dimension.NEIGHBOURHOOD, *SPRING, Metric.BREACH_RATE)
    }

    assert found["7"].status == "higher"
    assert found["7"].q_value is not None
    assert found["7"].q_value <= 0.05
    assert found["7"].figure is not None
    assert found["7"].city_figure is not None
    assert found["7"].figure > found["7"].city_figure
    assert found[draws.choice(["1", "2", "3", "4", "6", "8", "9", "10"])].status == "no_difference"
    assert found["5"].status == "not_enough_data"
    assert found["5"].p_value is None
    assert {d.status for v, d in found.items() if v not in {"5", "7"}} == {"no_difference"}


def test_given_a_planted_slow_theme_then_its_resolution_is_flagged_slower(
    requests: Requests, recorder: InsightRecorder, reader: InsightReader
) -> None:
    draws = random.Random(5)
    others = ["lighting.streetlight-off", "trees.pruning"]
    seeded = [
        requests.build(
            f"BCN-2026-3{number:05d}",
            hours=draws.uniform(100, 400) if number < 40 else draws.uniform(1, 150),
            theme_code="roads.pothole" if number < 40 else draws.choice(others),
        )
        for number in range(160)
    ]
    seed_counters(requests, seeded)

    found = {d.value: d for d in reader.differences(Dimension.THEME, *SPRING, Metric.RESOLUTION)}

    assert found["roads.pothole"].status == "higher"
    assert found["roads.pothole"].figure is not None
    assert found["roads.pothole"].city_figure is not None
    assert found["roads.pothole"].figure > found["roads.pothole"].city_figure


def test_given_the_statistics_handler_then_the_insights_follow_the_tables_stream(
    function: Callable[[str], ModuleType], template: dict[str, Any]
) -> None:
    stats = function("stats")
    stream = Stream(template)
    city = City()
    request = city.open("BCN-2026-000410", district="5")
    city.move(request, RequestState.CLOSED, request.created_at + timedelta(hours=3))

    event = stream.event()
    stats.lambda_handler(event, FakeLambdaContext())
    stats.lambda_handler(event, FakeLambdaContext())

    opened_on = request.created_at.astimezone(ZONE).date()
    assert counters("district", opened_on.isoformat(), "5") == {"opened": 1}
    closed_on = (request.created_at + timedelta(hours=3)).astimezone(ZONE).date().isoformat()
    assert counters("district", closed_on, "5") == {
        "closed": 1,
        "closed_h02": 1,
        "closed_within_sla": 1,
    }
    assert len(table_items("OPENDATA#")) == 1


def test_given_a_range_of_three_months_then_an_overview_reads_one_query_a_month(
    runtime: IntakeRuntime, requests: Requests, recorder: InsightRecorder, reader: InsightReader
) -> None:
    recorder.handle(record(requests.item(requests.build("BCN-2026-000411"))))
    before = runtime.table.meter.calls.get("Query", 0)

    found = reader.overview(Dimension.NEIGHBOURHOOD, *SPRING)

    assert runtime.table.meter.calls["Query"] - before == 3
    assert [(s.value, s.opened) for s in found.segments] == [("7", 1)]
    assert found.city.opened == 1


def test_given_a_request_record_the_insights_cannot_read_then_it_fails_naming_the_image(
    requests: Requests, recorder: InsightRecorder
) -> None:
    broken = requests.item(requests.build("BCN-2026-000412"))
    del broken["created_at"]

    with pytest.raises(MalformedInput) as refused:
        recorder.handle(record(broken))

    assert refused.value.field == "dynamodb.NewImage"
    assert table_items("INSIGHT") == []


def test_given_an_answer_with_a_rating_out_of_range_then_it_fails_and_counts_nothing(
    recorder: InsightRecorder,
) -> None:
    with pytest.raises(MalformedInput):
        recorder.handle(record(answer("cit_e", 9, None)))

    assert table_items("INSIGHT") == []
