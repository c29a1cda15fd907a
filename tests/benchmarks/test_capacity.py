"""The benchmark's DynamoDB unit rules give the units DynamoDB documents."""

import pytest

from tests.benchmarks.capacity import (
    Index,
    item_size,
    number_size,
    read_units,
    table_shape,
    value_size,
    write_units,
)
from tests.conftest import ROOT
from tests.support.cfn import load_template


@pytest.mark.parametrize(
    ("text", "size"),
    [("7", 2), ("12", 2), ("123", 3), ("100", 2), ("-0.0012", 2), ("604800", 3), ("0", 2)],
)
def test_a_number_weighs_a_byte_per_two_significant_digits_plus_one(text: str, size: int) -> None:
    assert number_size(text) == size


def test_strings_count_utf8_bytes_and_names_count_too() -> None:
    assert item_size({"PK": {"S": "plaça"}}) == 2 + 6


def test_lists_and_maps_add_three_bytes_and_one_per_element() -> None:
    assert value_size({"L": [{"S": "ab"}, {"BOOL": True}]}) == 3 + (2 + 1) + (1 + 1)
    assert value_size({"M": {"k": {"N": "12"}}}) == 3 + (1 + 2 + 1)


def test_binary_counts_its_bytes_whether_raw_or_base64() -> None:
    assert value_size({"B": b"\x00\x01\x02"}) == value_size({"B": "AAEC"}) == 3


def test_writes_round_up_per_kilobyte_and_reads_per_four_halved() -> None:
    assert [write_units(0), write_units(1024), write_units(1025)] == [1, 1, 2]
    assert read_units(4097, consistent=False) == 1.0
    assert read_units(10, consistent=True) == 1.0


def test_an_index_charges_entries_appearing_changing_and_moving() -> None:
    index = Index("GSI", ("GK",), ("PK",), "INCLUDE", frozenset({"state"}))
    before = {"PK": {"S": "a"}, "GK": {"S": "x"}, "state": {"S": "open"}, "other": {"S": "1"}}

    assert index.write_units(None, before) == 1
    assert index.write_units(before, {**before, "other": {"S": "2"}}) == 0
    assert index.write_units(before, {**before, "state": {"S": "closed"}}) == 1
    assert index.write_units(before, {**before, "GK": {"S": "y"}}) == 2
    assert index.write_units(before, {"PK": {"S": "a"}}) == 1


def test_the_table_shape_comes_from_the_template() -> None:
    shape = table_shape(load_template(ROOT / "template.yaml"), "FinestraTable")

    assert shape.keys == ("PK", "SK")
    assert {index.name for index in shape.indexes} >= {"GSI1", "GSI2", "GSI3"}
    assert {index.projection for index in shape.indexes} <= {"ALL", "INCLUDE", "KEYS_ONLY"}
