"""The group tree through the desk API, under moto: who reads and acts for which group, the
group switcher's list, and the configured reassignment targets."""

import json
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import FakeLambdaContext, Seeder
from tests.support.aws import ACCOUNT, http_body, table_items

PREFIX = "/api/desk/v1"
PAVING_REQUEST = "BCN-2026-000201"
LIGHTING_REQUEST = "BCN-2026-000202"

AGENT: dict[str, str] = {
    "sub": "0b5d7e1f-6a2c-4d3e-9f80-1a2b3c4d5e6f",
    "cognito:username": "agent.paving",
    "cognito:groups": "[agent]",
    "custom:districts": "*",
    "custom:groups": "paving",
    "token_use": "id",
}
COORDINATOR = {**AGENT, "cognito:username": "coord", "custom:groups": "urban-maintenance"}
LIGHTING_AGENT = {**AGENT, "cognito:username": "agent.lighting", "custom:groups": "lighting"}
SUPERVISOR = {**AGENT, "cognito:groups": "[supervisor]", "custom:groups": ""}


def event(
    method: str,
    resource: str,
    *,
    claims: dict[str, str],
    path: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    body: Any = None,
) -> dict[str, Any]:
    """An HTTP API payload-1.0 event as API Gateway sends it after the JWT authorizer."""
    concrete = resource
    for name, value in (path or {}).items():
        concrete = concrete.replace(f"{{{name}}}", value)
    headers = {
        "host": "desk.finestra.example.org",
        "content-type": "application/json",
        "authorization": "Bearer eyJraWQiOiJ0ZXN0In0.e30.c2lnbmF0dXJl",
    }
    return {
        "version": "1.0",
        "resource": resource,
        "path": concrete,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": "k7f3qz9wd1",
            "authorizer": {"claims": claims, "scopes": None},
            "domainName": "desk.finestra.example.org",
            "httpMethod": method,
            "identity": {"sourceIp": "198.51.100.7", "userAgent": "Mozilla/5.0"},
            "path": concrete,
            "protocol": "HTTP/1.1",
            "requestId": "UAB7q4I57vmb74d=",
            "requestTimeEpoch": 1773517268000,
            "resourcePath": resource,
            "stage": "$default",
        },
        "pathParameters": path,
        "stageVariables": None,
        "body": None if body is None else json.dumps(body),
        "isBase64Encoded": False,
    }


def call(api: ModuleType, sent: dict[str, Any]) -> tuple[int, Any]:
    response = api.app(sent, FakeLambdaContext())
    return response["statusCode"], http_body(response)


def worklist(api: ModuleType, claims: dict[str, str], group: str) -> tuple[int, Any]:
    return call(api, event("GET", f"{PREFIX}/worklist", claims=claims, query={"group": group}))


def reassign(
    api: ModuleType, claims: dict[str, str], reference: str, body: dict[str, Any]
) -> tuple[int, Any]:
    sent = event(
        "POST",
        f"{PREFIX}/requests/{{reference}}/assignment",
        claims=claims,
        path={"reference": reference},
        body=body,
    )
    return call(api, sent)


def stored(reference: str) -> dict[str, Any]:
    [item] = [i for i in table_items(f"REQUEST#{reference}") if i["type"] == "request"]
    return item


def history(reference: str) -> list[dict[str, Any]]:
    return [i for i in table_items(f"REQUEST#{reference}") if i["type"] == "interaction"]


@pytest.fixture
def api(function: Callable[[str], ModuleType]) -> ModuleType:
    return function("desk_api")


@pytest.fixture
def cases(seed: Seeder) -> None:
    """A pothole worked by paving and a dark streetlight worked by lighting, not located."""
    citizen = seed.citizen(phone="+34611223344")
    seed.request(citizen, reference=PAVING_REQUEST, state="pending_validation")
    seed.request(
        citizen,
        reference=LIGHTING_REQUEST,
        state="pending_validation",
        theme_code="lighting.streetlight-off",
        token="trk_8Hn2Wq5RtY7uI9oP1aS3",
    )


# --------------------------------------------------------------------------- reading


def test_a_coordinator_reads_the_worklist_of_a_group_below_theirs(
    api: ModuleType, cases: None
) -> None:
    status, page = worklist(api, COORDINATOR, "paving")

    assert status == 200, page
    assert [item["reference"] for item in page["items"]] == [PAVING_REQUEST]


def test_an_agent_is_refused_the_worklist_of_a_sibling_group_by_name(
    api: ModuleType, cases: None
) -> None:
    status, answer = worklist(api, AGENT, "lighting")

    assert status == 403
    assert answer["code"] == "forbidden"
    assert "lighting" in answer["message"]


def test_an_agent_is_refused_the_worklist_of_the_coordinator_above_them(
    api: ModuleType, cases: None
) -> None:
    status, answer = worklist(api, AGENT, "urban-maintenance")

    assert status == 403
    assert "urban-maintenance" in answer["message"]


def test_a_coordinator_reads_a_request_of_a_group_below_theirs_and_a_sibling_does_not(
    api: ModuleType, cases: None
) -> None:
    resource = f"{PREFIX}/requests/{{reference}}"
    path = {"reference": PAVING_REQUEST}

    allowed, _ = call(api, event("GET", resource, claims=COORDINATOR, path=path))
    refused, _ = call(api, event("GET", resource, claims=LIGHTING_AGENT, path=path))

    assert (allowed, refused) == (200, 403)


# --------------------------------------------------------------------------- switching


def test_my_groups_lists_each_group_with_the_groups_it_acts_for_named(
    api: ModuleType,
) -> None:
    sent = event("GET", f"{PREFIX}/me/groups", claims=COORDINATOR, query={"lang": "en"})

    status, body = call(api, sent)

    assert status == 200
    [group] = body["items"]
    assert (group["code"], group["name"]) == ("urban-maintenance", "Urban maintenance")
    listed = {entry["code"]: entry for entry in group["acts_for"]}
    assert listed["urban-maintenance"]["depth"] == 0
    assert listed["paving"] == {
        "code": "paving",
        "name": "Paving and roads",
        "parent": "urban-maintenance",
        "depth": 1,
    }
    assert "parks" not in listed


def test_my_groups_is_refused_to_a_campaign_manager(api: ModuleType) -> None:
    manager = {**AGENT, "cognito:groups": "[campaign_manager]"}

    status, _ = call(api, event("GET", f"{PREFIX}/me/groups", claims=manager))

    assert status == 403


# --------------------------------------------------------------------------- targets


def test_the_targets_of_a_group_are_its_configured_ones(api: ModuleType) -> None:
    sent = event(
        "GET",
        f"{PREFIX}/groups/{{group}}/targets",
        claims=AGENT,
        path={"group": "paving"},
        query={"lang": "ca"},
    )

    status, body = call(api, sent)

    assert status == 200
    codes = [item["code"] for item in body["items"]]
    assert {"urban-maintenance", "street-furniture", "triage"} <= set(codes)
    assert "lighting" not in codes
    assert body["name"] == "Paviment i via pública"


def test_the_targets_of_a_group_outside_the_caller_s_are_refused_by_name(
    api: ModuleType,
) -> None:
    sent = event(
        "GET", f"{PREFIX}/groups/{{group}}/targets", claims=AGENT, path={"group": "lighting"}
    )

    status, body = call(api, sent)

    assert status == 403
    assert "lighting" in body["message"]


def test_the_targets_of_an_unknown_group_are_refused_on_the_group_field(
    api: ModuleType,
) -> None:
    sent = event(
        "GET", f"{PREFIX}/groups/{{group}}/targets", claims=AGENT, path={"group": "plumbing"}
    )

    status, body = call(api, sent)

    assert status == 422
    assert body["errors"][0]["field"] == "group"


# --------------------------------------------------------------------------- reassigning


def test_an_agent_hands_a_request_to_a_configured_target_with_the_reason_logged(
    api: ModuleType, cases: None
) -> None:
    body = {"group": "triage", "reason": "Not a paving matter"}

    status, answer = reassign(api, AGENT, PAVING_REQUEST, body)

    assert status == 200, answer
    assert stored(PAVING_REQUEST)["responsible_group"] == "triage"
    [entry] = history(PAVING_REQUEST)
    assert entry["reason"] == "Not a paving matter"
    assert entry["text"] == "group paving, agent - → group triage, agent -"


def test_an_agent_is_refused_a_target_not_configured_for_the_group_by_name(
    api: ModuleType, cases: None
) -> None:
    status, answer = reassign(api, AGENT, PAVING_REQUEST, {"group": "parks", "reason": "Tree"})

    assert status == 403
    assert "parks" in answer["message"]
    assert "paving" in answer["message"]
    assert stored(PAVING_REQUEST)["responsible_group"] == "paving"
    assert history(PAVING_REQUEST) == []


def test_a_reassignment_without_a_reason_is_refused_and_nothing_is_written(
    api: ModuleType, cases: None
) -> None:
    status, answer = reassign(api, AGENT, PAVING_REQUEST, {"group": "triage"})

    assert status == 422
    assert answer["errors"][0]["field"] == "reason"
    assert stored(PAVING_REQUEST)["responsible_group"] == "paving"


def test_a_coordinator_hands_work_between_groups_below_theirs(api: ModuleType, cases: None) -> None:
    body = {"group": "lighting", "reason": "It is the streetlight, not the pavement"}

    status, answer = reassign(api, COORDINATOR, PAVING_REQUEST, body)

    assert status == 200, answer
    assert stored(PAVING_REQUEST)["responsible_group"] == "lighting"
    [entry] = history(PAVING_REQUEST)
    assert "outside the configured targets" not in entry["text"]


def test_a_supervisor_may_go_outside_the_configured_targets_and_the_history_says_so(
    api: ModuleType, cases: None
) -> None:
    body = {"group": "taxes", "reason": "A question about the IBI"}

    status, answer = reassign(api, SUPERVISOR, LIGHTING_REQUEST, body)

    assert status == 200, answer
    [entry] = history(LIGHTING_REQUEST)
    assert "outside the configured targets" in entry["text"]
    assert entry["reason"] == "A question about the IBI"
