"""Clearing a request's alarm through the Chalice app: who may, when, and what is recorded."""

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
    OTHER_GROUP,
    PREFIX,
    call,
    event,
    file_request,
    take_lock,
    worklist,
)

REFERENCE = "BCN-2026-000001"
ROUTE = f"{PREFIX}/requests/{{reference}}/alarms/{{alarm}}/clear"


@pytest.fixture
def api(function: Callable[[str], ModuleType]) -> ModuleType:
    return function("desk_api")


@pytest.fixture
def desk(api: ModuleType) -> DeskApp:
    runtime: DeskApp = api.desk.get()
    return runtime


@pytest.fixture
def flagged(desk: DeskApp) -> str:
    return file_request(
        desk,
        1,
        state=RequestState.IN_RESOLUTION,
        spent=1.1,
        flags=frozenset({"citizen_replied", "possible_duplicate", "sla_breached"}),
    )


def clear(
    api: ModuleType, alarm: str, body: Any = None, claims: dict[str, str] = AGENT
) -> tuple[int, Any]:
    path = {"reference": REFERENCE, "alarm": alarm}
    return call(api, event("POST", ROUTE, claims=claims, body=body, path=path))


def flags_of(desk: DeskApp) -> frozenset[str]:
    request = desk.requests.get(REFERENCE)
    assert request is not None
    return request.flags


def entries() -> list[dict[str, Any]]:
    return [i for i in table_items(f"REQUEST#{REFERENCE}") if i["type"] == "interaction"]


def test_clearing_lowers_the_alarm_and_the_history_says_who_and_why(
    api: ModuleType, desk: DeskApp, flagged: str
) -> None:
    status, answer = clear(api, "citizen_replied", {"note": "Called them back"})

    assert status == 200, answer
    assert answer["alarm"] == "citizen_replied"
    assert answer["alarms"] == ["sla_breached", "possible_duplicate"]
    assert flags_of(desk) == {"possible_duplicate", "sla_breached"}
    [entry] = entries()
    assert entry["actor"] == f"staff:{AGENT['sub']}"
    assert entry["actor_name"] == AGENT["cognito:username"]
    assert entry["text"] == "alarm citizen_replied cleared"
    assert entry["reason"] == "Called them back"
    assert answer["version"] == 2


def test_an_alarm_is_cleared_without_a_note_too(
    api: ModuleType, desk: DeskApp, flagged: str
) -> None:
    status, _ = clear(api, "possible_duplicate")

    assert status == 200
    assert "possible_duplicate" not in flags_of(desk)


def test_a_cleared_alarm_leaves_the_alarm_filter_and_its_count(
    api: ModuleType, desk: DeskApp, flagged: str
) -> None:
    _, before = worklist(api, group="paving", alarm="citizen_replied")

    clear(api, "citizen_replied")
    _, after = worklist(api, group="paving", alarm="citizen_replied")

    assert [item["reference"] for item in before["items"]] == [REFERENCE]
    assert before["views"]["alarms"]["citizen_replied"] == 1
    assert after["items"] == []
    assert "citizen_replied" not in after["views"]["alarms"]


def test_an_alarm_not_raised_is_a_conflict_and_a_second_clear_is_one_too(
    api: ModuleType, desk: DeskApp, flagged: str
) -> None:
    never, answer = clear(api, "claimed")
    clear(api, "citizen_replied")
    again, second = clear(api, "citizen_replied")

    assert (never, again) == (409, 409)
    assert answer["code"] == second["code"] == "alarm_not_raised"
    assert len(entries()) == 1


def test_an_unknown_alarm_is_not_found_and_a_standing_one_cannot_be_cleared(
    api: ModuleType, desk: DeskApp, flagged: str
) -> None:
    unknown, _ = clear(api, "seen")
    standing, answer = clear(api, "sla_breached")

    assert unknown == 404
    assert standing == 422
    assert answer["errors"][0]["field"] == "alarm"
    assert "sla_breached" in flags_of(desk)
    assert entries() == []


@pytest.mark.parametrize("claims", [OTHER_GROUP, CAMPAIGN_MANAGER])
def test_staff_outside_the_request_s_scope_may_not_clear(
    api: ModuleType, desk: DeskApp, flagged: str, claims: dict[str, str]
) -> None:
    status, answer = clear(api, "citizen_replied", claims=claims)

    assert status == 403
    assert answer["code"] == "forbidden"
    assert "citizen_replied" in flags_of(desk)


def test_a_request_locked_by_a_colleague_keeps_its_alarm(
    api: ModuleType, desk: DeskApp, flagged: str
) -> None:
    take_lock(api, REFERENCE, COLLEAGUE)

    status, answer = clear(api, "citizen_replied")

    assert status == 409
    assert answer["code"] == "locked"
    assert "citizen_replied" in flags_of(desk)
    assert entries() == []


def test_the_lock_holder_clears_their_own_request(
    api: ModuleType, desk: DeskApp, flagged: str
) -> None:
    take_lock(api, REFERENCE, AGENT)

    status, _ = clear(api, "citizen_replied")

    assert status == 200


def test_a_note_that_breaks_a_rule_is_refused_naming_it(
    api: ModuleType, desk: DeskApp, flagged: str
) -> None:
    status, answer = clear(api, "citizen_replied", {"note": "x" * 501})

    assert status == 422
    assert answer["errors"][0]["field"] == "note"
    assert "citizen_replied" in flags_of(desk)
