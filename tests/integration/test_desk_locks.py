"""Request locks through the desk API's Chalice app, on payload-1.0 events, under moto.

Two agents of the same district and group and a supervisor call the routes with the
claims the gateway's JWT authorizer hands the function; the table comes from
``template.yaml``.
"""

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import pytest

from finestra.apps.desk import DeskApp
from finestra.auth import Role, Staff
from finestra.desk.locks import RequestLocks
from tests.conftest import Seeder
from tests.integration.test_desk_actions import (
    ACTIONS,
    AGENT,
    CAMPAIGN_MANAGER,
    EMAIL,
    OTHER_DISTRICT,
    OTHER_GROUP,
    PHONE,
    PREFIX,
    REFERENCE,
    action,
    call,
    entries,
    event,
    given_request,
)
from tests.support.aws import sent_sms, table_items

LOCK_ROUTE = f"{PREFIX}/requests/{{reference}}/lock"
DETAIL_ROUTE = f"{PREFIX}/requests/{{reference}}"

COLLEAGUE: dict[str, str] = {
    **AGENT,
    "sub": "c3d1f0a2-8b7e-4c6d-9a5f-2e1b0c9d8a7f",
    "cognito:username": "agent77",
}
SUPERVISOR: dict[str, str] = {
    **AGENT,
    "sub": "5e9a8b7c-6d5e-4f3a-2b1c-0d9e8f7a6b5c",
    "cognito:username": "supervisor3",
    "cognito:groups": "[supervisor]",
    "custom:groups": "",
}


def take(claims: dict[str, str] | None = AGENT, reference: str = REFERENCE) -> dict[str, Any]:
    return event("POST", LOCK_ROUTE, claims=claims, path={"reference": reference})


def release(
    claims: dict[str, str] | None = AGENT,
    *,
    query: dict[str, str] | None = None,
    reference: str = REFERENCE,
) -> dict[str, Any]:
    return event("DELETE", LOCK_ROUTE, claims=claims, path={"reference": reference}, query=query)


def detail(claims: dict[str, str] = AGENT) -> dict[str, Any]:
    return event("GET", DETAIL_ROUTE, claims=claims, path={"reference": REFERENCE})


def lock_items() -> list[dict[str, Any]]:
    return [i for i in table_items(f"REQUEST#{REFERENCE}") if i["SK"] == "LOCK"]


def answered_at(body: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(body["expires_at"])


@pytest.fixture
def api(function: Callable[[str], ModuleType]) -> ModuleType:
    return function("desk_api")


@pytest.fixture
def desk(api: ModuleType) -> DeskApp:
    built: DeskApp = api.desk.get()
    return built


@pytest.fixture
def case(seed: Seeder) -> str:
    citizen = seed.citizen(phone=PHONE, email=EMAIL, given_name="Montserrat")
    given_request(seed, citizen)
    return REFERENCE


# ---------------------------------------------------------------------- taking and showing


def test_an_agent_takes_the_lock_for_ten_minutes_and_the_detail_shows_it_as_theirs(
    api: ModuleType, case: str
) -> None:
    before = datetime.now(UTC)

    status, body = call(api, take())

    after = datetime.now(UTC)
    assert status == 200, body
    assert body["holder"] == AGENT["sub"]
    assert body["holder_name"] == "agent42"
    assert body["mine"] is True
    ten_minutes, second = timedelta(minutes=10), timedelta(seconds=1)
    assert before + ten_minutes - second <= answered_at(body) <= after + ten_minutes + second
    [item] = lock_items()
    assert item["holder"] == AGENT["sub"]
    assert int(item["expires_at"]) == int(answered_at(body).timestamp())
    status, shown = call(api, detail())
    assert status == 200
    assert shown["lock"] == body


def test_a_colleague_sees_who_holds_the_lock_and_is_refused_it_naming_them(
    api: ModuleType, case: str
) -> None:
    _, held = call(api, take())

    status, shown = call(api, detail(COLLEAGUE))
    refused, answer = call(api, take(COLLEAGUE))

    assert status == 200
    assert shown["lock"] == {**held, "mine": False}
    assert refused == 409
    assert answer["code"] == "locked"
    assert "agent42" in answer["message"]
    assert held["expires_at"] in answer["message"]
    [item] = lock_items()
    assert item["holder"] == AGENT["sub"]


def test_a_request_nobody_works_shows_no_lock(api: ModuleType, case: str) -> None:
    status, shown = call(api, detail())

    assert status == 200
    assert shown["lock"] is None


def test_the_holder_renews_the_lock_with_the_same_call(api: ModuleType, case: str) -> None:
    _, first = call(api, take())

    status, renewed = call(api, take())

    assert status == 200
    assert answered_at(renewed) >= answered_at(first)
    assert len(lock_items()) == 1


def test_a_lapsed_lock_shows_as_none_and_a_colleague_takes_it(
    api: ModuleType, desk: DeskApp, case: str
) -> None:
    long_ago = datetime.now(UTC) - timedelta(minutes=11)
    holder = Staff(
        user_id=AGENT["sub"],
        username="agent42",
        roles=frozenset({Role.AGENT}),
        districts=frozenset({"2"}),
        groups=frozenset({"paving"}),
    )
    RequestLocks(desk.table, lambda: long_ago).take(holder, REFERENCE)

    _, shown = call(api, detail(COLLEAGUE))
    status, body = call(api, take(COLLEAGUE))

    assert shown["lock"] is None
    assert status == 200
    assert body["holder_name"] == "agent77"


def test_the_lock_lasts_as_long_as_the_desk_s_setting_says(
    function: Callable[[str], ModuleType], case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FINESTRA_LOCK_SECONDS", "120")
    api = function("desk_api")
    before = datetime.now(UTC).replace(microsecond=0)

    status, body = call(api, take())
    after = datetime.now(UTC)

    assert status == 200
    lasts = timedelta(seconds=120)
    assert before + lasts <= answered_at(body) <= after + lasts


# ---------------------------------------------------------------------- writes under a lock


@pytest.mark.parametrize("name", list(ACTIONS))
def test_every_write_action_is_refused_with_409_locked_while_a_colleague_holds_the_lock(
    api: ModuleType, case: str, name: str
) -> None:
    call(api, take(COLLEAGUE))
    body, _ = ACTIONS[name]
    before = table_items()

    status, answer = call(api, action(name, body))

    assert status == 409, answer
    assert answer["code"] == "locked"
    assert "agent77" in answer["message"]
    assert table_items() == before
    assert sent_sms() == []


@pytest.mark.parametrize("name", list(ACTIONS))
def test_every_write_action_goes_through_for_the_lock_s_holder(
    api: ModuleType, case: str, name: str
) -> None:
    call(api, take())
    body, expected = ACTIONS[name]

    status, answer = call(api, action(name, body))

    assert status == expected, answer
    assert len(entries()) == 1
    assert len(lock_items()) == 1


# ---------------------------------------------------------------------- releasing and breaking


def test_the_holder_releases_the_lock_with_204_and_again_with_204(
    api: ModuleType, case: str
) -> None:
    call(api, take())

    first = api.app(release(), None)
    second = api.app(release(), None)

    assert (first["statusCode"], second["statusCode"]) == (204, 204)
    assert first["body"] == ""
    assert lock_items() == []
    assert call(api, detail())[1]["lock"] is None


def test_releasing_a_colleague_s_lock_is_409_locked_and_it_stays(
    api: ModuleType, case: str
) -> None:
    call(api, take())

    status, answer = call(api, release(COLLEAGUE))

    assert status == 409
    assert answer["code"] == "locked"
    assert len(lock_items()) == 1


def test_a_supervisor_breaks_a_lock_and_the_timeline_says_who_broke_whose(
    api: ModuleType, case: str
) -> None:
    call(api, take())

    status, _ = call(api, release(SUPERVISOR, query={"force": "true"}))

    assert status == 204
    assert lock_items() == []
    _, shown = call(api, detail(SUPERVISOR))
    [note] = [entry for entry in shown["timeline"] if entry["kind"] == "system"]
    assert note["text"] == "lock of agent42 broken by supervisor3"
    assert call(api, take(SUPERVISOR))[1]["mine"] is True


def test_an_agent_cannot_break_a_colleague_s_lock(api: ModuleType, case: str) -> None:
    call(api, take())
    before = table_items()

    status, answer = call(api, release(COLLEAGUE, query={"force": "true"}))

    assert status == 403
    assert "supervisors" in answer["message"]
    assert table_items() == before


# ---------------------------------------------------------------------- role, scope, bad input


@pytest.mark.parametrize("route", [take, release], ids=["take", "release"])
@pytest.mark.parametrize(
    "claims",
    [CAMPAIGN_MANAGER, OTHER_DISTRICT, OTHER_GROUP],
    ids=["campaign-manager", "other-district", "other-group"],
)
def test_staff_without_the_role_or_the_scope_are_forbidden_and_nothing_is_written(
    api: ModuleType,
    case: str,
    route: Callable[[dict[str, str] | None], dict[str, Any]],
    claims: dict[str, str],
) -> None:
    call(api, take(COLLEAGUE))
    before = table_items()

    status, answer = call(api, route(claims))

    assert status == 403
    assert answer["code"] == "forbidden"
    assert table_items() == before


@pytest.mark.parametrize("route", [take, release], ids=["take", "release"])
def test_a_lock_call_without_claims_is_unauthorised(
    api: ModuleType,
    case: str,
    route: Callable[[dict[str, str] | None], dict[str, Any]],
) -> None:
    status, answer = call(api, route(None))

    assert status == 401
    assert answer["code"] == "unauthorised"
    assert lock_items() == []


@pytest.mark.parametrize("reference", ["BCN-2026-999999", "LOCK"])
def test_the_lock_of_an_unknown_or_malformed_reference_is_not_found(
    api: ModuleType, seed: Seeder, reference: str
) -> None:
    taken = call(api, take(reference=reference))
    released = call(api, release(reference=reference))

    assert [taken[0], released[0]] == [404, 404]
    assert taken[1]["code"] == "not_found"
    assert table_items("REQUEST#") == []


@pytest.mark.parametrize(
    ("query", "field"),
    [({"force": "perhaps"}, "force"), ({"forced": "true"}, "forced")],
    ids=["not-a-yes-or-no", "unknown-parameter"],
)
def test_a_release_with_a_bad_query_is_refused_naming_the_parameter(
    api: ModuleType, case: str, query: dict[str, str], field: str
) -> None:
    call(api, take())

    status, answer = call(api, release(query=query))

    assert status == 422
    assert answer["code"] == "invalid_request"
    assert [error["field"] for error in answer["errors"]] == [field]
    assert "perhaps" not in json.dumps(answer), "the input is never echoed"
    assert len(lock_items()) == 1


def test_the_lock_routes_log_no_personal_data(
    api: ModuleType, case: str, logs: Callable[[], list[dict[str, Any]]]
) -> None:
    call(api, take())
    call(api, action("notes", {"text": "Montserrat diu que el veí ho va veure."}, claims=COLLEAGUE))
    call(api, release(SUPERVISOR, query={"force": "true"}))

    written = json.dumps(logs(), ensure_ascii=False)
    assert "Lock taken" in written
    assert "Lock broken" in written
    for private in ("Montserrat", PHONE, EMAIL, "Balmes"):
        assert private not in written
