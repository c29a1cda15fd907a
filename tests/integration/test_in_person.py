"""The in-person intake: staff take a request down at a service centre."""

from typing import Any

import pytest

from tests.conftest import Clock, FakeLambdaContext, Seeder
from tests.support.aws import table_items


def requests() -> list[dict[str, Any]]:
    return [i for i in table_items("REQUEST#") if i["type"] == "request"]


def visit(clock: Clock, **changes: Any) -> Any:
    from finestra.channels.in_person import Visit

    fields: dict[str, Any] = {
        "visit_id": "visit-7f3a9c2e41",
        "staff_id": "agent-0042",
        "received_at": clock(),
        "document_id": "12345678Z",
        "given_name": "Montserrat",
        "family_names": "Soler Puig",
        "phone": "+34655443322",
        "language": "ca",
        "request_type": "enquiry",
        "theme_code": "taxes.ibi-enquiry",
        "description": "Vol saber quan es cobra el rebut de l'IBI del seu pis.",
        "response_channel": "letter",
    }
    fields.update(changes)
    return Visit.model_validate(fields)


@pytest.fixture
def record(seed: Seeder) -> Any:
    from finestra.apps.web import in_person_intake

    record = in_person_intake(seed.runtime)
    seed.runtime.bind(FakeLambdaContext())
    return record


def test_a_checked_document_identifies_the_citizen_for_themes_that_need_it(
    record: Any, clock: Clock
) -> None:
    result = record(visit(clock))

    assert result.state == "pending_validation"
    [request] = requests()
    assert request["input_channel"] == "in_person"
    assert request["origin"]["actor"] == "staff:agent-0042"
    [profile] = table_items("CITIZEN#")
    assert any(p["kind"] == "document" and p["verified"] for p in profile["contact_points"])


def test_without_a_document_the_same_theme_starts_not_processed(record: Any, clock: Clock) -> None:
    result = record(visit(clock, document_id=None))

    assert result.state == "not_processed"


def test_a_visit_recorded_twice_opens_one_request(record: Any, clock: Clock) -> None:
    first = record(visit(clock))
    again = record(visit(clock))

    assert first == again
    assert len(requests()) == 1


def test_a_known_phone_with_a_new_document_stays_with_its_citizen(
    record: Any, clock: Clock, seed: Seeder
) -> None:
    known = seed.citizen(phone="+34655443322")

    result = record(visit(clock))

    assert result.citizen_id == known
    assert len(table_items("CITIZEN#")) == 1
    assert len(table_items("CONTACT#document#")) == 1


def test_two_citizens_are_never_joined_on_an_unverified_phone(
    record: Any, clock: Clock, seed: Seeder
) -> None:
    by_document = seed.citizen(phone="+34611000111", verified=True)
    by_phone = seed.citizen(phone="+34655443322")
    record(
        visit(clock, document_id=None, phone="+34655443322", email=None, visit_id="visit-first-000")
    )
    record(
        visit(
            clock,
            document_id=None,
            phone="+34611000111",
            visit_id="visit-second-00",
            email="montse@example.org",
        )
    )

    profiles = [i for i in table_items("CITIZEN#") if i["type"] == "citizen"]
    assert {p["id"] for p in profiles} == {by_document, by_phone}
    assert {r["citizen_id"] for r in requests()} == {by_document, by_phone}


def test_a_message_whose_points_lead_to_two_citizens_is_flagged_not_merged(
    record: Any, clock: Clock, seed: Seeder
) -> None:
    verified = seed.citizen(email="montse@example.org", verified=True)
    provisional = seed.citizen(phone="+34655443322")

    result = record(visit(clock, document_id=None, email="montse@example.org"))

    assert result.citizen_id == verified
    [request] = requests()
    assert "possible_duplicate_citizen" in request["flags"]
    profiles = {i["id"]: i for i in table_items("CITIZEN#") if i["type"] == "citizen"}
    assert [p["kind"] for p in profiles[verified]["contact_points"]] == ["email"]
    assert [p["kind"] for p in profiles[provisional]["contact_points"]] == ["phone"]
