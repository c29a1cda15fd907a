"""The segment index kept from stream records, and its evaluation, under moto.

Citizen profiles and requests are the items the project's own stores write; each test
hands the indexer the stream record DynamoDB makes of a change (new and old image), and
one test reads them from moto's stream through the statistics function's own filter.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from finestra.domain.catalogue import Catalogue
from finestra.domain.citizen import Citizen, CitizenApplicant, Consent, ContactPoint
from finestra.domain.errors import ValidationFailed
from finestra.domain.ids import new_id
from finestra.domain.request import Interaction, Request
from finestra.domain.segment import RequestCriterion, SegmentDefinition
from finestra.domain.vocabulary import ConsentPurpose, ContactKind, RequestState
from finestra.intake.service import hash_token
from finestra.runtime import IntakeRuntime
from finestra.segments import SegmentEvaluator, SegmentIndexer
from finestra.settings import FunctionSettings
from finestra.storage.citizens import CitizenStore
from finestra.storage.requests import RequestStore
from finestra.storage.table import Item, Put, Table, TransactionConflict, serialise
from tests.conftest import FakeLambdaContext
from tests.integration.test_stats import Stream
from tests.support.aws import table_items

ZONE = ZoneInfo("Europe/Madrid")
NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
THEMES = ("roads.pothole", "lighting.streetlight-off", "waste.container-full", "noise.neighbours")


def record(event: str, new: Item | None = None, old: Item | None = None) -> dict[str, Any]:
    """The stream record DynamoDB makes of a change, images as the table holds them."""
    change: dict[str, Any] = {"SequenceNumber": new_id("seq")}
    if new is not None:
        change["NewImage"] = serialise(new)
    if old is not None:
        change["OldImage"] = serialise(old)
    return {"eventName": event, "dynamodb": change}


@dataclass
class Resident:
    """What a test knows of one seeded citizen, to filter by brute force."""

    id: str
    district: str | None
    neighbourhood: str | None
    language: str
    channels: set[str]
    granted: set[tuple[str, str]]
    tags: set[str]
    requests: list[tuple[str, str, str, date]] = field(default_factory=list)
    ratings: dict[str, int] = field(default_factory=dict)


class Town:
    """Citizens, requests and answers, each change fed to the indexer as its record."""

    def __init__(self, runtime: IntakeRuntime) -> None:
        self.table: Table = runtime.table
        self.catalogue: Catalogue = runtime.catalogue
        self.citizens = CitizenStore(runtime.table, runtime.vault)
        self.requests = RequestStore(runtime.table, shards=4)
        self.naps: list[float] = []
        self.indexer = SegmentIndexer(runtime.table, ZONE, sleep=self.naps.append)
        self.profiles: dict[str, Item] = {}
        self.request_items: dict[str, Item] = {}
        self._counter = 0

    def feed(self, event: str, new: Item | None = None, old: Item | None = None) -> Any:
        return self.indexer.handle(record(event, new, old))

    def citizen(
        self,
        citizen_id: str,
        *,
        district: str | None = "2",
        neighbourhood: str | None = "7",
        language: str = "ca",
        phone: bool = True,
        email: bool = False,
        grants: tuple[tuple[str, ConsentPurpose], ...] = (),
        tags: tuple[str, ...] = (),
    ) -> Item:
        points = []
        if phone:
            points.append(ContactPoint(kind=ContactKind.PHONE, value="+34612345678"))
        if email:
            points.append(ContactPoint(kind=ContactKind.EMAIL, value="veina@example.org"))
        consents = [
            Consent(channel=c, purpose=p, granted=True, recorded_at=NOW, source="web")
            for c, p in grants
        ]
        citizen = Citizen(
            id=citizen_id,
            given_name="Núria",
            language=language,
            district_code=district,
            neighbourhood_code=neighbourhood,
            contact_points=points,
            consents=consents,
            tags=list(tags),
            created_at=NOW,
            updated_at=NOW,
        )
        profile = next(
            p.item
            for p in self.citizens.creation(citizen)
            if isinstance(p, Put) and p.item["SK"] == "PROFILE"
        )
        self.table.put(Put(item=profile))
        self.profiles[citizen_id] = profile
        self.feed("INSERT", profile)
        return profile

    def change(self, citizen_id: str, **fields: Any) -> Item:
        old = self.profiles[citizen_id]
        new = {**old, **fields, "version": int(old["version"]) + 1}
        self.table.put(Put(item=new, condition="version = :v", values={":v": old["version"]}))
        self.profiles[citizen_id] = new
        self.feed("MODIFY", new, old)
        return new

    def request(
        self,
        citizen_id: str,
        *,
        theme: str = "roads.pothole",
        state: RequestState = RequestState.PENDING_VALIDATION,
        channel: str = "web",
        at: datetime = NOW,
    ) -> Item:
        self._counter += 1
        reference = f"BCN-2026-{self._counter:06d}"
        origin = Interaction(
            id=new_id("int"),
            at=at,
            kind="inbound_message",
            channel=channel,
            actor=f"citizen:{citizen_id}",
            text="Hi ha un forat a la calçada.",
        )
        request = Request(
            reference=reference,
            request_type="incident",
            theme_code=theme,
            description="Hi ha un forat a la calçada.",
            input_channel=channel,
            response_channel="email",
            language="ca",
            state=state,
            responsible_group="paving",
            created_at=at,
            updated_at=at,
            citizen_id=citizen_id,
            applicant=CitizenApplicant(citizen_id=citizen_id),
            origin=origin,
            tracking_token_hash=hash_token("trk_segments"),
        )
        item = self.requests.creation(request).item
        self.request_items[reference] = item
        self.feed("INSERT", item)
        return item

    def answer(self, citizen_id: str, survey_id: str, rating: int, at: datetime = NOW) -> Item:
        item = {
            "PK": f"SURVEY#{survey_id}",
            "SK": f"RESPONSE#{citizen_id}#{new_id('ref')}",
            "type": "survey_answer",
            "survey_id": survey_id,
            "citizen_id": citizen_id,
            "rating": rating,
            "at": at.isoformat(),
            "answered_on": at.date().isoformat(),
        }
        self.feed("INSERT", item)
        return item


@pytest.fixture
def town(aws: None) -> Town:
    return Town(IntakeRuntime(FunctionSettings()))


@pytest.fixture
def evaluator(town: Town) -> SegmentEvaluator:
    return SegmentEvaluator(town.table, town.catalogue)


def index_of(facet: str) -> list[str]:
    """The citizen ids filed under ``facet``, across its shards."""
    return sorted(
        str(i["SK"]) for i in table_items("SEGIDX#") if str(i["PK"]).startswith(f"SEGIDX#{facet}#")
    )


def count_of(facet: str) -> int | None:
    name, _, value = facet.partition("=")
    found = [i for i in table_items(f"SEGCOUNT#{name}") if i["SK"] == value]
    return int(found[0]["members"]) if found else None


def ids(evaluator: SegmentEvaluator, definition: SegmentDefinition) -> list[str]:
    return [m.citizen_id for m in evaluator.members(definition)]


def test_a_new_citizen_is_filed_under_each_of_their_facets_and_counted(town: Town) -> None:
    town.citizen(
        "cit_a", email=True, grants=(("sms", ConsentPurpose.CAMPAIGNS),), tags=("gent-gran",)
    )

    assert index_of("district=2") == ["cit_a"]
    assert index_of("neighbourhood=7") == ["cit_a"]
    assert index_of("reachable=email") == ["cit_a"]
    assert index_of("consent=campaigns") == ["cit_a"]
    assert index_of("tag=gent-gran") == ["cit_a"]
    assert index_of("consent=surveys") == []
    assert count_of("district=2") == 1
    assert count_of("all=all") == 1
    members = table_items("SEGMEMBER#cit_a")
    assert members[0]["profile"]["reach"] == ["email:service", "sms:campaigns", "sms:service"]


def test_a_citizen_moving_district_moves_their_index_items_and_counts(town: Town) -> None:
    town.citizen("cit_a", district="2", neighbourhood="7")
    town.citizen("cit_b", district="2", neighbourhood="7")

    town.change("cit_a", district_code="10", neighbourhood_code="66")

    assert index_of("district=2") == ["cit_b"]
    assert index_of("district=10") == ["cit_a"]
    assert index_of("neighbourhood=66") == ["cit_a"]
    assert (count_of("district=2"), count_of("district=10")) == (1, 1)
    assert count_of("neighbourhood=7") == 1
    assert count_of("all=all") == 2
    moved = [i for i in table_items("SEGIDX#tag") + table_items("SEGIDX#all") if i["SK"] == "cit_a"]
    assert [i["district"] for i in moved] == ["10"]


def test_a_withdrawn_consent_takes_the_citizen_out_of_reach(
    town: Town, evaluator: SegmentEvaluator
) -> None:
    profile = town.citizen("cit_a", grants=(("sms", ConsentPurpose.CAMPAIGNS),))
    refusal = {
        "channel": "sms",
        "purpose": "campaigns",
        "granted": False,
        "recorded_at": (NOW + timedelta(days=1)).isoformat(),
        "source": "sms",
    }

    town.change("cit_a", consents=[*profile["consents"], refusal])

    assert index_of("consent=campaigns") == []
    assert count_of("consent=campaigns") == 0
    members = list(evaluator.members(SegmentDefinition(districts=["2"])))
    assert [sorted(m.reach) for m in members] == [["sms:service"]]
    assert ids(evaluator, SegmentDefinition(consents=[ConsentPurpose.CAMPAIGNS])) == []


def test_a_replayed_record_changes_nothing(town: Town) -> None:
    profile = town.citizen("cit_a")
    request = town.request("cit_a")
    before = table_items("SEG")

    again = town.feed("INSERT", profile)
    request_again = town.feed("INSERT", request)

    assert again.outcome == "seen"
    assert request_again.outcome == "seen"
    assert table_items("SEG") == before


def test_an_older_profile_version_arriving_late_is_ignored(town: Town) -> None:
    first = town.citizen("cit_a", district="2", neighbourhood="7")
    town.change("cit_a", district_code="3", neighbourhood_code="11")

    late = town.feed("MODIFY", first)

    assert late.outcome == "seen"
    assert index_of("district=3") == ["cit_a"]
    assert index_of("district=2") == []


def test_a_removed_or_erased_citizen_leaves_the_index(town: Town) -> None:
    profile = town.citizen("cit_a", tags=("entitat",))
    town.citizen("cit_b", tags=("entitat",))
    town.request("cit_b")

    town.feed("REMOVE", old=profile)
    town.change("cit_b", erased_at=NOW.isoformat())

    assert index_of("tag=entitat") == []
    assert index_of("all=all") == []
    assert index_of("theme=roads.pothole") == []
    assert (count_of("tag=entitat"), count_of("all=all")) == (0, 0)
    assert table_items("SEGMEMBER#cit_b")[0]["indexed"] == {}


def test_a_request_enters_its_applicants_facets_and_its_changes_follow(
    town: Town, evaluator: SegmentEvaluator
) -> None:
    town.citizen("cit_a")
    item = town.request("cit_a", theme="lighting.streetlight-off", channel="sms")
    closed = {**item, "state": "closed", "version": int(item["version"]) + 1}

    town.feed("MODIFY", closed, item)

    assert index_of("theme=lighting.streetlight-off") == ["cit_a"]
    assert index_of("rchannel=sms") == ["cit_a"]
    assert index_of("rstate=closed") == ["cit_a"]
    assert index_of("rstate=pending_validation") == []
    assert index_of("rmonth=2026-05") == ["cit_a"]
    by_area = SegmentDefinition(requests=RequestCriterion(themes=["street-lighting"]))
    assert ids(evaluator, by_area) == ["cit_a"]


def test_an_entity_request_and_another_records_type_are_not_the_indexs(town: Town) -> None:
    town.citizen("cit_a")
    item = town.request("cit_a")
    entity = {**item, "applicant": {"kind": "entity", "tax_id": "B12345678"}}

    assert town.feed("MODIFY", {"PK": "X", "SK": "Y", "type": "interaction"}) is None
    assert town.feed("REMOVE", old=item) is None
    assert town.feed("INSERT", {**entity, "reference": "BCN-2026-999999"}) is None


def test_a_citizens_latest_rating_per_survey_counts(
    town: Town, evaluator: SegmentEvaluator
) -> None:
    town.citizen("cit_a")
    town.answer("cit_a", "srv_1", 2, NOW)
    town.answer("cit_a", "srv_1", 5, NOW + timedelta(days=3))
    town.answer("cit_a", "srv_1", 1, NOW - timedelta(days=3))

    assert index_of("rating=5") == ["cit_a"]
    assert index_of("rating=2") == []
    assert ids(evaluator, SegmentDefinition(satisfaction=[2, 1])) == []
    assert ids(evaluator, SegmentDefinition(satisfaction=[5])) == ["cit_a"]


def test_a_difference_too_large_for_one_transaction_is_written_in_several(town: Town) -> None:
    town.citizen("cit_a")
    for day in range(60):
        town.request("cit_a", at=NOW - timedelta(days=31 * day))
    changed = town.change("cit_a", district_code="5", neighbourhood_code="24")

    assert town.table.meter.calls["TransactWriteItems"] > 60
    assert len(index_of("district=5")) == 1
    member = table_items("SEGMEMBER#cit_a")[0]
    assert member["profile"]["district"] == "5"
    assert all(tag == member["indexed"]["all=all"] for tag in member["indexed"].values())
    assert len(member["indexed"]) == len(table_items("SEGIDX#")) > 66
    assert changed["version"] == 2


class Crowded(Table):
    """A table whose every transaction meets another writer's."""

    def __init__(self, table: Table) -> None:
        self.__dict__.update(table.__dict__)

    def transact(self, writes: Any) -> None:
        raise TransactionConflict(["TransactionConflict"])


def test_a_change_that_meets_other_writers_is_tried_four_times_then_fails(town: Town) -> None:
    citizen = Citizen(id="cit_z", created_at=NOW, updated_at=NOW)
    profile = next(p for p in town.citizens.creation(citizen) if p.item["SK"] == "PROFILE")
    naps: list[float] = []
    indexer = SegmentIndexer(Crowded(town.table), ZONE, sleep=naps.append)

    with pytest.raises(TransactionConflict):
        indexer.handle(record("INSERT", profile.item))

    assert naps == [0.1, 0.2, 0.4]
    assert table_items("SEG") == []


def test_the_statistics_function_indexes_what_its_stream_filter_passes(
    aws: None, template: dict[str, Any], function: Callable[[str], ModuleType]
) -> None:
    stats = function("stats")
    stream = Stream(template)
    town = Town(IntakeRuntime(FunctionSettings()))
    citizen = Citizen(id="cit_s", district_code="4", created_at=NOW, updated_at=NOW)
    town.table.transact(town.citizens.creation(citizen))

    answer = stats.lambda_handler(stream.event(), FakeLambdaContext())

    assert answer == {"batchItemFailures": []}
    assert index_of("district=4") == ["cit_s"]
    assert count_of("all=all") == 1


def seeded(town: Town, size: int) -> list[Resident]:
    """``size`` citizens drawn from a fixed seed, fed through the indexer."""
    rng = random.Random(20260504)
    neighbourhoods = [(n.code, n.district_code) for n in town.catalogue.neighbourhoods]
    residents = []
    for number in range(size):
        citizen_id = f"cit_{number:05d}"
        placed = rng.random() < 0.9
        neighbourhood, district = rng.choice(neighbourhoods) if placed else (None, None)
        phone, email = rng.random() < 0.7, rng.random() < 0.5
        grants = tuple(
            (channel, purpose)
            for channel in ("sms", "email")
            for purpose in (ConsentPurpose.CAMPAIGNS, ConsentPurpose.SURVEYS)
            if rng.random() < 0.4
        )
        tags = tuple(
            sorted(
                {rng.choice(["gent-gran", "comerc", "entitat"])} if rng.random() < 0.3 else set()
            )
        )
        language = rng.choice(["ca", "ca", "es", "en"])
        town.citizen(
            citizen_id,
            district=district,
            neighbourhood=neighbourhood,
            language=language,
            phone=phone,
            email=email,
            grants=grants,
            tags=tags,
        )
        channels = {c for c, has in (("sms", phone), ("email", email)) if has}
        resident = Resident(
            citizen_id, district, neighbourhood, language, channels, set(), set(tags)
        )
        for channel in channels:
            resident.granted.add((channel, "service"))
            resident.granted.update((c, p.value) for c, p in grants if c == channel)
        for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
            theme = rng.choice(THEMES)
            state = rng.choice([RequestState.PENDING_VALIDATION, RequestState.CLOSED])
            via = rng.choice(["web", "sms", "phone"])
            at = NOW - timedelta(days=rng.randrange(0, 200))
            town.request(citizen_id, theme=theme, state=state, channel=via, at=at)
            resident.requests.append((theme, state.value, via, at.astimezone(ZONE).date()))
        if rng.random() < 0.3:
            rating = rng.randint(1, 5)
            town.answer(citizen_id, "srv_1", rating)
            resident.ratings["srv_1"] = rating
        residents.append(resident)
    return residents


def brute_force(residents: list[Resident], d: SegmentDefinition, catalogue: Catalogue) -> list[str]:
    """The definition applied to every seeded citizen, one by one."""

    def theme_ok(theme: str) -> bool:
        assert d.requests is not None
        if not d.requests.themes:
            return True
        return any(theme == t or catalogue.theme(theme).area == t for t in d.requests.themes)

    def request_ok(entry: tuple[str, str, str, date]) -> bool:
        assert d.requests is not None
        theme, state, via, opened = entry
        r = d.requests
        return (
            theme_ok(theme)
            and (not r.states or state in r.states)
            and (not r.input_channels or via in r.input_channels)
            and (r.since is None or opened >= r.since)
            and (r.until is None or opened <= r.until)
        )

    def holds(r: Resident) -> bool:
        channels = set(d.reachable) or {"sms", "email"}
        return all(
            [
                not d.districts or r.district in d.districts,
                not d.neighbourhoods or r.neighbourhood in d.neighbourhoods,
                not d.languages or r.language in d.languages,
                not d.reachable or bool(r.channels & set(d.reachable)),
                not d.consents
                or any((c, p.value) in r.granted for c in channels for p in d.consents),
                not d.tags or bool(r.tags & set(d.tags)),
                not d.satisfaction or bool(set(r.ratings.values()) & set(d.satisfaction)),
                d.requests is None or any(request_ok(e) for e in r.requests),
            ]
        )

    return sorted(r.id for r in residents if holds(r))


DEFINITIONS = [
    SegmentDefinition(),
    SegmentDefinition(districts=["2", "10"]),
    SegmentDefinition(districts=["3"], languages=["es"]),
    SegmentDefinition(reachable=["email"], consents=[ConsentPurpose.SURVEYS]),
    SegmentDefinition(consents=[ConsentPurpose.CAMPAIGNS], tags=["comerc", "entitat"]),
    SegmentDefinition(requests=RequestCriterion()),
    SegmentDefinition(requests=RequestCriterion(themes=["street-lighting"], states=["closed"])),
    SegmentDefinition(
        neighbourhoods=["1", "7", "12", "30"],
        requests=RequestCriterion(since=date(2026, 2, 1), until=date(2026, 3, 15)),
    ),
    SegmentDefinition(
        requests=RequestCriterion(input_channels=["sms"], themes=["noise.neighbours"]),
        satisfaction=[1, 2],
    ),
    SegmentDefinition(satisfaction=[5], languages=["ca", "en"]),
]


def test_the_evaluator_finds_what_a_brute_force_filter_finds(
    town: Town, evaluator: SegmentEvaluator
) -> None:
    residents = seeded(town, 300)
    granted = {r.id: r.granted for r in residents}

    for definition in DEFINITIONS:
        expected = brute_force(residents, definition, town.catalogue)

        found = ids(evaluator, definition)
        preview = evaluator.preview(definition, sample=5)

        assert found == expected, definition
        assert evaluator.count(definition) == len(expected), definition
        assert preview.count == len(expected)
        assert [m.citizen_id for m in preview.sample] == expected[:5]
        assert preview.reachable["sms:campaigns"] == sum(
            ("sms", "campaigns") in granted[i] for i in expected
        )
    assert len({len(brute_force(residents, d, town.catalogue)) for d in DEFINITIONS}) > 6


def test_members_resume_after_a_citizen_id_and_one_criterion_is_counted_alone(
    town: Town, evaluator: SegmentEvaluator
) -> None:
    residents = seeded(town, 150)
    definition = SegmentDefinition(reachable=["sms"])
    everyone = ids(evaluator, definition)
    meter = town.table.meter
    before = dict(meter.calls)

    rest = [m.citizen_id for m in evaluator.members(definition, after=everyone[40])]
    queries = meter.calls["Query"] - before["Query"]
    count = evaluator.count(SegmentDefinition(districts=["2", "3", "4"]))

    assert rest == everyone[41:]
    assert len(everyone) > 60
    assert queries == 4
    assert count == sum(r.district in {"2", "3", "4"} for r in residents)
    assert meter.calls["Query"] == before["Query"] + queries
    assert meter.calls["BatchGetItem"] == before["BatchGetItem"] + 2


def test_the_previews_reads_grow_with_its_driver_not_with_the_city(town: Town) -> None:
    evaluator = SegmentEvaluator(town.table, town.catalogue)
    definition = SegmentDefinition(tags=["comerc"], satisfaction=[5])

    def settle(prefix: str, people: int, tags: tuple[str, ...]) -> None:
        for number in range(people):
            town.citizen(f"cit_{prefix}{number:04d}", tags=tags)
            town.answer(f"cit_{prefix}{number:04d}", "srv_1", 5)

    settle("t", 30, ("comerc",))
    small = evaluator.preview(definition)
    settle("c", 150, ())
    large = evaluator.preview(definition)
    settle("g", 200, ("comerc",))
    grown = evaluator.preview(definition)

    assert (small.count, large.count, grown.count) == (30, 30, 230)
    assert large.reads == small.reads
    assert large.read_units == small.read_units
    assert grown.reads == small.reads + 2
    assert grown.read_units > large.read_units


def test_a_definition_with_an_unknown_theme_is_refused_naming_the_field(
    evaluator: SegmentEvaluator,
) -> None:
    definition = SegmentDefinition(requests=RequestCriterion(themes=["roads.tunnel"]))

    with pytest.raises(ValidationFailed) as refused:
        evaluator.preview(definition)

    assert refused.value.field == "requests.themes.0"
