"""The demo city in the table: read back through the real stores, indexes and lookups."""

import inspect
import json
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.config import Config
from moto.moto_server.threaded_moto_server import ThreadedMotoServer

from finestra.domain.catalogue import Catalogue
from finestra.domain.citizen import ContactPoint, EntityApplicant
from finestra.domain.geo import cells_covering
from finestra.domain.identity import ContactVault
from finestra.domain.vocabulary import (
    FINAL_STATES,
    ContactKind,
    InteractionKind,
    Priority,
    RequestState,
)
from finestra.runtime import IntakeRuntime
from finestra.settings import FunctionSettings, WorkflowSettings
from finestra.storage.citizens import CitizenStore
from finestra.storage.keys import shard_of
from finestra.storage.requests import ReferenceAllocator, RequestStore
from finestra.storage.table import Put, Table
from finestra.workflow.sla import SlaWatch
from finestra.workflow.tasks import geo_precision
from finestra_local.demo_city import (
    CityReport,
    CitySize,
    DemoCity,
    SeededRequest,
    interaction_item,
    plan_city,
    seed_city,
    write_items,
)
from finestra_local.stack import free_port
from tests.conftest import CONFIG, CONTACT_SECRET, REGION, Clock
from tests.support.aws import table_items
from tests.support.cfn import table_create_kwargs

NOW = datetime(2026, 3, 14, 19, 41, 8, tzinfo=UTC)
SIZE = CitySize(citizens=40, requests=200)
TABLE = "FinestraTable"
SCRATCH = "FinestraScratch"


def clients(service: str, config: Config | None = None) -> Any:
    """Clients of the test's moto, as ``Stack.client`` builds them for the stack's."""
    return boto3.client(service, region_name=REGION, config=config)  # type: ignore[call-overload]


def seed(table: str = TABLE) -> CityReport:
    return seed_city(
        clients,
        table=table,
        contact_key_secret=CONTACT_SECRET,
        config_dir=CONFIG,
        now=NOW,
        size=SIZE,
    )


@pytest.fixture
def city(aws: None) -> DemoCity:
    """The small city seeded into the table, and the same city as drawn."""
    seed()
    return plan_city(Catalogue.load(CONFIG), size=SIZE, now=NOW)


@pytest.fixture
def table() -> Table:
    return Table(boto3.client("dynamodb", region_name=REGION), TABLE)


def scratch_table(template: dict[str, Any], name: str = SCRATCH) -> Table:
    """Another table with the template's key schema."""
    client = boto3.client("dynamodb", region_name=REGION)
    client.create_table(**{**table_create_kwargs(template, "FinestraTable"), "TableName": name})
    return Table(client, name)


def open_requests(city: DemoCity) -> list[SeededRequest]:
    return [s for s in city.requests if s.request.state not in FINAL_STATES]


def _count(kind: str | None = None) -> int:
    client = boto3.client("dynamodb", region_name=REGION)
    params: dict[str, Any] = {"TableName": TABLE, "Select": "COUNT"}
    if kind is not None:
        params.update(
            FilterExpression="#type = :type",
            ExpressionAttributeNames={"#type": "type"},
            ExpressionAttributeValues={":type": {"S": kind}},
        )
    return int(client.scan(**params)["Count"])


def test_the_report_counts_every_item_written(aws: None) -> None:
    report = seed()

    assert report.items == _count()
    assert report.requests == _count("request") == SIZE.requests
    assert report.citizens == _count("citizen") == SIZE.citizens
    assert set(report.requests_by_state) == {s.value for s in RequestState}


def test_a_seeded_citizen_is_found_by_phone_and_email_through_the_identity_lookup(
    city: DemoCity,
) -> None:
    intake = IntakeRuntime(FunctionSettings()).intake
    for citizen in city.citizens[:10]:
        for point in citizen.contact_points:
            if point.kind not in (ContactKind.PHONE, ContactKind.EMAIL):
                continue
            asked = ContactPoint(kind=point.kind, value=point.value)

            found = intake.find_citizen(asked)

            assert found is not None
            assert found.model_dump(mode="json") == citizen.model_dump(mode="json")


def test_a_seeded_request_reads_back_with_its_history(city: DemoCity, table: Table) -> None:
    store = RequestStore(table, shards=4)
    one_per_state = {s.request.state: s for s in city.requests}
    assert set(one_per_state) == set(RequestState)
    for seeded in one_per_state.values():
        reference = seeded.request.reference

        request = store.get(reference)
        history = store.history(reference)

        assert request is not None
        assert request.model_dump(mode="json") == seeded.request.model_dump(mode="json")
        expected = [seeded.request.origin, *seeded.history]
        assert [e.model_dump(mode="json") for e in history] == [
            e.model_dump(mode="json") for e in expected
        ]


def test_a_citizens_requests_are_listed_newest_first(city: DemoCity, table: Table) -> None:
    store = RequestStore(table, shards=4)
    demo = city.demo_requests[0].citizen_id
    mine = sorted(
        (s.request for s in city.requests if s.request.citizen_id == demo),
        key=lambda r: r.created_at,
        reverse=True,
    )

    listed = store.of_citizen(demo)

    assert [i["reference"] for i in listed] == [r.reference for r in mine]


def test_a_groups_queue_lists_its_open_requests_by_due_time_then_each_final_state(
    city: DemoCity, table: Table
) -> None:
    partitions: dict[str, set[str]] = {}
    for seeded in open_requests(city):
        request = seeded.request
        queue = f"QUEUE#{request.responsible_group}#{shard_of(request.reference, 4)}"
        partitions.setdefault(queue, set()).add(request.reference)
    longest = 0
    for queue, expected in partitions.items():
        items, _ = table.query("GSI2PK = :pk", {":pk": queue}, index="GSI2")

        assert {i["reference"] for i in items if i["state"] not in FINAL_STATES} == expected
        stages = [str(i["GSI2SK"]).split("#", 1)[0] for i in items]
        assert stages == sorted(stages), "a queue lists its requests stage by stage"
        assert {
            stage for stage, i in zip(stages, items, strict=True) if i["state"] not in FINAL_STATES
        } <= {"open"}
        assert all(
            stage == i["state"] for stage, i in zip(stages, items, strict=True) if stage != "open"
        )
        dues = [i["sla_due_at"] for i in items if i["state"] not in FINAL_STATES]
        assert dues == sorted(dues), "open requests in due order, whatever their state"
        longest = max(longest, len(dues))
    assert longest >= 2, "some queue holds more than one request to order"


def test_the_due_index_holds_the_open_requests_only(city: DemoCity, table: Table) -> None:
    store = RequestStore(table, shards=4)

    due = [i for shard in range(4) for i in store.due_before(NOW + timedelta(days=400), shard)]

    assert {i["reference"] for i in due} == {s.request.reference for s in open_requests(city)}


def test_the_sla_watch_finds_every_flag_already_raised(city: DemoCity, table: Table) -> None:
    watch = SlaWatch(RequestStore(table, shards=4), clock=lambda: NOW, near_fraction=0.9)

    sweep = watch.sweep()

    assert sweep.checked > 0
    assert (sweep.near, sweep.breached) == (0, 0)


def test_a_new_reference_comes_after_every_seeded_one(city: DemoCity, table: Table) -> None:
    seeded = {s.request.reference for s in city.requests}
    references = ReferenceAllocator(table, "BCN", block=20, clock=lambda: NOW)

    new = [references.next() for _ in range(3)]

    assert not seeded & set(new)
    assert int(new[0][-6:]) == city.last_numbers[NOW.year] + 1


def test_the_duplicate_search_finds_a_seeded_request_where_the_workflow_looks(
    city: DemoCity, table: Table
) -> None:
    catalogue = Catalogue.load(CONFIG)
    store = RequestStore(table, shards=4)
    located = [s for s in city.requests if s.geo_cell is not None]
    assert located
    for seeded in located[:5]:
        request, place = seeded.request, seeded.request.location
        assert request.theme_code is not None
        assert place is not None
        assert place.latitude is not None
        assert place.longitude is not None
        radius = catalogue.theme(request.theme_code).duplicate_radius_m or 0
        cells = cells_covering(place.latitude, place.longitude, radius, geo_precision(radius))

        near = store.near(request.theme_code, cells, request.created_at - timedelta(days=1))

        assert request.reference in {i["reference"] for i in near}


def test_the_indexes_are_those_the_intake_workflow_and_desk_write(
    city: DemoCity, template: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from finestra.apps.workflow import WorkflowApp

    catalogue = Catalogue.load(CONFIG)
    scratch = scratch_table(template)
    store = RequestStore(scratch, shards=4)
    chosen = [
        next(s for s in city.requests if s.geo_cell and s.request.state is state)
        for state in (RequestState.IN_RESOLUTION, RequestState.CLOSED, RequestState.CANCELLED)
    ]
    for seeded in chosen:
        request = seeded.request
        assert request.theme_code is not None
        assert request.routed_at is not None
        assert not any(e.kind is InteractionKind.INBOUND_MESSAGE for e in seeded.history)
        theme = catalogue.theme(request.theme_code)
        # Given the request as the intake stored it,
        taken = request.model_copy(
            update={
                "state": RequestState.PENDING_VALIDATION,
                "responsible_group": theme.responsible_group,
                "priority": Priority.NORMAL,
                "routed_at": None,
                "acknowledged_at": None,
                "flags": frozenset(),
                "backoffice": {},
                "updated_at": request.created_at,
                "version": 1,
            }
        )
        store.save(store.creation(taken))
        # when the workflow routes it and staff move it along its states,
        workflow = WorkflowApp(WorkflowSettings(table=SCRATCH), clock=Clock(request.routed_at))
        workflow.run(
            {
                "task": "route",
                "reference": request.reference,
                "classification": {"theme_code": theme.code, "triage": False},
                "duplicates": {"duplicate_of": None},
            }
        )
        for entry in seeded.history:
            if entry.kind is InteractionKind.STATE_CHANGE and entry.to_state is not None:
                current = store.get(request.reference)
                assert current is not None
                store.change_state(current, entry, new_state=entry.to_state)
        # then its indexes are the seeded request's.
        written = scratch.get({"PK": f"REQUEST#{request.reference}", "SK": "REQUEST"})
        seeded_item = Table(boto3.client("dynamodb", region_name=REGION), TABLE).get(
            {"PK": f"REQUEST#{request.reference}", "SK": "REQUEST"}
        )
        assert written is not None
        assert seeded_item is not None
        compared = [k for k in seeded_item if k.startswith("GSI")] + [
            "state",
            "responsible_group",
            "priority",
            "sla_due_at",
            "district_code",
        ]
        assert {k: written.get(k) for k in compared} == {k: seeded_item[k] for k in compared}
        assert {k for k in written if k.startswith("GSI")} == {
            k for k in seeded_item if k.startswith("GSI")
        }


def test_an_interaction_item_is_the_one_the_store_writes(city: DemoCity) -> None:
    store = RequestStore(Table(boto3.client("dynamodb", region_name=REGION), TABLE), shards=4)
    seeded = next(s for s in city.requests if s.history)
    for entry in seeded.history:
        writes = store.reply(seeded.request, entry, flag="any", new_state=None)

        put = writes[0]
        assert isinstance(put, Put)
        assert interaction_item(seeded.request.reference, entry) == put.item


def _entity_contacts(item: dict[str, Any]) -> set[str]:
    """What a legal entity's request keeps of its contact person, as the intake stores it."""
    applicant = item.get("applicant") or {}
    if item.get("type") != "request" or applicant.get("kind") != "entity":
        return set()
    contact = applicant.get("contact") or {}
    return {str(contact[k]) for k in ("name", "email", "phone") if contact.get(k)}


def test_contact_points_and_names_are_in_clear_only_where_the_code_keeps_them(
    city: DemoCity,
) -> None:
    texts = [(item, json.dumps(item, ensure_ascii=False, default=str)) for item in table_items()]
    for citizen in city.citizens:
        for point in citizen.contact_points:
            holders = [item for item, text in texts if point.value in text]
            assert all(point.value in _entity_contacts(item) for item in holders)
        surnames = citizen.family_names or ""
        for item, text in texts:
            if surnames not in text:
                continue
            profile = item["type"] == "citizen" and item.get("family_names") == surnames
            assert profile or _entity_contacts(item), "names stay in profiles and entities"


def test_moto_starts_a_latest_stream_reader_after_every_seeded_record(city: DemoCity) -> None:
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    streams = boto3.client("dynamodbstreams", region_name=REGION)
    arn = dynamodb.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]

    def iterator(kind: str) -> str:
        found = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType=kind)
        return str(found["ShardIterator"])

    latest, oldest = iterator("LATEST"), iterator("TRIM_HORIZON")
    assert streams.get_records(ShardIterator=latest)["Records"] == []
    assert streams.get_records(ShardIterator=oldest, Limit=5)["Records"]

    fresh = city.requests[0].request.model_copy(update={"reference": "BCN-2026-900001"})
    store = RequestStore(Table(dynamodb, TABLE), shards=4)
    store.save(store.creation(fresh))

    records = streams.get_records(ShardIterator=latest)["Records"]
    assert [r["dynamodb"]["NewImage"]["reference"]["S"] for r in records] == ["BCN-2026-900001"]


def test_items_the_table_leaves_unprocessed_are_sent_again(aws: None) -> None:
    client = boto3.client("dynamodb", region_name=REGION)
    sent: list[dict[str, Any]] = []

    def remember(params: dict[str, Any], **_: Any) -> None:
        sent.append(params)

    def leave_two(parsed: dict[str, Any], **_: Any) -> None:
        if len(sent) == 1:
            parsed["UnprocessedItems"] = {TABLE: sent[0]["RequestItems"][TABLE][:2]}

    client.meta.events.register("before-parameter-build.dynamodb.BatchWriteItem", remember)
    client.meta.events.register("after-call.dynamodb.BatchWriteItem", leave_two)
    items = [{"PK": f"TEST#{n}", "SK": "TEST", "type": "test"} for n in range(30)]
    waits: list[float] = []

    write_items(client, TABLE, items, waits.append)

    assert [len(p["RequestItems"][TABLE]) for p in sent] == [25, 2, 5]
    assert waits == [0.05]
    assert len(table_items("TEST#")) == 30


def test_a_table_that_keeps_refusing_stops_the_seeding(aws: None) -> None:
    client = boto3.client("dynamodb", region_name=REGION)

    def refuse(params: dict[str, Any], **_: Any) -> None:
        refused.append(params["RequestItems"])

    def leave_all(parsed: dict[str, Any], **_: Any) -> None:
        parsed["UnprocessedItems"] = refused[-1]

    refused: list[dict[str, Any]] = []
    client.meta.events.register("before-parameter-build.dynamodb.BatchWriteItem", refuse)
    client.meta.events.register("after-call.dynamodb.BatchWriteItem", leave_all)
    waits: list[float] = []

    with pytest.raises(RuntimeError, match="kept refusing"):
        write_items(client, TABLE, [{"PK": "TEST#1", "SK": "TEST"}], waits.append)
    assert len(waits) == 8
    assert max(waits) <= 2.0


def test_a_writer_process_needs_the_stacks_moto_server(aws: None) -> None:
    with pytest.raises(ValueError, match="moto server"):
        seed_city(
            clients,
            table=TABLE,
            contact_key_secret=CONTACT_SECRET,
            config_dir=CONFIG,
            now=NOW,
            size=SIZE,
            writer_process=True,
        )


def test_an_item_over_the_size_limit_is_still_refused(aws: None) -> None:
    client = boto3.client("dynamodb", region_name=REGION)

    with pytest.raises(client.exceptions.ClientError, match="maximum allowed size"):
        client.put_item(
            TableName=TABLE,
            Item={"PK": {"S": "TEST#big"}, "SK": {"S": "TEST"}, "text": {"S": "x" * 410_000}},
        )


@pytest.fixture
def moto_server(template: dict[str, Any]) -> Iterator[str]:
    """Moto in server mode, as the local stack runs it, with the table and the secret."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        local = boto3.session.Session(region_name=REGION)
        kwargs = table_create_kwargs(template, "FinestraTable")
        local.client("dynamodb", endpoint_url=endpoint).create_table(**kwargs)
        local.client("secretsmanager", endpoint_url=endpoint).create_secret(
            Name=CONTACT_SECRET, SecretString="s" * 64
        )
        yield endpoint
    finally:
        reset = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
        with urllib.request.urlopen(reset, timeout=10) as response:
            response.read()
        server.stop()


def test_a_writer_process_seeds_the_city_through_the_moto_server(moto_server: str) -> None:
    def server_clients(service: str, config: Config | None = None) -> Any:
        session = boto3.session.Session(region_name=REGION)
        return session.client(service, endpoint_url=moto_server, config=config)  # type: ignore[call-overload]

    report = seed_city(
        server_clients,
        table=TABLE,
        contact_key_secret=CONTACT_SECRET,
        config_dir=CONFIG,
        now=NOW,
        size=SIZE,
        writer_process=True,
    )

    dynamodb = server_clients("dynamodb")
    count = dynamodb.scan(TableName=TABLE, Select="COUNT")
    total = count["Count"]
    while "LastEvaluatedKey" in count:
        count = dynamodb.scan(
            TableName=TABLE, Select="COUNT", ExclusiveStartKey=count["LastEvaluatedKey"]
        )
        total += count["Count"]
    assert total == report.items
    citizens = CitizenStore(Table(dynamodb, TABLE), ContactVault(b"s" * 64))
    demo = plan_city(Catalogue.load(CONFIG), size=SIZE, now=NOW).citizens[0]
    phone = demo.contact(ContactKind.PHONE)
    assert phone is not None
    match = citizens.find(ContactPoint(kind=ContactKind.PHONE, value=phone.value))
    assert match is not None
    assert match.citizen_id == demo.id


def test_entity_applicants_name_their_contact_citizen(city: DemoCity) -> None:
    entities = [
        s.request for s in city.requests if isinstance(s.request.applicant, EntityApplicant)
    ]
    citizens = {c.id: c for c in city.citizens}
    assert entities
    for request in entities:
        applicant = request.applicant
        assert isinstance(applicant, EntityApplicant)
        assert applicant.contact_citizen_id == request.citizen_id
        email = citizens[applicant.contact_citizen_id or ""].contact(ContactKind.EMAIL)
        assert email is not None
        assert applicant.contact.email == email.value


def test_the_item_correction_is_still_needed_and_builds_the_same_item() -> None:
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict

    source = inspect.getsource(LimitedSizeDict.__setitem__)
    assert "list(self.keys()) + list(self.values())" in source, "moto fixed it: drop ours"
    attrs: dict[str, Any] = {
        "PK": {"S": "A"},
        "n": {"N": "1"},
        "m": {"M": {"x": {"L": [{"S": "y"}]}}},
    }
    measured_each_time = LimitedSizeDict()
    for key, value in attrs.items():
        measured_each_time[key] = DynamoType(value)

    item = Item(DynamoType(attrs["PK"]), None, attrs)

    assert item.attrs == measured_each_time
    assert type(item.attrs) is LimitedSizeDict
