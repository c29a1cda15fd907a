"""A group's worklist and group search cover its subtree, through the Chalice app: the
groups below it and their branches in the caller's districts, soonest due first, with
the whole subtree's counts; a subtree past the read cap is refused naming the groups
to choose from."""

from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from finestra.apps.desk import DeskApp
from finestra.domain.vocabulary import Priority
from tests.conftest import Seeder
from tests.support.desk_work import PREFIX, call, event, file_request, worklist

BREACHED_PAVING = "BCN-2026-000001"
NEAR_LIGHTING = "BCN-2026-000002"
PAVING = "BCN-2026-000003"
GRAFFITI = "BCN-2026-000004"
PARKS = "BCN-2026-000005"
LIGHTING_ELSEWHERE = "BCN-2026-000006"

AREA_CHILDREN = ("lighting", "paving", "street-furniture", "graffiti", "water-sewers", "port-vell")
CITY_AREAS = (
    "urban-maintenance",
    "environment",
    "mobility",
    "finance",
    "urban-planning",
    "social-rights",
    "culture-sports",
    "security",
    "citizen-services",
)

COORDINATOR: dict[str, str] = {
    "sub": "2c4e6a8b-1d3f-4a5c-8e7b-9d0f1a2b3c4d",
    "cognito:username": "coord.urban",
    "cognito:groups": "[agent]",
    "custom:districts": "2",
    "custom:groups": "urban-maintenance",
    "token_use": "id",
}
CITY_COORDINATOR = {**COORDINATOR, "custom:districts": "*"}
LIGHTING_AGENT = {
    **COORDINATOR,
    "sub": "6f1e2d3c-4b5a-4978-8c6d-5e4f3a2b1c0d",
    "cognito:username": "agent.lighting",
    "custom:groups": "lighting",
}
CITY_SUPERVISOR = {
    **COORDINATOR,
    "sub": "8a9b0c1d-2e3f-4a5b-9c8d-7e6f5a4b3c2d",
    "cognito:username": "supervisor.city",
    "cognito:groups": "[supervisor]",
    "custom:districts": "*",
    "custom:groups": "city",
}


@pytest.fixture
def api(function: Callable[[str], ModuleType]) -> ModuleType:
    return function("desk_api")


@pytest.fixture
def area(api: ModuleType) -> None:
    """Open requests of urban maintenance's groups in district 2, one of parks, one elsewhere."""
    desk: DeskApp = api.desk.get()
    file_request(desk, 1, group="paving.d2", spent=1.2)
    file_request(
        desk,
        2,
        theme="lighting.street-dark",
        group="lighting.d2",
        priority=Priority.URGENT,
        spent=0.95,
    )
    file_request(desk, 3, group="paving.d2", spent=0.5)
    file_request(desk, 4, theme="graffiti.wall", group="graffiti", spent=0.1)
    file_request(desk, 5, theme="trees.fallen-branch", group="parks.d2", spent=0.9)
    file_request(
        desk, 6, theme="lighting.street-dark", group="lighting.d5", district="5", spent=0.3
    )


def references(answer: dict[str, Any]) -> list[str]:
    return [item["reference"] for item in answer["items"]]


def search(api: ModuleType, claims: dict[str, str], **query: str) -> tuple[int, Any]:
    return call(api, event("GET", f"{PREFIX}/requests/search", claims=claims, query=query))


# --------------------------------------------------------------------------- worklist


def test_a_coordinator_s_area_worklist_holds_its_groups_requests_soonest_due_first(
    api: ModuleType, area: None
) -> None:
    status, answer = worklist(api, COORDINATOR, group="urban-maintenance")

    assert status == 200, answer
    assert references(answer) == [BREACHED_PAVING, NEAR_LIGHTING, PAVING, GRAFFITI]
    assert {item["group"] for item in answer["items"]} == {"paving.d2", "lighting.d2", "graffiti"}


def test_the_area_worklist_counts_the_whole_subtree(api: ModuleType, area: None) -> None:
    _, answer = worklist(api, COORDINATOR, group="urban-maintenance")

    assert answer["counts"] == {"on_time": 2, "at_risk": 1, "breached": 1}
    views = answer["views"]
    assert (views["open"], views["pending_validation"]) == (4, 4)
    assert (views["breached"], views["about_to_breach"], views["urgent"]) == (1, 1, 1)


def test_the_area_worklist_pages_on_by_its_cursor_with_the_first_page_s_counts(
    api: ModuleType, area: None
) -> None:
    _, first = worklist(api, COORDINATOR, group="urban-maintenance", limit="2")
    status, second = worklist(
        api, COORDINATOR, group="urban-maintenance", limit="2", cursor=first["next_cursor"]
    )

    assert status == 200, second
    assert references(first) + references(second) == [
        BREACHED_PAVING,
        NEAR_LIGHTING,
        PAVING,
        GRAFFITI,
    ]
    assert second["views"] == first["views"]
    assert second["next_cursor"] is None


def test_a_cursor_of_a_child_group_is_refused_by_the_area_worklist(
    api: ModuleType, area: None
) -> None:
    _, paving = worklist(api, COORDINATOR, group="paving", limit="1")

    status, answer = worklist(
        api, COORDINATOR, group="urban-maintenance", cursor=paving["next_cursor"]
    )

    assert status == 400
    assert answer["errors"][0]["field"] == "cursor"


def test_an_agent_of_a_child_group_sees_their_group_and_not_a_sibling_s(
    api: ModuleType, area: None
) -> None:
    status, own = worklist(api, LIGHTING_AGENT, group="lighting")
    refused, answer = worklist(api, LIGHTING_AGENT, group="paving")

    assert status == 200, own
    assert references(own) == [NEAR_LIGHTING]
    assert own["views"]["open"] == 1
    assert refused == 403
    assert "paving" in answer["message"]


def test_an_area_past_the_read_cap_is_refused_naming_the_groups_below_it(
    api: ModuleType, area: None
) -> None:
    status, answer = worklist(api, CITY_COORDINATOR, group="urban-maintenance")

    assert status == 422
    assert answer["code"] == "too_many_queues"
    assert answer["errors"][0]["field"] == "group"
    for child in AREA_CHILDREN:
        assert child in answer["message"]
    assert "64" in answer["message"]
    assert "items" not in answer


def test_the_refused_area_is_read_once_a_district_or_a_child_group_narrows_it(
    api: ModuleType, area: None
) -> None:
    by_district, district = worklist(api, CITY_COORDINATOR, group="urban-maintenance", district="5")
    by_child, lighting = worklist(api, CITY_COORDINATOR, group="lighting")

    assert (by_district, by_child) == (200, 200)
    assert references(district) == [LIGHTING_ELSEWHERE]
    assert references(lighting) == [NEAR_LIGHTING, LIGHTING_ELSEWHERE]


def test_the_city_root_is_refused_naming_the_area_groups_even_in_one_district(
    api: ModuleType, area: None
) -> None:
    whole, answer = worklist(api, CITY_SUPERVISOR, group="city")
    narrowed, narrowed_answer = worklist(api, CITY_SUPERVISOR, group="city", district="2")

    assert (whole, narrowed) == (422, 422)
    for child in CITY_AREAS:
        assert child in answer["message"]
        assert child in narrowed_answer["message"]
    assert "lighting" not in answer["message"]


def test_a_supervisor_of_the_city_reads_an_area_group_in_a_district(
    api: ModuleType, area: None
) -> None:
    status, answer = worklist(api, CITY_SUPERVISOR, group="environment", district="2")
    area_status, area_answer = worklist(
        api, CITY_SUPERVISOR, group="urban-maintenance", district="2"
    )

    assert status == 422
    assert "parks" in answer["message"]
    assert area_status == 200, area_answer
    assert references(area_answer) == [BREACHED_PAVING, NEAR_LIGHTING, PAVING, GRAFFITI]


# --------------------------------------------------------------------------- search


def test_a_search_by_the_area_group_finds_its_child_groups_requests(
    api: ModuleType, area: None
) -> None:
    status, answer = search(api, COORDINATOR, group="urban-maintenance")

    assert status == 200, answer
    assert answer["access_path"] == "group"
    assert set(references(answer)) == {BREACHED_PAVING, NEAR_LIGHTING, PAVING, GRAFFITI}


def test_a_search_by_a_child_group_leaves_its_siblings_out(api: ModuleType, area: None) -> None:
    status, answer = search(api, LIGHTING_AGENT, group="lighting")
    refused, _ = search(api, LIGHTING_AGENT, group="urban-maintenance")

    assert status == 200, answer
    assert references(answer) == [NEAR_LIGHTING]
    assert refused == 403


def test_a_search_of_an_area_past_the_range_cap_is_refused_naming_the_groups_below_it(
    api: ModuleType, area: None
) -> None:
    status, answer = search(api, CITY_COORDINATOR, group="urban-maintenance", state="any")

    assert status == 422
    assert answer["code"] == "too_many_queues"
    for child in AREA_CHILDREN:
        assert child in answer["message"]


def test_a_search_by_applicant_within_a_wide_area_finds_the_request_of_a_group_below(
    api: ModuleType, seed: Seeder
) -> None:
    citizen = seed.citizen(phone="+34622334455")
    seed.request(citizen, reference=PARKS, state="pending_validation", theme_code="trees.pruning")
    ecology = {**CITY_COORDINATOR, "custom:groups": "environment"}

    status, answer = search(api, ecology, applicant=citizen, group="environment")
    sibling, other = search(api, ecology, applicant=citizen, group="noise")

    assert status == 200, answer
    assert answer["access_path"] == "applicant"
    assert references(answer) == [PARKS]
    assert sibling == 200, other
    assert references(other) == []
