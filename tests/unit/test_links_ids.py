"""Claim references: the root's reference with a numbered suffix, valid wherever one is."""

from datetime import UTC, datetime

import pytest

from finestra.desk.links import linked_references, links_view
from finestra.domain.ids import claim_reference, root_reference
from finestra.domain.request import REFERENCE, Interaction, Request


def test_a_claim_takes_the_root_s_reference_with_its_number() -> None:
    assert claim_reference("BCN-2026-000123", 1) == "BCN-2026-000123-R1"
    assert claim_reference("BCN-2026-000123", 12) == "BCN-2026-000123-R12"


@pytest.mark.parametrize(
    ("root", "number"),
    [("BCN-2026-000123-R1", 2), ("BCN-2026-000123", 0), ("not-a-reference", 1)],
    ids=["already-a-claim", "number-zero", "no-reference"],
)
def test_a_claim_reference_needs_a_plain_root_and_a_number_from_one(root: str, number: int) -> None:
    with pytest.raises(ValueError, match="plain reference"):
        claim_reference(root, number)


def test_every_claim_reference_is_a_reference_the_desk_and_the_citizen_api_accept() -> None:
    assert REFERENCE.fullmatch(claim_reference("BCN-2026-000123", 3))


@pytest.mark.parametrize(
    ("reference", "root"),
    [("BCN-2026-000123", "BCN-2026-000123"), ("BCN-2026-000123-R4", "BCN-2026-000123")],
)
def test_the_root_of_a_claim_is_the_reference_it_extends(reference: str, root: str) -> None:
    assert root_reference(reference) == root


def test_the_root_of_something_that_is_no_reference_is_refused() -> None:
    with pytest.raises(ValueError, match="not a request reference"):
        root_reference("BCN-2026-123")


def test_the_links_of_a_request_carry_the_states_found_and_null_for_the_missing(
    request_with_links: Request,
) -> None:
    found = {"BCN-2026-000124": {"reference": "BCN-2026-000124", "state": "closed"}}

    view = links_view(request_with_links, found)

    assert [r.model_dump() for r in view.joined] == [
        {"reference": "BCN-2026-000124", "state": "closed"},
        {"reference": "BCN-2026-000125", "state": None},
    ]
    assert view.claims[0].reference == "BCN-2026-000123-R1"
    assert linked_references(request_with_links) == [
        "BCN-2026-000124",
        "BCN-2026-000125",
        "BCN-2026-000123-R1",
    ]


@pytest.fixture
def request_with_links() -> Request:
    at = datetime(2026, 3, 14, 19, 41, tzinfo=UTC)
    return Request(
        reference="BCN-2026-000123",
        request_type="incident",
        theme_code="roads.pothole",
        description="Un forat.",
        input_channel="sms",
        response_channel="sms",
        language="ca",
        state="closed",
        responsible_group="paving.d2",
        created_at=at,
        updated_at=at,
        origin=Interaction(
            id="int_1", at=at, kind="inbound_message", channel="sms", actor="citizen:x"
        ),
        tracking_token_hash="0" * 64,
        joined=("BCN-2026-000124", "BCN-2026-000125"),
        claims=("BCN-2026-000123-R1",),
    )
