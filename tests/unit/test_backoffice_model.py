"""What a lookup asks each system, and the shape of what it answers."""

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from finestra.backoffice.model import (
    MAX_DATA_BYTES,
    BackOfficeError,
    CitizenKeys,
    LookupQuery,
    LookupResult,
    LookupStatus,
    PlaceKeys,
    SystemAnswerInvalid,
    SystemUnavailable,
    json_size,
)
from finestra.backoffice.registry import LookupKey
from finestra.domain.errors import FinestraError
from finestra.domain.request import Location

AT = datetime(2026, 3, 14, 19, 41, 8, tzinfo=UTC)
QUERY = LookupQuery(
    reference="BCN-2026-000123",
    theme_code="lighting.streetlight-off",
    citizen=CitizenKeys(document_id="12345678Z", phone="+34600111222", email="anna@example.cat"),
    location=PlaceKeys(latitude=41.4036, longitude=2.1744, district_code="2"),
)


def test_a_system_queried_by_document_id_is_sent_the_document_id_only() -> None:
    # given a query that knows the citizen's document id, phone, email and place

    # when the body for a system queried by document id is made
    body = QUERY.payload([LookupKey.DOCUMENT_ID])

    # then it holds the document id and nothing else the citizen is known by
    assert body == {
        "reference": "BCN-2026-000123",
        "theme_code": "lighting.streetlight-off",
        "citizen": {"document_id": "12345678Z"},
    }


def test_a_system_queried_by_location_is_sent_the_place_only() -> None:
    # given a query that knows the citizen and the place

    # when the body for a system queried by location is made
    body = QUERY.payload([LookupKey.LOCATION])

    # then it holds the place's known fields and nothing about the citizen
    assert body is not None
    assert "citizen" not in body
    assert body["location"] == {"latitude": 41.4036, "longitude": 2.1744, "district_code": "2"}


def test_a_system_queried_by_keys_the_query_lacks_is_not_asked() -> None:
    # given a query that knows only the place
    query = QUERY.model_copy(update={"citizen": CitizenKeys()})

    # when the body for a system queried by email and phone is made
    body = query.payload([LookupKey.EMAIL, LookupKey.PHONE])

    # then there is nothing to ask it
    assert body is None


def test_a_request_location_becomes_the_place_keys() -> None:
    # given a request's location
    location = Location(latitude=41.38, longitude=2.17, address="Carrer del Carme 47")

    # when it is read as place keys
    place = PlaceKeys.model_validate(location.model_dump())

    # then it keeps what it knows
    assert place.address == "Carrer del Carme 47"
    assert place.latitude == 41.38


def test_an_ok_result_carries_its_data() -> None:
    # given what a system said

    # when it is made an ok result
    result = LookupResult.ok("fines", {"open_fines": 2}, fetched_at=AT, duration_ms=41)

    # then it is available, with its data and no error
    assert result.status is LookupStatus.OK
    assert result.available
    assert result.data == {"open_fines": 2}
    assert result.error is None


def test_an_unavailable_result_carries_the_reason_and_no_data() -> None:
    # given a lookup that gave up

    # when it is made an unavailable result from the error's reason
    error = SystemUnavailable("timeout")
    result = LookupResult.unavailable("fines", error.reason, fetched_at=AT)

    # then it is not available and says why
    assert result.model_dump(mode="json") == {
        "system": "fines",
        "status": "unavailable",
        "available": False,
        "data": {},
        "fetched_at": "2026-03-14T19:41:08Z",
        "duration_ms": 0,
        "error": "timeout",
    }


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "ok", "available": False},
        {"status": "unavailable", "available": True},
        {"status": "not_found", "available": True, "data": {"a": 1}},
        {"status": "ok", "available": True, "data": {"blob": "x" * MAX_DATA_BYTES}},
        {"status": "ok", "available": True, "data": {"level": float("nan")}},
        {"status": "ok", "available": True, "data": {"kinds": {"a", "b"}}},
        {"status": "unavailable", "available": False, "error": "Traceback: boom"},
        {"status": "ok", "available": True, "fetched_at": datetime(2026, 3, 14, 19, 41)},
    ],
)
def test_a_result_that_breaks_a_rule_is_refused(fields: dict[str, Any]) -> None:
    # given a result that contradicts itself, is too large, not JSON or has no time zone
    values = {"system": "fines", "fetched_at": AT, "duration_ms": 3, **fields}

    # when it is made, then it is refused
    with pytest.raises(ValidationError):
        LookupResult.model_validate(values)


def test_the_size_of_data_is_counted_as_compact_utf8_json() -> None:
    # given data with a non-ASCII letter

    # when its size is counted
    size = json_size({"tema": "Enllumenat públic"})

    # then it is the bytes of its compact UTF-8 JSON
    assert size == len('{"tema":"Enllumenat públic"}'.encode())


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (SystemUnavailable("circuit_open"), "system_unavailable"),
        (SystemAnswerInvalid("invalid_answer"), "system_answer_invalid"),
    ],
)
def test_lookup_errors_are_domain_errors_whose_message_is_the_reason(
    error: BackOfficeError, code: str
) -> None:
    # given a lookup error

    # when it is read as Step Functions would (its name and message)

    # then it is a domain error with a stable code, and its message is only the reason
    assert isinstance(error, FinestraError)
    assert error.code == code
    assert str(error) == error.reason == error.message
