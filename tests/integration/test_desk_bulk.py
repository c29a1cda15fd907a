"""Bulk validation and bulk reassignment through the Chalice app, each request on its own."""

from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from finestra.apps.desk import DeskApp
from finestra.domain.vocabulary import RequestState
from tests.support.aws import table_items
from tests.support.desk_work import (
    AGENT,
    CAMPAIGN_MANAGER,
    COLLEAGUE,
    PREFIX,
    call,
    event,
    file_request,
    take_lock,
    worklist,
)

POTHOLE = "BCN-2026-000001"
ENQUIRY = "BCN-2026-000002"
CABLE = "BCN-2026-000003"
WORKS = "BCN-2026-000004"
UNKNOWN = "BCN-2026-009999"


@pytest.fixture
def api(function: Callable[[str], ModuleType]) -> ModuleType:
    return function("desk_api")


@pytest.fixture
def desk(api: ModuleType) -> DeskApp:
    runtime: DeskApp = api.desk.get()
    return runtime


@pytest.fixture
def pending(desk: DeskApp) -> list[str]:
    """Four requests pending validation, of four processes, in the agent's groups."""
    file_request(desk, 1, theme="roads.pothole")
    file_request(desk, 2, theme="general.enquiry", group="information")
    file_request(desk, 3, theme="roads.utility-cable")
    file_request(desk, 4, theme="roads.works-obstruction")
    return [POTHOLE, ENQUIRY, CABLE, WORKS]


def validate(api: ModuleType, body: Any, claims: dict[str, str] = AGENT) -> tuple[int, Any]:
    return call(api, event("POST", f"{PREFIX}/requests/bulk/validate", claims=claims, body=body))


def reassign(api: ModuleType, body: Any, claims: dict[str, str] = AGENT) -> tuple[int, Any]:
    return call(api, event("POST", f"{PREFIX}/requests/bulk/reassign", claims=claims, body=body))


def outcomes(answer: dict[str, Any]) -> dict[str, Any]:
    return {item["reference"]: item for item in answer["items"]}


def state_of(desk: DeskApp, reference: str) -> RequestState:
    request = desk.requests.get(reference)
    assert request is not None
    return request.state


def entries(reference: str) -> list[dict[str, Any]]:
    return [i for i in table_items(f"REQUEST#{reference}") if i["type"] == "interaction"]


# ---------------------------------------------------------------------- validate


def test_each_request_moves_to_its_process_s_next_state_and_the_history_says_who(
    api: ModuleType, desk: DeskApp, pending: list[str]
) -> None:
    status, answer = validate(api, {"references": pending})

    assert status == 200, answer
    assert (answer["done"], answer["failed"]) == (4, 0)
    assert [item["reference"] for item in answer["items"]] == pending
    assert {ref: item["request"]["state"] for ref, item in outcomes(answer).items()} == {
        POTHOLE: "planned",
        ENQUIRY: "closed",
        CABLE: "externally_processed",
        WORKS: "in_resolution",
    }
    assert state_of(desk, ENQUIRY) is RequestState.CLOSED
    [entry] = entries(POTHOLE)
    assert entry["actor"] == f"staff:{AGENT['sub']}"
    assert (entry["from_state"], entry["to_state"]) == ("pending_validation", "planned")


def test_a_request_locked_by_a_colleague_is_reported_and_the_rest_are_done(
    api: ModuleType, desk: DeskApp, pending: list[str]
) -> None:
    take_lock(api, CABLE, COLLEAGUE)

    _, answer = validate(api, {"references": pending})

    found = outcomes(answer)
    assert (answer["done"], answer["failed"]) == (3, 1)
    assert found[CABLE]["ok"] is False
    assert found[CABLE]["error"]["code"] == "locked"
    assert COLLEAGUE["cognito:username"] in found[CABLE]["error"]["message"]
    assert state_of(desk, CABLE) is RequestState.PENDING_VALIDATION
    assert entries(CABLE) == []
    assert state_of(desk, POTHOLE) is RequestState.PLANNED


def test_requests_of_another_group_not_pending_or_unknown_are_refused_each_by_name(
    api: ModuleType, desk: DeskApp, pending: list[str]
) -> None:
    lighting = file_request(desk, 5, theme="lighting.street-dark", group="lighting.d2")
    planned = file_request(desk, 6, state=RequestState.PLANNED)

    _, answer = validate(api, {"references": [POTHOLE, lighting, planned, UNKNOWN]})

    found = outcomes(answer)
    assert found[POTHOLE]["ok"] is True
    assert found[lighting]["error"]["code"] == "forbidden"
    assert found[planned]["error"]["code"] == "conflict"
    assert found[planned]["error"]["field"] == "state"
    assert found[UNKNOWN]["error"]["code"] == "not_found"
    assert state_of(desk, lighting) is RequestState.PENDING_VALIDATION
    assert entries(lighting) == []


def test_a_target_state_is_taken_where_the_process_allows_it_and_refused_where_not(
    api: ModuleType, desk: DeskApp, pending: list[str]
) -> None:
    _, answer = validate(api, {"references": [POTHOLE, WORKS], "to": "in_resolution"})

    found = outcomes(answer)
    assert found[WORKS]["request"]["state"] == "in_resolution"
    assert found[POTHOLE]["error"]["code"] == "transition_refused"
    assert state_of(desk, POTHOLE) is RequestState.PENDING_VALIDATION


def test_sending_the_same_list_again_changes_nothing_twice(
    api: ModuleType, desk: DeskApp, pending: list[str]
) -> None:
    validate(api, {"references": [POTHOLE]})

    _, again = validate(api, {"references": [POTHOLE]})

    assert again["items"][0]["error"]["code"] == "conflict"
    assert len(entries(POTHOLE)) == 1


def test_validated_requests_leave_the_pending_count(
    api: ModuleType, desk: DeskApp, pending: list[str]
) -> None:
    _, before = worklist(api, group="paving", view="pending_validation")

    validate(api, {"references": [POTHOLE, CABLE]})
    _, after = worklist(api, group="paving", view="pending_validation")

    assert before["views"]["pending_validation"] == 3
    assert after["views"]["pending_validation"] == 1
    assert {item["reference"] for item in after["items"]} == {WORKS}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"references": []}, "references"),
        ({"references": [f"BCN-2026-{n:06d}" for n in range(1, 52)]}, "references"),
        ({"references": [POTHOLE], "to": "cancelled"}, "to"),
        ({"references": [POTHOLE], "to": "flying"}, "to"),
        ({"references": [POTHOLE], "extra": 1}, "extra"),
    ],
)
def test_a_list_that_breaks_a_rule_is_refused_whole_and_nothing_is_written(
    api: ModuleType, desk: DeskApp, pending: list[str], body: dict[str, Any], field: str
) -> None:
    before = table_items()

    status, answer = validate(api, body)

    assert status == 422, answer
    assert field in {error["field"] for error in answer["errors"]}
    assert table_items() == before


def test_a_reference_named_twice_is_refused_naming_it(
    api: ModuleType, desk: DeskApp, pending: list[str]
) -> None:
    status, answer = validate(api, {"references": [POTHOLE, CABLE, POTHOLE]})

    assert status == 422
    assert answer["errors"] == [{"field": "references", "rule": f"names {POTHOLE} more than once"}]
    assert state_of(desk, POTHOLE) is RequestState.PENDING_VALIDATION


def test_a_campaign_manager_may_not_validate(api: ModuleType, pending: list[str]) -> None:
    status, answer = validate(api, {"references": [POTHOLE]}, CAMPAIGN_MANAGER)

    assert status == 403
    assert answer["code"] == "forbidden"


# ---------------------------------------------------------------------- reassign


def test_bulk_reassignment_gives_each_request_to_the_group_with_the_reason(
    api: ModuleType, desk: DeskApp, pending: list[str]
) -> None:
    body = {"references": [POTHOLE, CABLE], "group": "paving", "reason": "City-wide crew"}

    status, answer = reassign(api, body)

    assert status == 200, answer
    assert answer["done"] == 2
    assert {item["request"]["group"] for item in answer["items"]} == {"paving"}
    [entry] = entries(CABLE)
    assert entry["reason"] == "City-wide crew"


def test_bulk_reassignment_needs_a_reason_and_a_group_of_the_catalogue(
    api: ModuleType, pending: list[str]
) -> None:
    before = table_items()

    no_reason, first = reassign(api, {"references": [POTHOLE], "group": "paving"})
    no_group, second = reassign(
        api, {"references": [POTHOLE], "group": "nowhere", "reason": "Moved"}
    )

    assert (no_reason, no_group) == (422, 422)
    assert first["errors"][0]["field"] == "reason"
    assert second["errors"][0]["field"] == "group"
    assert table_items() == before


def test_bulk_reassignment_reports_a_locked_and_a_foreign_request_and_does_the_rest(
    api: ModuleType, desk: DeskApp, pending: list[str]
) -> None:
    lighting = file_request(desk, 5, theme="lighting.street-dark", group="lighting.d2")
    take_lock(api, WORKS, COLLEAGUE)
    body = {"references": [POTHOLE, WORKS, lighting], "group": "paving", "reason": "Crew"}

    _, answer = reassign(api, body)

    found = outcomes(answer)
    assert found[POTHOLE]["ok"] is True
    assert found[WORKS]["error"]["code"] == "locked"
    assert found[lighting]["error"]["code"] == "forbidden"


def test_a_request_handed_back_to_a_group_that_held_it_raises_reassigned_back(
    api: ModuleType, desk: DeskApp, pending: list[str]
) -> None:
    away = {"references": [POTHOLE], "group": "paving", "reason": "City-wide crew"}
    back = {"references": [POTHOLE], "group": "paving.d2", "reason": "Local crew after all"}

    reassign(api, away)
    after_away = desk.requests.get(POTHOLE)
    reassign(api, back)
    after_back = desk.requests.get(POTHOLE)

    assert after_away is not None
    assert after_back is not None
    assert "reassigned_back" not in after_away.flags
    assert "reassigned_back" in after_back.flags
    assert after_back.former_groups == {"paving.d2", "paving"}
