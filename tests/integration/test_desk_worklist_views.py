"""The worklist's views and their counts, and its alarm filter, through the Chalice app."""

from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from finestra.apps.desk import DeskApp
from finestra.domain.vocabulary import Priority, RequestState
from tests.support.desk_work import AGENT, COLLEAGUE, file_request, worklist

PENDING_NORMAL = "BCN-2026-000001"
PENDING_URGENT_NEAR = "BCN-2026-000002"
MINE = "BCN-2026-000003"
BREACHED_REPLIED = "BCN-2026-000004"
PLANNED_NEAR_FLAGGED = "BCN-2026-000005"

VIEW_ITEMS: dict[str, set[str]] = {
    "open": {PENDING_NORMAL, PENDING_URGENT_NEAR, MINE, BREACHED_REPLIED, PLANNED_NEAR_FLAGGED},
    "pending_validation": {PENDING_NORMAL, PENDING_URGENT_NEAR},
    "mine": {MINE},
    "about_to_breach": {PENDING_URGENT_NEAR, PLANNED_NEAR_FLAGGED},
    "breached": {BREACHED_REPLIED},
    "urgent": {PENDING_URGENT_NEAR},
}
COUNTS = {
    "open": 5,
    "pending_validation": 2,
    "mine": 1,
    "about_to_breach": 2,
    "breached": 1,
    "urgent": 1,
    "alarms": {"citizen_replied": 2, "possible_duplicate": 1},
}


@pytest.fixture
def api(function: Callable[[str], ModuleType]) -> ModuleType:
    return function("desk_api")


@pytest.fixture
def desk(api: ModuleType) -> DeskApp:
    runtime: DeskApp = api.desk.get()
    return runtime


@pytest.fixture
def group(desk: DeskApp) -> None:
    """Five open requests of paving's branch in district 2, one closed, one of lighting."""
    file_request(desk, 1, spent=0.5)
    file_request(desk, 2, priority=Priority.URGENT, spent=0.95)
    file_request(desk, 3, state=RequestState.IN_RESOLUTION, spent=0.2, agent=AGENT["sub"])
    file_request(
        desk,
        4,
        state=RequestState.IN_RESOLUTION,
        spent=1.2,
        agent=COLLEAGUE["sub"],
        flags=frozenset({"citizen_replied"}),
    )
    file_request(
        desk,
        5,
        state=RequestState.PLANNED,
        priority=Priority.HIGH,
        spent=0.92,
        flags=frozenset({"citizen_replied", "possible_duplicate", "seen"}),
    )
    file_request(desk, 6, state=RequestState.CLOSED, spent=0.5)
    file_request(
        desk, 7, theme="lighting.street-dark", group="lighting.d2", priority=Priority.URGENT
    )


def refs(answer: dict[str, Any]) -> set[str]:
    return {item["reference"] for item in answer["items"]}


@pytest.mark.parametrize("view", list(VIEW_ITEMS))
def test_each_view_shows_its_requests_and_every_views_count(
    api: ModuleType, group: None, view: str
) -> None:
    status, answer = worklist(api, group="paving", view=view)

    assert status == 200, answer
    assert refs(answer) == VIEW_ITEMS[view]
    assert answer["views"] == COUNTS


def test_the_sla_counts_stay_as_they_were_beside_the_view_counts(
    api: ModuleType, group: None
) -> None:
    _, answer = worklist(api, group="paving")

    assert answer["counts"] == {"on_time": 2, "at_risk": 2, "breached": 1}


def test_mine_is_the_callers_own_so_a_colleague_sees_theirs(api: ModuleType, group: None) -> None:
    _, answer = worklist(api, COLLEAGUE, group="paving", view="mine")

    assert refs(answer) == {BREACHED_REPLIED}
    assert answer["views"]["mine"] == 1


def test_rows_carry_their_alarms_and_agent_and_leave_other_flags_out(
    api: ModuleType, group: None
) -> None:
    _, answer = worklist(api, group="paving")
    rows = {item["reference"]: item for item in answer["items"]}

    assert rows[PLANNED_NEAR_FLAGGED]["alarms"] == ["citizen_replied", "possible_duplicate"]
    assert rows[BREACHED_REPLIED]["alarms"] == ["citizen_replied"]
    assert rows[PENDING_NORMAL]["alarms"] == []
    assert rows[MINE]["agent"] == AGENT["sub"]


def test_the_alarm_filter_keeps_requests_carrying_it_within_a_view(
    api: ModuleType, group: None
) -> None:
    _, replied = worklist(api, group="paving", alarm="citizen_replied")
    _, near = worklist(api, group="paving", alarm="citizen_replied", view="about_to_breach")

    assert refs(replied) == {BREACHED_REPLIED, PLANNED_NEAR_FLAGGED}
    assert refs(near) == {PLANNED_NEAR_FLAGGED}
    assert replied["views"] == COUNTS


def test_an_unknown_view_or_alarm_is_refused_naming_it(api: ModuleType, group: None) -> None:
    view_status, view_answer = worklist(api, group="paving", view="everything")
    alarm_status, alarm_answer = worklist(api, group="paving", alarm="seen")

    assert (view_status, alarm_status) == (422, 422)
    assert view_answer["errors"][0]["field"] == "view"
    assert alarm_answer["errors"][0]["field"] == "alarm"


def test_a_filter_that_contradicts_the_view_is_refused_and_one_that_agrees_is_taken(
    api: ModuleType, group: None
) -> None:
    refused, answer = worklist(api, group="paving", view="urgent", priority="low")
    agreed, same = worklist(api, group="paving", view="urgent", priority="urgent")

    assert refused == 422
    assert answer["errors"][0]["field"] == "priority"
    assert agreed == 200
    assert refs(same) == VIEW_ITEMS["urgent"]


def test_a_cursor_of_one_view_is_refused_by_another_and_follows_its_own(
    api: ModuleType, group: None
) -> None:
    _, first = worklist(api, group="paving", view="pending_validation", limit="1")
    cursor = first["next_cursor"]

    elsewhere, answer = worklist(api, group="paving", view="open", cursor=cursor)
    status, second = worklist(api, group="paving", view="pending_validation", cursor=cursor)

    assert elsewhere == 400
    assert answer["errors"][0]["field"] == "cursor"
    assert status == 200
    assert refs(first) | refs(second) == VIEW_ITEMS["pending_validation"]
    assert second["views"] == COUNTS


def test_the_counts_cost_no_more_queries_than_the_sla_counts_did(
    api: ModuleType, desk: DeskApp, group: None
) -> None:
    meter = desk.table.meter
    before = dict(meter.calls)

    worklist(api, group="paving", view="mine")

    queries = meter.calls.get("Query", 0) - before.get("Query", 0)
    ranges = len(desk.worklist.queues(desk_staff(), "paving", None)) * desk.settings.queue_shards
    assert queries == 3 * ranges


def desk_staff() -> Any:
    from finestra.auth import staff_from_claims

    return staff_from_claims(AGENT)
