"""The desk API's request actions through the Chalice app, on payload-1.0 events, under moto.

Every event carries the claims API Gateway's JWT authorizer hands the function; the
tables come from ``template.yaml``; SMS and email land in moto's SNS and SES.
"""

import json
from collections.abc import Callable
from datetime import timedelta
from types import ModuleType
from typing import Any

import boto3
import pytest
import requests
from moto.backends import get_backend

from finestra.domain.sms_text import segments
from tests.conftest import ATTACHMENTS_BUCKET, REGION, FakeLambdaContext, Seeder
from tests.support.aws import ACCOUNT, http_body, s3_object, sent_sms, table_items

REFERENCE = "BCN-2026-000123"
PHONE = "+34622334455"
EMAIL = "montse.vidal@example.org"
PREFIX = "/api/desk/v1"

AGENT: dict[str, str] = {
    "sub": "7a4c2e9b-5d1f-4b3a-8e6c-0f9d2a1b3c4d",
    "cognito:username": "agent42",
    "cognito:groups": "[agent]",
    "custom:districts": "2",
    "custom:groups": "paving",
    "token_use": "id",
}
CAMPAIGN_MANAGER = {**AGENT, "cognito:groups": "[campaign_manager]", "custom:districts": "*"}
OTHER_DISTRICT = {**AGENT, "custom:districts": "6"}
OTHER_GROUP = {**AGENT, "custom:groups": "lighting"}

ACTIONS: dict[str, tuple[dict[str, Any], int]] = {
    "transitions": ({"to": "planned"}, 200),
    "assignment": ({"group": "paving", "agent": None, "reason": "City-wide crew"}, 200),
    "priority": ({"priority": "high"}, 200),
    "notes": ({"text": "The neighbour at number 22 saw it happen."}, 201),
    "attachments": ({"filename": "forat.jpg", "content_type": "image/jpeg", "size": 2048}, 201),
    "replies": ({"template": "working-on-it", "language": "ca"}, 201),
    "theme": ({"theme": "roads.loose-paving", "reason": "Loose slabs, not a pothole"}, 200),
}
"""Each action's route under the request, a body it accepts and the status it answers."""

BAD_BODIES: dict[str, tuple[dict[str, Any], str]] = {
    "transitions": ({"to": "flying"}, "to"),
    "assignment": ({"group": "paving"}, "reason"),
    "priority": ({"priority": "asap"}, "priority"),
    "notes": ({"text": "   "}, "text"),
    "attachments": ({"filename": "forat.jpg", "content_type": "image/jpeg", "size": 0}, "size"),
    "replies": ({"template": "resolved", "language": "fr"}, "language"),
    "theme": ({"theme": "roads.loose-paving", "reason": "x", "district": "2"}, "district"),
}
"""Each action's route, a body that breaks a rule, and the field the answer names."""


def event(
    method: str,
    resource: str,
    *,
    claims: dict[str, str] | None = None,
    body: Any = None,
    path: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An HTTP API payload-1.0 event as API Gateway sends it after the JWT authorizer."""
    concrete = resource
    for name, value in (path or {}).items():
        concrete = concrete.replace(f"{{{name}}}", value)
    sent = {
        "host": "desk.finestra.example.org",
        "accept": "application/json",
        "content-type": "application/json",
        "authorization": "Bearer eyJraWQiOiJ0ZXN0In0.e30.c2lnbmF0dXJl",
        "x-forwarded-proto": "https",
        **(headers or {}),
    }
    return {
        "version": "1.0",
        "resource": resource,
        "path": concrete,
        "httpMethod": method,
        "headers": sent,
        "multiValueHeaders": {k: [v] for k, v in sent.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": "k7f3qz9wd1",
            "authorizer": {"claims": claims, "scopes": None},
            "domainName": "desk.finestra.example.org",
            "domainPrefix": "desk",
            "extendedRequestId": "UAB7q4I57vmb74d=",
            "httpMethod": method,
            "identity": {"sourceIp": "198.51.100.7", "userAgent": "Mozilla/5.0"},
            "path": concrete,
            "protocol": "HTTP/1.1",
            "requestId": "UAB7q4I57vmb74d=",
            "requestTime": "14/Mar/2026:19:41:08 +0000",
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


def action(
    name: str,
    body: Any,
    *,
    claims: dict[str, str] | None = AGENT,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    return event(
        "POST",
        f"{PREFIX}/requests/{{reference}}/{name}",
        claims=claims,
        body=body,
        path={"reference": REFERENCE},
        headers=headers,
    )


def call(api: ModuleType, sent: dict[str, Any]) -> tuple[int, Any]:
    response = api.app(sent, FakeLambdaContext())
    return response["statusCode"], http_body(response)


def given_request(
    seed: Seeder,
    citizen_id: str | None,
    *,
    response_channel: str = "sms",
    state: str = "pending_validation",
) -> None:
    """A request of roads.pothole in district 2 (group paving.d2), answered by ``channel``."""
    from finestra.domain.ids import new_id
    from finestra.domain.request import Interaction, Location, Request
    from finestra.intake.service import hash_token
    from finestra.storage.requests import RequestStore

    now = seed.clock()
    origin = Interaction(
        id=new_id("int"),
        at=now,
        kind="inbound_message",
        channel="sms",
        actor=f"citizen:{citizen_id}",
        provider_message_id=new_id("msg"),
        text="Hi ha un forat a la calçada del carrer de Balmes.",
    )
    request = Request(
        reference=REFERENCE,
        request_type="incident",
        theme_code="roads.pothole",
        description=origin.text or "",
        location=Location(
            latitude=41.3874, longitude=2.1686, address="Carrer de Balmes, 20", district_code="2"
        ),
        input_channel="sms",
        response_channel=response_channel,
        language="ca",
        state=state,
        responsible_group="paving.d2",
        sla_due_at=now + timedelta(days=10),
        created_at=now,
        updated_at=now,
        citizen_id=citizen_id,
        origin=origin,
        tracking_token_hash=hash_token("trk_4Qv8Zp2LmX7sN3wR9cK1"),
    )
    store = RequestStore(seed.runtime.table, shards=4)
    store.save(store.creation(request))


def stored(reference: str = REFERENCE) -> dict[str, Any]:
    [item] = [i for i in table_items(f"REQUEST#{reference}") if i["type"] == "request"]
    return item


def entries() -> list[dict[str, Any]]:
    return [i for i in table_items(f"REQUEST#{REFERENCE}") if i["type"] == "interaction"]


def sent_email() -> list[Any]:
    return list(get_backend("ses")[ACCOUNT][REGION].sent_messages)


@pytest.fixture
def api(function: Callable[[str], ModuleType]) -> ModuleType:
    return function("desk_api")


@pytest.fixture
def citizen(seed: Seeder) -> str:
    return seed.citizen(phone=PHONE, email=EMAIL, given_name="Montserrat")


@pytest.fixture
def case(seed: Seeder, citizen: str) -> str:
    given_request(seed, citizen)
    return REFERENCE


# ---------------------------------------------------------------------- every action


@pytest.mark.parametrize("name", list(ACTIONS))
def test_an_agent_of_the_request_s_district_and_group_acts_and_the_history_records_it(
    api: ModuleType, case: str, name: str
) -> None:
    body, status = ACTIONS[name]

    answered, answer = call(api, action(name, body))

    assert answered == status, answer
    [entry] = entries()
    assert entry["actor"] == f"staff:{AGENT['sub']}"
    assert entry["actor_name"] == AGENT["cognito:username"]


@pytest.mark.parametrize("name", list(BAD_BODIES))
def test_a_body_that_breaks_a_rule_is_refused_naming_the_field_and_nothing_is_written(
    api: ModuleType, case: str, name: str
) -> None:
    body, field = BAD_BODIES[name]
    before = table_items()

    status, answer = call(api, action(name, body))

    assert status == 422
    assert answer["code"] == "invalid_request"
    assert field in {error["field"] for error in answer["errors"]}
    assert table_items() == before
    assert sent_sms() == []


@pytest.mark.parametrize("name", list(ACTIONS))
def test_a_body_that_is_not_json_is_a_bad_request(api: ModuleType, case: str, name: str) -> None:
    status, answer = call(api, action(name, "{not json"))

    assert status == 400
    assert answer["errors"] == [{"field": "body", "rule": "is not valid JSON"}]
    assert entries() == []


@pytest.mark.parametrize("name", list(ACTIONS))
@pytest.mark.parametrize(
    "claims",
    [CAMPAIGN_MANAGER, OTHER_DISTRICT, OTHER_GROUP],
    ids=["campaign-manager", "other-district", "other-group"],
)
def test_staff_without_the_role_or_the_scope_are_forbidden_and_nothing_is_written(
    api: ModuleType, case: str, name: str, claims: dict[str, str]
) -> None:
    body, _ = ACTIONS[name]
    before = table_items()

    status, answer = call(api, action(name, body, claims=claims))

    assert status == 403
    assert answer["code"] == "forbidden"
    assert table_items() == before
    assert sent_sms() == []


@pytest.mark.parametrize("name", list(ACTIONS))
def test_a_call_without_claims_is_unauthorised(api: ModuleType, case: str, name: str) -> None:
    body, _ = ACTIONS[name]

    status, answer = call(api, action(name, body, claims=None))

    assert status == 401
    assert answer["code"] == "unauthorised"


def test_an_unknown_reference_is_not_found(api: ModuleType, seed: Seeder) -> None:
    status, answer = call(api, action("transitions", {"to": "planned"}))

    assert status == 404
    assert answer["code"] == "not_found"


# ---------------------------------------------------------------------- states and groups


def test_a_move_answers_the_request_as_it_now_stands(api: ModuleType, case: str) -> None:
    status, answer = call(api, action("transitions", {"to": "planned"}))

    assert status == 200
    assert answer["state"] == "planned"
    assert answer["group"] == "paving.d2"
    assert "in_resolution" in answer["allowed_transitions"]
    assert answer["updated_at"].endswith("Z")


def test_a_refused_move_is_a_conflict_naming_both_states(api: ModuleType, case: str) -> None:
    status, answer = call(api, action("transitions", {"to": "closed"}))

    assert status == 409
    assert answer["code"] == "transition_refused"
    assert "pending_validation" in answer["message"]
    assert "closed" in answer["message"]
    assert stored()["state"] == "pending_validation"


def test_a_move_that_needs_a_reason_names_the_reason_field(api: ModuleType, case: str) -> None:
    status, answer = call(api, action("transitions", {"to": "cancelled"}))

    assert status == 422
    assert answer["errors"][0]["field"] == "reason"
    assert entries() == []


def test_an_agent_cannot_give_a_request_to_a_group_outside_their_own(
    api: ModuleType, case: str
) -> None:
    status, answer = call(api, action("assignment", {"group": "lighting", "reason": "Dark"}))

    assert status == 403
    assert "supervisors" in answer["message"]
    assert stored()["responsible_group"] == "paving.d2"


def test_a_supervisor_gives_a_request_to_another_group_and_its_worklist_moves(
    api: ModuleType, case: str
) -> None:
    supervisor = {**AGENT, "cognito:groups": "[supervisor]", "custom:groups": ""}

    body = {"group": "lighting.d2", "agent": "u-9", "reason": "Dark"}

    status, answer = call(api, action("assignment", body, claims=supervisor))

    assert status == 200
    assert (answer["group"], answer["agent"]) == ("lighting.d2", "u-9")
    assert stored()["GSI2PK"].startswith("QUEUE#lighting.d2#")


def test_a_group_the_city_lacks_is_refused_by_name(api: ModuleType, case: str) -> None:
    status, answer = call(api, action("assignment", {"group": "plumbing", "reason": "x"}))

    assert status == 422
    assert answer["errors"][0]["field"] == "group"


def test_a_corrected_theme_routes_the_request_to_the_new_theme_s_group(
    api: ModuleType, case: str
) -> None:
    status, answer = call(
        api, action("theme", {"theme": "lighting.street-dark", "reason": "The street is dark"})
    )

    assert status == 200
    assert (answer["theme"], answer["group"]) == ("lighting.street-dark", "lighting.d2")
    assert stored()["GSI2PK"].startswith("QUEUE#lighting.d2#")


# ---------------------------------------------------------------------- files


def test_a_granted_upload_stores_the_file_in_the_attachments_bucket(
    api: ModuleType, case: str
) -> None:
    body, _ = ACTIONS["attachments"]
    _, answer = call(api, action("attachments", body))
    upload = answer["upload"]

    posted = requests.post(
        upload["url"],
        data=upload["fields"],
        files={"file": ("forat.jpg", b"\xff\xd8" + b"\x00" * 2046, "image/jpeg")},
        timeout=10,
    )

    assert posted.status_code in {200, 204}
    key = upload["fields"]["key"]
    assert key == f"requests/{REFERENCE}/{answer['attachment_id']}"
    assert len(s3_object(ATTACHMENTS_BUCKET, key)) == 2048
    [entry] = entries()
    assert entry["attachments"][0]["key"] == key


# ---------------------------------------------------------------------- replies


def test_an_sms_reply_reaches_the_citizen_through_sns_with_its_cost(
    api: ModuleType, case: str
) -> None:
    body = {"template": "resolved", "language": "ca"}

    status, answer = call(api, action("replies", body, headers={"idempotency-key": "r-1"}))

    assert status == 201
    [(number, text)] = sent_sms()
    assert number == PHONE
    assert REFERENCE in text
    assert "sollicitud" in text
    assert (answer["channel"], answer["encoding"], answer["segments"]) == ("sms", "GSM-7", 1)
    assert answer["cost_eur"] > 0
    [entry] = entries()
    assert entry["id"] == answer["interaction_id"]
    assert entry["kind"] == "outbound_message"


def test_a_retried_reply_with_the_same_idempotency_key_is_sent_once(
    api: ModuleType, case: str
) -> None:
    sent = action("replies", {"text": "Hi anirem dilluns."}, headers={"idempotency-key": "r-2"})

    first = call(api, sent)
    again = call(api, sent)

    assert first == again
    assert first[0] == 201
    assert len(sent_sms()) == 1
    assert len(entries()) == 1


def test_an_email_reply_reaches_the_citizen_through_ses_threaded_by_reference(
    api: ModuleType, seed: Seeder, citizen: str
) -> None:
    given_request(seed, citizen, response_channel="email")

    status, answer = call(
        api,
        action("replies", {"text": "Hem programat la reparació per dilluns.", "language": "ca"}),
    )

    assert status == 201
    [mail] = sent_email()
    assert mail.destinations["ToAddresses"] == [EMAIL]
    assert mail.subject.startswith(f"[{REFERENCE}]")
    assert "Hem programat la reparació per dilluns." in mail.body
    assert answer["channel"] == "email"


def test_a_request_answered_by_letter_is_a_conflict_on_the_response_channel(
    api: ModuleType, seed: Seeder, citizen: str
) -> None:
    given_request(seed, citizen, response_channel="letter")

    status, answer = call(api, action("replies", {"text": "Hola"}))

    assert status == 409
    assert answer["errors"][0]["field"] == "response_channel"
    assert sent_email() == []


def test_the_reply_templates_are_listed_in_the_language_asked_for(api: ModuleType) -> None:
    status, answer = call(
        api, event("GET", f"{PREFIX}/reply-templates", claims=AGENT, query={"lang": "es"})
    )

    assert status == 200
    resolved = next(item for item in answer["items"] if item["id"] == "resolved")
    assert "Ayuntamiento de Barcelona" in resolved["text"]
    assert resolved["title"] == "Resuelta"


def test_reply_templates_in_an_unknown_language_are_refused_by_name(api: ModuleType) -> None:
    status, answer = call(
        api, event("GET", f"{PREFIX}/reply-templates", claims=AGENT, query={"lang": "fr"})
    )

    assert status == 422
    assert answer["errors"] == [{"field": "lang", "rule": "must be ca, es or en"}]


def test_a_campaign_manager_gets_no_reply_templates(api: ModuleType) -> None:
    status, _ = call(api, event("GET", f"{PREFIX}/reply-templates", claims=CAMPAIGN_MANAGER))

    assert status == 403


def test_a_preview_counts_segments_encoding_and_cost(api: ModuleType) -> None:
    body = {"text": "Gràcies 🙂 " * 10, "channel": "sms"}

    status, answer = call(api, event("POST", f"{PREFIX}/replies/preview", claims=AGENT, body=body))

    assert status == 200
    assert answer["encoding"] == "UCS-2"
    assert answer["segments"] == segments(answer["text"]).segments > 1
    assert answer["cost_eur"] > 0
    assert sent_sms() == []


@pytest.mark.parametrize(
    ("claims", "body", "status"),
    [
        (AGENT, {"text": "Hola", "channel": "fax"}, 422),
        (AGENT, {"channel": "sms"}, 422),
        (CAMPAIGN_MANAGER, {"text": "Hola", "channel": "sms"}, 403),
    ],
    ids=["unknown-channel", "no-text", "campaign-manager"],
)
def test_a_preview_that_breaks_a_rule_or_comes_from_a_campaign_manager_is_refused(
    api: ModuleType, claims: dict[str, str], body: dict[str, Any], status: int
) -> None:
    answered, _ = call(api, event("POST", f"{PREFIX}/replies/preview", claims=claims, body=body))

    assert answered == status


# ---------------------------------------------------------------------- calls and visits


CALL = {
    "channel": "voice",
    "phone": "+34655443322",
    "given_name": "Jordi",
    "theme": "roads.pothole",
    "description": "Truca per un forat gran davant del número 20.",
    "location": {"address": "Carrer de Balmes, 20", "district_code": "2"},
    "response_channel": "sms",
}


def test_a_phone_call_is_logged_as_a_new_request_and_answered_with_its_reference(
    api: ModuleType, seed: Seeder
) -> None:
    sent = event(
        "POST", f"{PREFIX}/requests", claims=AGENT, body=CALL, headers={"idempotency-key": "c-1"}
    )

    status, answer = call(api, sent)
    again = call(api, sent)

    assert status == 201
    assert again == (status, answer)
    item = stored(answer["reference"])
    assert item["input_channel"] == "phone"
    assert item["response_channel"] == "sms"
    assert item["origin"]["actor"] == f"staff:{AGENT['sub']}"
    assert len([i for i in table_items("REQUEST#") if i["type"] == "request"]) == 1


def test_a_visit_to_a_service_centre_is_logged_for_a_known_citizen(
    api: ModuleType, seed: Seeder, citizen: str
) -> None:
    visit = {
        "channel": "in_person",
        "citizen_id": citizen,
        "theme": "general.enquiry",
        "description": "Pregunta pels horaris de l'oficina.",
    }

    status, answer = call(api, event("POST", f"{PREFIX}/requests", claims=AGENT, body=visit))

    assert status == 201
    item = stored(answer["reference"])
    assert (item["citizen_id"], item["input_channel"]) == (citizen, "in_person")


@pytest.mark.parametrize(
    ("claims", "changes", "status", "field"),
    [
        (AGENT, {"theme": None}, 422, "theme"),
        (AGENT, {"channel": "fax"}, 422, "channel"),
        (AGENT, {"phone": "12"}, 422, "phone"),
        (CAMPAIGN_MANAGER, {}, 403, None),
        (OTHER_DISTRICT, {}, 403, None),
    ],
    ids=["no-theme", "unknown-channel", "bad-phone", "campaign-manager", "other-district"],
)
def test_a_call_that_breaks_a_rule_or_is_out_of_scope_opens_nothing(
    api: ModuleType,
    claims: dict[str, str],
    changes: dict[str, Any],
    status: int,
    field: str | None,
) -> None:
    body = {k: v for k, v in {**CALL, **changes}.items() if v is not None}

    answered, answer = call(api, event("POST", f"{PREFIX}/requests", claims=claims, body=body))

    assert answered == status
    if field:
        assert field in {error["field"] for error in answer["errors"]}
    assert table_items("REQUEST#") == []
    assert table_items("CITIZEN#") == []


# ---------------------------------------------------------------------- privacy


def test_no_personal_data_reaches_the_logs_or_the_metrics(
    api: ModuleType, case: str, logs: Callable[[], list[dict[str, Any]]]
) -> None:
    call(api, action("notes", {"text": "Montserrat diu que el veí ho va veure."}))
    call(api, action("replies", {"text": "Montserrat, hi anirem dilluns."}))
    call(api, event("POST", f"{PREFIX}/requests", claims=AGENT, body=CALL))

    written = json.dumps(logs(), ensure_ascii=False)
    assert "Request logged" in written
    assert "Reply sent" in written
    for private in ("Montserrat", "Jordi", PHONE, "+34655443322", EMAIL, "Balmes", "dilluns"):
        assert private not in written


# ---------------------------------------------------------------------- failures


def test_a_reply_the_mail_service_refuses_is_not_recorded_and_a_retry_sends_it(
    api: ModuleType, seed: Seeder, citizen: str
) -> None:
    given_request(seed, citizen, response_channel="email")
    ses = boto3.client("sesv2", region_name=REGION)
    ses.delete_email_identity(EmailIdentity="finestra.example.org")
    sent = action("replies", {"text": "Hi anirem dilluns."}, headers={"idempotency-key": "r-9"})

    status, answer = call(api, sent)

    assert status == 500
    assert answer == {
        "code": "internal_error",
        "message": "the city could not handle this request",
    }
    assert entries() == []
    ses.create_email_identity(EmailIdentity="finestra.example.org")
    assert call(api, sent)[0] == 201
    assert len(sent_email()) == 1
    assert len(entries()) == 1
