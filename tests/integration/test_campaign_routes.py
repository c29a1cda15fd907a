"""The desk's campaign routes and the citizen's unsubscribe route, through the Chalice apps."""

import copy
import json
from collections.abc import Callable
from types import ModuleType
from typing import Any

import boto3
import pytest

from finestra.apps.desk import DeskApp
from finestra.campaigns.optout import UnsubscribeTokens, unsubscribe_key
from finestra.domain.citizen import Citizen, Consent, ContactPoint
from finestra.domain.ids import new_id
from finestra.domain.vocabulary import ConsentPurpose, ContactKind, InputChannel
from finestra.segments import SegmentDraft, SegmentStore
from finestra.storage.citizens import CitizenStore
from tests.conftest import REGION, FakeLambdaContext, load_event
from tests.support.desk_work import AGENT, CAMPAIGN_MANAGER, PREFIX, call, event

CAMPAIGNS = f"{PREFIX}/campaigns"
CAMPAIGN = f"{PREFIX}/campaigns/{{campaign_id}}"
DRAFT: dict[str, Any] = {
    "name": "Festa major",
    "purpose": "campaigns",
    "channels": ["sms", "email"],
    "messages": {"ca": "Dissabte, festa major a la plaça.", "es": "Sábado, fiesta mayor."},
    "rate_per_second": 20,
}


@pytest.fixture
def api(function: Callable[[str], ModuleType], monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    url = boto3.client("sqs", region_name=REGION).create_queue(QueueName="campaigns")["QueueUrl"]
    monkeypatch.setenv("FINESTRA_CAMPAIGN_QUEUE_URL", url)
    return function("desk_api")


@pytest.fixture
def desk(api: ModuleType) -> DeskApp:
    runtime: DeskApp = api.desk.get()
    return runtime


@pytest.fixture
def segment_id(desk: DeskApp) -> str:
    draft = SegmentDraft(name="Tots", definition={"districts": ["2"]})
    return SegmentStore(desk.table, desk.clock).create(draft, "manager-1").id


def one(api: ModuleType, method: str, path: str, campaign_id: str, **sent: Any) -> tuple[int, Any]:
    claims = sent.pop("claims", CAMPAIGN_MANAGER)
    return call(api, event(method, path, claims=claims, path={"campaign_id": campaign_id}, **sent))


def test_a_manager_creates_edits_estimates_and_launches_a_campaign(
    api: ModuleType, segment_id: str
) -> None:
    status, created = call(
        api,
        event("POST", CAMPAIGNS, claims=CAMPAIGN_MANAGER, body={**DRAFT, "segment_id": segment_id}),
    )
    cid = created["id"]
    edited_status, edited = one(
        api,
        "PUT",
        CAMPAIGN,
        cid,
        body={**DRAFT, "segment_id": segment_id, "name": "Festa", "version": 1},
    )
    stale, _ = one(
        api, "PUT", CAMPAIGN, cid, body={**DRAFT, "segment_id": segment_id, "version": 1}
    )
    estimated_status, estimated = one(api, "POST", f"{CAMPAIGN}/estimate", cid)
    launched_status, launched = one(api, "POST", f"{CAMPAIGN}/launch", cid, body={"version": 2})
    again, _ = one(api, "POST", f"{CAMPAIGN}/launch", cid, body={"version": 3})
    listed = call(api, event("GET", CAMPAIGNS, claims=CAMPAIGN_MANAGER))
    queued = boto3.client("sqs", region_name=REGION).receive_message(
        QueueUrl=boto3.client("sqs", region_name=REGION).get_queue_url(QueueName="campaigns")[
            "QueueUrl"
        ]
    )

    assert (status, created["state"], created["version"]) == (201, "draft", 1)
    assert edited_status == 200, edited
    assert (edited["name"], edited["version"]) == ("Festa", 2)
    assert stale == 409
    assert estimated_status == 200
    assert estimated["segments_sms"] == {"ca": 1, "es": 1}
    assert estimated["encoding"] == {"ca": "GSM-7", "es": "GSM-7"}
    assert set(estimated["recipients"]) == {"sms", "email"}
    assert (launched_status, launched["state"]) == (200, "planning")
    assert again == 409
    assert [c["id"] for c in listed[1]["campaigns"]] == [cid]
    assert json.loads(queued["Messages"][0]["Body"]) == {"plan": cid}


def test_a_draft_that_breaks_a_rule_is_refused_naming_the_field(
    api: ModuleType, segment_id: str
) -> None:
    body = {**DRAFT, "segment_id": segment_id, "messages": {"es": "Hola"}}

    status, answer = call(api, event("POST", CAMPAIGNS, claims=CAMPAIGN_MANAGER, body=body))

    assert status == 422
    assert [e["field"] for e in answer["errors"]] == ["messages"]
    assert "Hola" not in json.dumps(answer)


def test_an_agent_is_refused_the_campaign_routes(api: ModuleType, segment_id: str) -> None:
    listed, _ = call(api, event("GET", CAMPAIGNS, claims=AGENT))
    created, _ = call(
        api, event("POST", CAMPAIGNS, claims=AGENT, body={**DRAFT, "segment_id": segment_id})
    )

    assert (listed, created) == (403, 403)


def test_pause_resume_and_cancel_follow_the_states_on_the_version(
    api: ModuleType, segment_id: str
) -> None:
    _, created = call(
        api,
        event("POST", CAMPAIGNS, claims=CAMPAIGN_MANAGER, body={**DRAFT, "segment_id": segment_id}),
    )
    cid = created["id"]

    paused_draft, _ = one(api, "POST", f"{CAMPAIGN}/pause", cid, body={"version": 1})
    cancelled_status, cancelled = one(api, "POST", f"{CAMPAIGN}/cancel", cid, body={"version": 1})
    resumed, _ = one(api, "POST", f"{CAMPAIGN}/resume", cid, body={"version": 2})
    page_status, page = one(api, "GET", f"{CAMPAIGN}/recipients", cid, query={"state": "sent"})
    bad_state, _ = one(api, "GET", f"{CAMPAIGN}/recipients", cid, query={"state": "lost"})

    assert paused_draft == 409
    assert (cancelled_status, cancelled["state"]) == (200, "cancelled")
    assert resumed == 409
    assert (page_status, page) == (200, {"recipients": [], "next_batch": None})
    assert bad_state == 422


def unsubscribe_event(body: Any = None, query: dict[str, str] | None = None) -> dict[str, Any]:
    made: dict[str, Any] = copy.deepcopy(load_event("web/track-request.json"))
    route = "/api/citizen/v1/unsubscribe"
    made.update(resource=route, path=route, httpMethod="POST", pathParameters=None)
    made["queryStringParameters"] = query
    made["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} if query else None
    made["requestContext"].update(resourcePath=route, path=route, httpMethod="POST")
    content = "application/json" if body is not None else "application/x-www-form-urlencoded"
    made["headers"]["content-type"] = content
    made["multiValueHeaders"]["content-type"] = [content]
    made["body"] = json.dumps(body) if body is not None else "List-Unsubscribe=One-Click"
    return made


def test_an_unsubscribe_link_withdraws_once_and_a_forgery_is_refused(
    function: Callable[[str], ModuleType],
) -> None:
    citizen_api = function("citizen_api")
    runtime = citizen_api.web.get().runtime
    now = runtime.clock()
    person = Citizen(
        id=new_id("cit"),
        contact_points=[ContactPoint(kind=ContactKind.EMAIL, value="laia@example.org")],
        consents=[
            Consent(
                channel="email",
                purpose=ConsentPurpose.CAMPAIGNS,
                granted=True,
                recorded_at=now,
                source=InputChannel.WEB,
            )
        ],
        created_at=now,
        updated_at=now,
    )
    store = CitizenStore(runtime.table, runtime.vault)
    runtime.table.transact(store.creation(person))
    token = UnsubscribeTokens(unsubscribe_key(runtime.vault), runtime.clock).issue(
        person.id, "email", [ConsentPurpose.CAMPAIGNS]
    )

    first = citizen_api.app(unsubscribe_event(query={"t": token}), FakeLambdaContext())
    second = citizen_api.app(unsubscribe_event({"token": token}), FakeLambdaContext())
    forged = citizen_api.app(unsubscribe_event({"token": token[:-3] + "abc"}), FakeLambdaContext())

    after = store.get(person.id)
    assert first["statusCode"] == 200
    assert second["statusCode"] == 410
    assert forged["statusCode"] == 403
    assert after is not None
    assert not after.consents_to("email", ConsentPurpose.CAMPAIGNS)
