"""Who is calling a staff route, read from the claims the JWT authorizer passes on."""

from typing import Any

import pytest

from finestra.auth import (
    EVERY_DISTRICT,
    Role,
    Staff,
    claims_of,
    staff_from_claims,
    staff_from_event,
)
from finestra.domain.errors import Forbidden, Unauthorised

ID_CLAIMS: dict[str, Any] = {
    "sub": "5f0c7e52-6d7e-4a55-9b61-0d7c1b6f8a11",
    "token_use": "id",
    "cognito:username": "agent.eixample",
    "email": "agent.eixample@staff.finestra.example.org",
    "cognito:groups": "[agent]",
    "custom:districts": "2",
    "custom:groups": "lighting,cleaning",
}


def staff(**overrides: Any) -> Staff:
    """The staff member of ``ID_CLAIMS`` with some claims replaced (``None`` drops one)."""
    claims = {**ID_CLAIMS, **overrides}
    return staff_from_claims({k: v for k, v in claims.items() if v is not None})


def test_given_payload_1_0_claims_when_read_then_they_are_the_authorizers() -> None:
    event = {"requestContext": {"authorizer": {"claims": ID_CLAIMS, "scopes": None}}}

    assert claims_of(event) == ID_CLAIMS


def test_given_payload_2_0_claims_when_read_then_they_are_the_jwt_ones() -> None:
    event = {"requestContext": {"authorizer": {"jwt": {"claims": ID_CLAIMS, "scopes": None}}}}

    assert claims_of(event) == ID_CLAIMS


@pytest.mark.parametrize(
    "event",
    [
        {},
        {"requestContext": None},
        {"requestContext": {}},
        {"requestContext": {"authorizer": None}},
        {"requestContext": {"authorizer": {"claims": "not a mapping"}}},
        {"requestContext": {"authorizer": {"jwt": {}}}},
    ],
    ids=["no-context", "null-context", "no-authorizer", "null-authorizer", "text", "no-claims"],
)
def test_given_an_event_without_claims_when_read_then_there_are_none(event: Any) -> None:
    assert claims_of(event) == {}


def test_given_an_event_without_claims_when_the_staff_is_asked_then_it_is_unauthorised() -> None:
    with pytest.raises(Unauthorised):
        staff_from_event({"requestContext": {}})


def test_given_id_token_claims_when_read_then_the_staff_member_has_roles_and_scope() -> None:
    event = {"requestContext": {"authorizer": {"claims": ID_CLAIMS}}}

    member = staff_from_event(event)

    assert member.user_id == ID_CLAIMS["sub"]
    assert member.username == "agent.eixample"
    assert member.roles == frozenset({Role.AGENT})
    assert member.districts == frozenset({"2"})
    assert member.groups == frozenset({"lighting", "cleaning"})


@pytest.mark.parametrize(
    "groups",
    [
        "[agent supervisor]",
        ["agent", "supervisor"],
        "agent,supervisor",
        " [ agent  supervisor ] ",
        "agent, supervisor",
    ],
    ids=["http-api-flattened", "json-list", "comma-separated", "spaced", "comma-space"],
)
def test_given_a_list_claim_in_any_shape_when_read_then_its_items_are_the_roles(
    groups: Any,
) -> None:
    assert staff(**{"cognito:groups": groups}).roles == {Role.AGENT, Role.SUPERVISOR}


def test_given_districts_and_groups_flattened_when_read_then_each_is_one_item() -> None:
    member = staff(**{"custom:districts": "[2 6]", "custom:groups": "parks, noise"})

    assert member.districts == {"2", "6"}
    assert member.groups == {"parks", "noise"}


def test_given_no_scope_attributes_when_read_then_the_scope_is_empty() -> None:
    member = staff(**{"custom:districts": None, "custom:groups": None})

    assert member.districts == frozenset()
    assert member.groups == frozenset()
    assert not member.covers_district("2")


def test_given_groups_that_are_not_roles_when_read_then_they_are_ignored() -> None:
    assert staff(**{"cognito:groups": "[agent us-east-1_Google]"}).roles == {Role.AGENT}


def test_given_no_staff_group_when_read_then_the_account_is_forbidden() -> None:
    with pytest.raises(Forbidden):
        staff(**{"cognito:groups": "[volunteers]"})
    with pytest.raises(Forbidden):
        staff(**{"cognito:groups": None})


@pytest.mark.parametrize(
    "overrides",
    [{"sub": None}, {"sub": ""}, {"token_use": "access"}, {"token_use": "refresh"}],
    ids=["no-sub", "empty-sub", "access-token", "other-token"],
)
def test_given_claims_that_name_nobody_when_read_then_it_is_unauthorised(
    overrides: dict[str, Any],
) -> None:
    with pytest.raises(Unauthorised):
        staff(**overrides)


def test_given_claims_without_a_token_use_when_read_then_they_are_taken() -> None:
    assert staff(token_use=None).roles == {Role.AGENT}


def test_given_no_username_claim_when_read_then_the_email_or_the_sub_names_the_user() -> None:
    assert staff(**{"cognito:username": None}).username == ID_CLAIMS["email"]
    assert staff(**{"cognito:username": None, "email": None}).username == ID_CLAIMS["sub"]


def test_given_an_agent_then_it_holds_its_role_only() -> None:
    member = staff()

    assert member.has(Role.AGENT)
    assert member.has(Role.SUPERVISOR, Role.AGENT)
    assert not member.has(Role.SUPERVISOR)
    assert not member.has()
    member.require(Role.AGENT)
    with pytest.raises(Forbidden, match="supervisor"):
        member.require(Role.SUPERVISOR)


def test_given_an_administrator_then_it_holds_every_role() -> None:
    admin = staff(**{"cognito:groups": "[administrator]"})

    assert all(admin.has(role) for role in Role)
    admin.require(Role.CAMPAIGN_MANAGER)


def test_given_an_agent_of_a_district_then_it_covers_that_district_and_unlocated_requests() -> None:
    member = staff()

    assert member.covers_district("2")
    assert member.covers_district(None)
    assert not member.covers_district("6")
    assert not member.whole_city
    member.require_district("2")
    with pytest.raises(Forbidden):
        member.require_district("6")


def test_given_a_whole_city_scope_then_every_district_is_covered() -> None:
    member = staff(**{"custom:districts": EVERY_DISTRICT})

    assert member.whole_city
    assert all(member.covers_district(str(code)) for code in range(1, 11))


def test_given_an_agent_then_it_covers_its_groups_and_their_branches_only() -> None:
    member = staff()

    assert member.covers_group("lighting")
    assert member.covers_group("lighting.d2")
    assert member.covers_group("cleaning.b7")
    assert member.covers_group(None)
    assert not member.covers_group("parks")
    assert not member.covers_group("parks.d2")
    assert not member.covers_group("lighting-extra")


def test_given_a_branch_in_the_groups_then_only_that_branch_is_covered() -> None:
    member = staff(**{"custom:groups": "waste.d6"})

    assert member.covers_group("waste.d6")
    assert not member.covers_group("waste.d2")
    assert not member.covers_group("waste")


def test_given_a_supervisor_or_administrator_then_every_group_is_covered() -> None:
    supervisor = staff(**{"cognito:groups": "[supervisor]", "custom:groups": None})
    admin = staff(**{"cognito:groups": "[administrator]", "custom:groups": None})

    assert supervisor.covers_group("parks.d6")
    assert admin.covers_group("taxes")
    assert not supervisor.covers_district("6")


def test_given_a_staff_member_then_it_cannot_be_changed() -> None:
    member = staff()

    with pytest.raises(ValueError, match="frozen"):
        member.districts = frozenset({EVERY_DISTRICT})  # type: ignore[misc]
