"""The desk's case-work event files replayed through the desk API, under moto.

Each scenario of ``events/desk/`` for a case-work route (bulk validation, a join, a
claim, the advanced search, a draft answer) is sent as the file holds it, by the agent
its claims name, after the state its sidecar's ``given`` describes is stored.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import pytest
from aws_lambda_powertools.utilities.parser.models import APIGatewayProxyEventModel

from finestra.apps.desk import DeskApp
from finestra.domain.vocabulary import RequestState
from finestra.settings import DeskSettings
from tests.conftest import Clock, Seeder, load_event
from tests.integration.test_desk_actions import PREFIX, call, event, given_request
from tests.integration.test_desk_links import BALMES, FAR_FROM_BALMES, NEAR_BALMES, given, stored
from tests.integration.test_desk_search import store
from tests.support.aws import table_items

SCENARIOS = (
    "bulk-validate-agent",
    "join-agent",
    "claim-agent",
    "search-advanced-agent",
    "draft-save-agent",
)


def scenario(name: str) -> dict[str, Any]:
    data: dict[str, Any] = load_event(f"desk/{name}.json")
    APIGatewayProxyEventModel.model_validate(data)
    return data


def expected(name: str) -> dict[str, Any]:
    data: dict[str, Any] = load_event(f"desk/{name}.expected.json")
    return data


def claims_of(name: str) -> dict[str, str]:
    found: dict[str, str] = scenario(name)["requestContext"]["authorizer"]["claims"]
    return found


def sent_at(name: str) -> datetime:
    epoch_ms = scenario(name)["requestContext"]["requestTimeEpoch"]
    return datetime.fromtimestamp(epoch_ms / 1000, UTC)


@pytest.fixture
def api(
    function: Callable[[str], ModuleType], clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> ModuleType:
    module = function("desk_api")
    runtime = DeskApp(DeskSettings(), clock=clock)
    monkeypatch.setattr(module.desk, "get", lambda: runtime)
    return module


@pytest.fixture
def citizen(seed: Seeder) -> str:
    return seed.citizen(phone="+34612345678", given_name="Marta", language="ca")


@pytest.mark.parametrize("name", SCENARIOS)
def test_each_case_work_event_is_a_desk_event_of_the_agent_on_its_route(name: str) -> None:
    event = APIGatewayProxyEventModel.model_validate(scenario(name))

    assert event.resource.startswith(PREFIX + "/")
    assert event.requestContext.authorizer is not None
    assert claims_of(name)["cognito:groups"] == "[agent]"
    if event.httpMethod in {"POST", "PUT"}:
        assert event.headers["content-type"] == "application/json"


def test_the_bulk_validate_event_validates_each_request_it_names(
    api: ModuleType, seed: Seeder, citizen: str
) -> None:
    want = expected("bulk-validate-agent")
    first, second = want["given"]["pending_validation"]
    given(seed, first, citizen, point=BALMES)
    given(seed, second, citizen, point=FAR_FROM_BALMES)

    status, body = call(api, scenario("bulk-validate-agent"))

    assert status == want["status_code"], body
    assert (body["done"], body["failed"]) == (want["done"], want["failed"])
    assert [item["reference"] for item in body["items"]] == [first, second]
    assert {stored(first)["state"], stored(second)["state"]} == {want["state"]}


def test_the_join_event_joins_the_near_request_to_its_principal(
    api: ModuleType, seed: Seeder, citizen: str
) -> None:
    want = expected("join-agent")
    principal, joined = want["given"]["principal"], want["given"]["joined"]
    given(seed, principal, citizen, state="pending_answer")
    given(seed, joined, citizen, point=NEAR_BALMES)

    status, body = call(api, scenario("join-agent"))

    assert status == want["status_code"], body
    assert body["joined_to"] == want["joined_to"]
    assert stored(joined)["joined_to"] == principal
    assert stored(principal)["joined"] == [joined]


def test_the_claim_event_reopens_the_closed_request_as_a_linked_claim(
    api: ModuleType, seed: Seeder, clock: Clock, citizen: str
) -> None:
    want = expected("claim-agent")
    reference = want["given"]["reference"]
    assert clock.now == datetime.fromisoformat(want["given"]["closed_at"])
    given(seed, reference, citizen, state="pending_answer")
    closing = event(
        "POST",
        f"{PREFIX}/requests/{{reference}}/transitions",
        claims=claims_of("claim-agent"),
        body={"to": "closed"},
        path={"reference": reference},
    )
    assert call(api, closing)[0] == 200
    clock.now = sent_at("claim-agent")

    status, body = call(api, scenario("claim-agent"))

    assert status == want["status_code"], body
    assert (body["reference"], body["claim_of"]) == (want["reference"], want["claim_of"])
    assert body["flags"] == want["flags"]
    assert stored(want["reference"])["state"] == "pending_validation"
    assert stored(reference)["claims"] == [want["reference"]]
    assert call(api, scenario("claim-agent"))[1]["reference"] == want["reference"]
    assert stored(reference)["claims"] == [want["reference"]]


def test_the_advanced_search_event_finds_only_what_every_filter_allows(api: ModuleType) -> None:
    desk: DeskApp = api.desk.get()
    want = expected("search-advanced-agent")
    store(desk, 301)
    store(desk, 302, theme="roads.manhole-cover")
    store(desk, 303, state=RequestState.CLOSED)
    store(desk, 305, theme="lighting.streetlight-off")

    status, body = call(api, scenario("search-advanced-agent"))

    assert status == want["status_code"], body
    assert [item["reference"] for item in body["items"]] == want["references"]


def test_the_draft_save_event_keeps_the_agent_s_first_draft(
    api: ModuleType, seed: Seeder, citizen: str
) -> None:
    want = expected("draft-save-agent")
    given_request(seed, citizen, state=want["given"]["state"])

    status, body = call(api, scenario("draft-save-agent"))

    assert status == want["status_code"], body
    assert body["version"] == want["version"]
    sent = scenario("draft-save-agent")
    [draft] = [
        i for i in table_items(f"REQUEST#{want['given']['reference']}") if i["type"] == "draft"
    ]
    assert draft["SK"] == f"DRAFT#{claims_of('draft-save-agent')['sub']}"
    assert draft["text"] in sent["body"]
