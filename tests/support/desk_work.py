"""Events for the desk API's worklist, bulk and alarm routes, and requests to work on.

The events are HTTP API payload-1.0 as API Gateway sends them after the JWT authorizer;
the requests are stored through the project's own store, routed into a group's queue.
"""

import json
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

from finestra.apps.desk import DeskApp
from finestra.domain.ids import new_id
from finestra.domain.request import Interaction, Location, Request
from finestra.domain.vocabulary import (
    InputChannel,
    InteractionKind,
    Language,
    Priority,
    RequestState,
    ResponseChannel,
)
from tests.conftest import FakeLambdaContext
from tests.support.aws import ACCOUNT, http_body

PREFIX = "/api/desk/v1"
AGENT: dict[str, str] = {
    "sub": "5b2d8f14-7c3a-4e91-b6d0-1a2b3c4d5e6f",
    "cognito:username": "agent.paving",
    "cognito:groups": "[agent]",
    "custom:districts": "2",
    "custom:groups": "paving,information",
    "token_use": "id",
}
COLLEAGUE = {
    **AGENT,
    "sub": "9e8d7c6b-5a49-4382-a1b0-c9d8e7f6a5b4",
    "cognito:username": "agent.colleague",
}
OTHER_GROUP = {**AGENT, "custom:groups": "lighting"}
CAMPAIGN_MANAGER = {**AGENT, "cognito:groups": "[campaign_manager]"}


def event(
    method: str,
    resource: str,
    *,
    claims: dict[str, str] | None = AGENT,
    body: Any = None,
    path: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One call of ``resource`` by the staff member the ``claims`` name."""
    concrete = resource
    for name, value in (path or {}).items():
        concrete = concrete.replace(f"{{{name}}}", value)
    headers = {
        "host": "desk.finestra.example.org",
        "accept": "application/json",
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
            "requestId": new_id("req"),
            "requestTimeEpoch": 1773517268000,
            "resourceId": None,
            "resourcePath": resource,
            "stage": "$default",
        },
        "pathParameters": path,
        "stageVariables": None,
        "body": body if isinstance(body, str) or body is None else json.dumps(body),
        "isBase64Encoded": False,
    }


def call(api: ModuleType, sent: dict[str, Any]) -> tuple[int, Any]:
    """The status and the JSON body the desk API answers ``sent`` with."""
    response = api.app(sent, FakeLambdaContext())
    return response["statusCode"], http_body(response)


def worklist(api: ModuleType, claims: dict[str, str] = AGENT, **query: str) -> tuple[int, Any]:
    """A worklist page with the query given."""
    return call(api, event("GET", f"{PREFIX}/worklist", claims=claims, query=query or None))


def take_lock(api: ModuleType, reference: str, claims: dict[str, str]) -> None:
    """The staff member ``claims`` names opens the request and holds its lock."""
    status, answer = call(
        api,
        event(
            "POST",
            f"{PREFIX}/requests/{{reference}}/lock",
            claims=claims,
            path={"reference": reference},
        ),
    )
    assert status == 200, answer


def file_request(
    desk: DeskApp,
    number: int,
    *,
    theme: str = "roads.pothole",
    group: str = "paving.d2",
    district: str = "2",
    state: RequestState = RequestState.PENDING_VALIDATION,
    priority: Priority = Priority.NORMAL,
    spent: float = 0.5,
    agent: str | None = None,
    flags: frozenset[str] = frozenset(),
) -> str:
    """Store a request of ``group`` that has spent ``spent`` of its theme's SLA (1 is due)."""
    sla = timedelta(hours=desk.catalogue.theme(theme).sla_hours)
    now = datetime.now(UTC).replace(microsecond=0)
    created = now - sla * spent
    reference = f"BCN-2026-{number:06d}"
    origin = Interaction(
        id=new_id("int"),
        at=created,
        kind=InteractionKind.INBOUND_MESSAGE,
        channel=InputChannel.WEB,
        actor="citizen:cit_test",
        text=f"Sol·licitud de prova número {number}.",
    )
    request = Request(
        reference=reference,
        request_type=desk.catalogue.theme(theme).request_types[0],
        theme_code=theme,
        description=origin.text or "",
        location=Location(district_code=district),
        input_channel=InputChannel.WEB,
        response_channel=ResponseChannel.EMAIL,
        language=Language.CA,
        state=state,
        responsible_group=group,
        assigned_agent=agent,
        priority=priority,
        sla_due_at=created + sla,
        created_at=created,
        updated_at=created,
        origin=origin,
        tracking_token_hash="0" * 64,
        flags=flags,
    )
    desk.requests.save(desk.requests.creation(request))
    return reference
