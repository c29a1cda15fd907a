"""What must hold of the table face: modelled errors become domain errors, others propagate.

Every test runs on moto, with the table built from ``template.yaml``'s own key schema.
"""

import math
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from finestra.domain.errors import Conflict, FinestraError
from finestra.storage import keys
from finestra.storage.requests import ReferenceAllocator
from finestra.storage.table import (
    CapacityMeter,
    Put,
    Table,
    TransactionConflict,
    Update,
    deserialise,
    serialise,
)
from tests.conftest import Clock
from tests.support.cfn import load_template, table_create_kwargs

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
REGION = "eu-west-1"
TABLE = "FinestraTable"
TAKEN = {"PK": "REQUEST#BCN-2026-000123", "SK": "REQUEST"}


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator["DynamoDBClient"]:
    """A DynamoDB client on moto, with the one table of the template created."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        dynamodb.create_table(**table_create_kwargs(load_template(TEMPLATE), TABLE))
        yield dynamodb


@pytest.fixture
def table(client: "DynamoDBClient") -> Table:
    return Table(client, TABLE)


def allocator(table: Table, clock: Clock, block: int) -> ReferenceAllocator:
    return ReferenceAllocator(table, "BCN", block=block, clock=clock)


def test_a_put_on_a_free_key_stores_the_item(table: Table) -> None:
    # given an empty table

    # when an item is put
    table.put(Put(item={**TAKEN, "state": "pending_validation"}))

    # then it can be read back
    assert table.get(TAKEN) == {**TAKEN, "state": "pending_validation"}


def test_a_put_on_a_taken_key_is_a_conflict_chained_from_the_failed_condition(
    table: Table, client: "DynamoDBClient"
) -> None:
    # given an item already stored under a key
    table.put(Put(item={**TAKEN, "state": "pending_validation"}))

    # when another item is put under the same key
    with pytest.raises(Conflict) as caught:
        table.put(Put(item={**TAKEN, "state": "closed"}))

    # then the conflict is a domain error raised from DynamoDB's modelled exception,
    # and the stored item is unchanged
    assert caught.value.code == "conflict"
    cause = caught.value.__cause__
    assert isinstance(cause, client.exceptions.ConditionalCheckFailedException)
    assert cause.response["Error"]["Code"] == "ConditionalCheckFailedException"
    assert table.get(TAKEN) == {**TAKEN, "state": "pending_validation"}


def test_an_update_whose_condition_fails_is_a_conflict_chained_from_it(
    table: Table, client: "DynamoDBClient"
) -> None:
    # given a request stored at version 2
    table.put(Put(item={**TAKEN, "version": 2}))

    # when it is updated on the belief that it is at version 1
    with pytest.raises(Conflict) as caught:
        table.update(
            Update(
                key=TAKEN,
                expression="SET version = version + :one",
                condition="version = :version",
                values={":one": 1, ":version": 1},
            )
        )

    # then the update is a conflict from the modelled exception, and nothing changed
    assert isinstance(caught.value.__cause__, client.exceptions.ConditionalCheckFailedException)
    assert table.get(TAKEN) == {**TAKEN, "version": 2}


def test_a_transaction_with_a_failing_condition_is_refused_whole_with_reasons_per_item(
    table: Table, client: "DynamoDBClient"
) -> None:
    # given one key already taken
    table.put(Put(item=TAKEN))
    free = {"PK": "CITIZEN#cit_01", "SK": "PROFILE"}

    # when a transaction writes a free key and the taken one
    with pytest.raises(TransactionConflict) as caught:
        table.transact([Put(item=free), Put(item=TAKEN)])

    # then it is a conflict naming which item failed, from the modelled exception,
    # and the free key was not written either
    assert isinstance(caught.value, Conflict)
    assert caught.value.reasons == ["None", "ConditionalCheckFailed"]
    assert isinstance(caught.value.__cause__, client.exceptions.TransactionCanceledException)
    assert table.get(free) is None


def test_a_transaction_whose_conditions_hold_writes_every_item(table: Table) -> None:
    # given two free keys
    citizen = {"PK": "CITIZEN#cit_01", "SK": "PROFILE"}
    contact = {"PK": "CONTACT#phone#ab12", "SK": "CONTACT"}

    # when a transaction writes both
    table.transact([Put(item=citizen), Put(item={**contact, "citizen_id": "cit_01"})])

    # then both are stored
    assert table.get(citizen) == citizen
    assert table.get(contact) == {**contact, "citizen_id": "cit_01"}


def test_a_put_on_a_table_that_does_not_exist_lets_the_aws_error_propagate(
    client: "DynamoDBClient",
) -> None:
    # given a table face on a name no table has
    missing = Table(client, "NoSuchTable")

    # when an item is put
    with pytest.raises(ClientError) as caught:
        missing.put(Put(item=TAKEN))

    # then botocore's own error arrives, not a domain error that would hide it
    assert isinstance(caught.value, client.exceptions.ResourceNotFoundException)
    assert not isinstance(caught.value, FinestraError)
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_a_get_of_a_missing_key_is_none(table: Table) -> None:
    # given an empty table

    # when a key is read
    found = table.get({"PK": "REQUEST#BCN-2026-999999", "SK": "REQUEST"}, consistent=True)

    # then there is nothing
    assert found is None


def test_the_capacity_meter_counts_every_call_by_operation(table: Table) -> None:
    # given a table face with its own meter

    # when it puts, gets and queries
    table.put(Put(item=TAKEN))
    table.get(TAKEN)
    table.get({"PK": "CITIZEN#cit_01", "SK": "PROFILE"})
    table.query("PK = :pk", {":pk": TAKEN["PK"]})

    # then each call is counted under its operation, with the units DynamoDB reported
    assert table.meter.calls == {"PutItem": 1, "GetItem": 2, "Query": 1}
    assert table.meter.read_units > 0
    assert table.meter.write_units > 0


def test_the_capacity_meter_adds_reads_and_writes_apart() -> None:
    # given an empty meter
    meter = CapacityMeter()

    # when reads and writes are reported, singly and as lists of indexes
    meter.add("GetItem", {"CapacityUnits": 0.5})
    meter.add("Query", [{"CapacityUnits": 1.0}, {"CapacityUnits": 0.5}])
    meter.add("PutItem", {"CapacityUnits": 1.0})
    meter.add("TransactWriteItems", [{"CapacityUnits": 2.0}, {"CapacityUnits": 2.0}])
    meter.add("PutItem", {})

    # then reads and writes are added up apart, and every call is counted
    assert meter.read_units == 2.0
    assert meter.write_units == 5.0
    assert meter.calls == {"GetItem": 1, "Query": 1, "PutItem": 2, "TransactWriteItems": 1}


@pytest.mark.parametrize(
    "item",
    [
        {"PK": "A", "SK": "B", "latitude": 41.3874, "longitude": 2.1686},
        {"PK": "A", "SK": "B", "ratio": 0.1, "negative": -12.75, "count": 7},
        {"PK": "A", "SK": "B", "location": {"address": "Balmes, 20", "point": {"lat": 41.39}}},
        {"PK": "A", "SK": "B", "history": [{"at": "2026-03-14", "score": 4.5}, [1, 2.5]]},
        {"PK": "A", "SK": "B", "flags": {"possible_duplicate_citizen", "reopened"}},
        {"PK": "A", "SK": "B", "shards": {1, 2, 3}},
        {"PK": "A", "SK": "B", "verified": False, "text": "Gràcies", "empty": ""},
    ],
    ids=["floats", "floats-and-ints", "nested", "lists", "string-set", "number-set", "plain"],
)
def test_an_item_comes_back_from_dynamodb_attribute_values_as_it_went_in(
    item: dict[str, Any],
) -> None:
    # given plain Python of the kinds the stores write

    # when it is serialised to attribute values and back
    back = deserialise(serialise(item))

    # then it is the same item
    assert back == item


def test_a_set_of_floats_comes_back_as_it_went_in() -> None:
    # given a number set whose members are not whole
    item = {"PK": "A", "SK": "B", "radii": {12.5, 50.0, 0.25}}

    # when it is serialised to attribute values and back
    back = deserialise(serialise(item))

    # then it is the same set, as floats are everywhere else
    assert back == item


def test_serialising_drops_none_values_at_every_depth_of_a_map() -> None:
    # given an item with missing values at the top and inside maps
    item = {
        "PK": "A",
        "SK": "B",
        "theme_code": None,
        "location": {"address": "Balmes, 20", "district_code": None, "point": {"lat": None}},
    }

    # when it is serialised to attribute values and back
    attributes = serialise(item)
    back = deserialise(attributes)

    # then no attribute holds a null
    assert "theme_code" not in attributes
    assert back == {"PK": "A", "SK": "B", "location": {"address": "Balmes, 20", "point": {}}}
    assert "NULL" not in repr(attributes)


def test_floats_nested_maps_and_sets_survive_a_round_trip_through_the_table(
    table: Table,
) -> None:
    # given an item with floats, a nested map, a string set and missing values
    item = {
        **TAKEN,
        "location": {"latitude": 41.3874, "longitude": 2.1686, "address": None},
        "flags": {"possible_duplicate_citizen"},
        "sla_hours": 72,
        "theme_code": None,
    }

    # when it is put and read back
    table.put(Put(item=item))
    back = table.get(TAKEN, consistent=True)

    # then it is the item without its missing values
    assert back == {
        **TAKEN,
        "location": {"latitude": 41.3874, "longitude": 2.1686},
        "flags": {"possible_duplicate_citizen"},
        "sla_hours": 72,
    }


def test_references_are_unique_and_numbered_from_one_in_the_city_format(
    table: Table, clock: Clock
) -> None:
    # given a fresh allocator for 2026
    references = allocator(table, clock, block=20)

    # when 45 references are handed out
    handed = [references.next() for _ in range(45)]

    # then they run BCN-2026-000001 upwards, each once
    assert handed[:3] == ["BCN-2026-000001", "BCN-2026-000002", "BCN-2026-000003"]
    assert handed[-1] == "BCN-2026-000045"
    assert len(set(handed)) == 45


def test_a_second_allocator_in_another_process_gets_a_disjoint_block(
    table: Table, clock: Clock
) -> None:
    # given two allocators on one table, as two Lambda instances would have
    first = allocator(table, clock, block=5)
    second = allocator(table, clock, block=5)

    # when both hand out references in turn, past their first blocks
    handed_first, handed_second = [], []
    for _ in range(8):
        handed_first.append(first.next())
        handed_second.append(second.next())

    # then no reference is handed out twice
    assert handed_first[0] == "BCN-2026-000001"
    assert handed_second[0] == "BCN-2026-000006"
    assert set(handed_first).isdisjoint(handed_second)
    assert len(set(handed_first + handed_second)) == 16


def test_references_are_unique_across_threads_of_one_process(table: Table, clock: Clock) -> None:
    # given one allocator shared by several threads
    references = allocator(table, clock, block=7)

    # when the threads take 60 references between them
    with ThreadPoolExecutor(max_workers=4) as pool:
        handed = list(pool.map(lambda _: references.next(), range(60), timeout=30))

    # then each is handed out once
    assert len(set(handed)) == 60


def test_a_new_year_starts_its_references_again_at_one(table: Table, clock: Clock) -> None:
    # given an allocator that has handed out references in 2026, its block not used up
    references = allocator(table, clock, block=20)
    handed_2026 = [references.next() for _ in range(3)]

    # when the year turns
    clock.now = datetime(2027, 1, 1, 0, 0, 1, tzinfo=UTC)
    handed_2027 = [references.next() for _ in range(2)]

    # then the new year counts from one again, on a counter of its own
    assert handed_2026[-1] == "BCN-2026-000003"
    assert handed_2027 == ["BCN-2027-000001", "BCN-2027-000002"]
    assert table.get(keys.reference_counter("BCN", 2027)) is not None


@pytest.mark.parametrize(("block", "count"), [(1, 3), (5, 5), (5, 6), (20, 45)])
def test_the_counter_is_written_once_per_block_of_references(
    table: Table, clock: Clock, block: int, count: int
) -> None:
    # given an allocator reserving ``block`` numbers at a time
    references = allocator(table, clock, block=block)

    # when ``count`` references are handed out
    for _ in range(count):
        references.next()

    # then the counter was updated once per block begun, and by no other write
    assert table.meter.calls["UpdateItem"] == math.ceil(count / block)
    assert set(table.meter.calls) == {"UpdateItem"}


def test_a_year_whose_numbers_are_used_up_hands_out_no_more_references(
    table: Table, clock: Clock
) -> None:
    # given a 2026 counter at 999,998
    table.put(
        Put(item={**keys.reference_counter("BCN", 2026), "type": "counter", "last_number": 999_998})
    )
    references = allocator(table, clock, block=2)

    # when the last number and one more are asked for
    last = references.next()
    with pytest.raises(Conflict) as caught:
        references.next()

    # then the last one is handed out, and the next is refused rather than reused
    assert last == "BCN-2026-999999"
    assert "exhausted" in caught.value.message


@pytest.mark.parametrize("block", [0, -1])
def test_an_allocator_without_a_positive_block_is_refused(table: Table, block: int) -> None:
    # given a block size that reserves nothing
    clock = Clock(datetime(2026, 3, 14, tzinfo=UTC))

    # when an allocator is built with it, then it is refused
    with pytest.raises(ValueError, match="at least one"):
        allocator(table, clock, block=block)
