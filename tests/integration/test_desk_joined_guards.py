"""A joined request keeps its principal's group, theme and priority, through the desk API.

A joined request is worked as one with its principal: its group, theme and priority are
not changed on its own (the staff member unjoins it first), and when the principal is
given to another group the joined requests go with it.
"""

from types import ModuleType
from typing import Any

import pytest

from tests.conftest import Seeder
from tests.integration.test_desk_actions import AGENT, PREFIX, call, event
from tests.integration.test_desk_links import (
    JOINED,
    OTHER,
    PRINCIPAL,
    api,
    collection,
    given,
    montse,
    oliver,
    pair,
    post,
    stored,
    unjoin,
)
from tests.support.aws import table_items

__all__ = ["api", "montse", "oliver", "pair"]

CHANGES: dict[str, tuple[str, dict[str, Any], str]] = {
    "group": ("assignment", {"group": "paving", "reason": "City-wide crew"}, "group"),
    "theme": ("theme", {"theme": "roads.loose-paving", "reason": "Loose slabs"}, "theme"),
    "priority": ("priority", {"priority": "high"}, "priority"),
}


@pytest.fixture
def joined(api: ModuleType, pair: tuple[str, str]) -> str:
    status, answer = call(api, post(JOINED, "join", {"into": PRINCIPAL}))
    assert status == 200, answer
    return JOINED


def assignments(reference: str) -> list[dict[str, Any]]:
    return [
        i for i in collection(reference) if i["type"] == "interaction" and i["kind"] == "assignment"
    ]


@pytest.mark.parametrize("change", CHANGES, ids=list(CHANGES))
def test_a_joined_request_s_own_change_is_refused_naming_its_principal_and_writes_nothing(
    api: ModuleType, joined: str, change: str
) -> None:
    route, body, what = CHANGES[change]
    before = table_items()

    status, answer = call(api, post(joined, route, body))

    rule = f"is joined to {PRINCIPAL} and follows its {what}; unjoin it first"
    assert status == 409, answer
    assert answer["message"] == f"joined_to {rule}"
    assert answer["errors"] == [{"field": "joined_to", "rule": rule}]
    assert table_items() == before


@pytest.mark.parametrize("change", CHANGES, ids=list(CHANGES))
def test_once_unjoined_the_request_s_group_theme_and_priority_change_again(
    api: ModuleType, joined: str, change: str
) -> None:
    route, body, _ = CHANGES[change]
    assert call(api, unjoin(joined))[0] == 200

    status, answer = call(api, post(joined, route, body))

    assert status == 200, answer


def test_a_request_that_is_not_joined_changes_as_before(
    api: ModuleType, seed: Seeder, montse: str
) -> None:
    given(seed, OTHER, montse)

    status, answer = call(api, post(OTHER, "priority", {"priority": "urgent"}))

    assert status == 200, answer
    assert stored(OTHER)["priority"] == "urgent"


def test_the_principal_s_own_changes_are_not_refused(api: ModuleType, joined: str) -> None:
    status, answer = call(api, post(PRINCIPAL, "priority", {"priority": "high"}))

    assert status == 200, answer
    assert stored(joined)["priority"] == "normal"


def test_reassigning_the_principal_takes_its_joined_requests_to_the_same_group_and_agent(
    api: ModuleType, joined: str
) -> None:
    body = {"group": "paving", "agent": "agent42", "reason": "City-wide crew"}

    status, answer = call(api, post(PRINCIPAL, "assignment", body))

    assert status == 200, answer
    follower = stored(joined)
    assert (follower["responsible_group"], follower["assigned_agent"]) == ("paving", "agent42")
    assert follower["GSI2PK"].startswith("QUEUE#paving#")
    [entry] = assignments(joined)
    assert entry["reason"] == f"follows {PRINCIPAL}: City-wide crew"
    assert entry["text"] == "group paving.d2, agent - → group paving, agent agent42"


def test_a_request_unjoined_before_the_principal_moves_stays_where_it_is(
    api: ModuleType, joined: str
) -> None:
    call(api, unjoin(joined))

    call(api, post(PRINCIPAL, "assignment", {"group": "paving", "reason": "City-wide crew"}))

    assert stored(joined)["responsible_group"] == "paving.d2"
    assert assignments(joined) == []


def test_bulk_reassignment_reports_the_joined_request_refused_and_it_follows_its_principal(
    api: ModuleType, joined: str
) -> None:
    body = {"references": [joined, PRINCIPAL], "group": "paving", "reason": "City-wide crew"}

    status, answer = call(
        api, event("POST", f"{PREFIX}/requests/bulk/reassign", claims=AGENT, body=body)
    )

    assert status == 200, answer
    refused, done = answer["items"]
    assert (refused["reference"], refused["ok"]) == (joined, False)
    assert refused["error"]["code"] == "conflict"
    assert refused["error"]["field"] == "joined_to"
    assert PRINCIPAL in refused["error"]["message"]
    assert done["ok"] is True
    assert (answer["done"], answer["failed"]) == (1, 1)
    assert stored(joined)["responsible_group"] == "paving"
