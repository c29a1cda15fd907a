"""Case work keeps citizens' data out of logs, metrics and error bodies.

Staff write what citizens told them into drafts, conversations and external bodies'
answers; a body or a staff member may also send a field the rules refuse. Each of those
routes runs here with a planted name, address and phone number, and everything the
functions printed (Powertools' log lines and metric documents) and every error body is
searched for them.
"""

import json
from collections.abc import Callable
from types import ModuleType
from typing import Any

import boto3
import pytest

from finestra.external.callers import key_digest
from tests.conftest import REGION, Seeder
from tests.integration.test_desk_actions import AGENT, PHONE, PREFIX, call, event, given_request

SECRET = "finestra/external-bodies-privacy"
BODY_KEY = "tmb.Q4wE7rT0yU3iO6pA9sD2fG5hJ8kL1"
CASE = "BCN-2026-000123"
HANDED = "BCN-2026-000456"
SUPERVISOR = {**AGENT, "cognito:groups": "supervisor", "custom:districts": "*"}

PLANTED_NAME = "Escarlata Vilaseca Puigdomènech"
PLANTED_ADDRESS = "carrer de Bruniquer 37, tercer segona"
PLANTED_PHONE = "+34699887766"
PLANTED = f"La senyora {PLANTED_NAME} viu al {PLANTED_ADDRESS}; truqueu-la al {PLANTED_PHONE}."
NEEDLES = (
    "Escarlata",
    "Vilaseca",
    "Puigdomènech",
    "Bruniquer",
    "tercer segona",
    PLANTED_PHONE,
    PLANTED_PHONE[3:],
)


@pytest.fixture
def apps(
    aws: None, function: Callable[[str], ModuleType], monkeypatch: pytest.MonkeyPatch
) -> tuple[ModuleType, ModuleType]:
    boto3.client("secretsmanager", region_name=REGION).create_secret(
        Name=SECRET,
        SecretString=json.dumps(
            {
                "link_key": "test-only-link-key-privacy-0123",
                "api_keys": {"tmb": key_digest(BODY_KEY)},
            }
        ),
    )
    monkeypatch.setenv("FINESTRA_EXTERNAL_BODIES_SECRET", SECRET)
    return function("desk_api"), function("external_api")


@pytest.fixture
def cases(seed: Seeder) -> None:
    given_request(seed, seed.citizen(phone=PHONE), state="in_resolution")
    seed.request(
        None, reference=HANDED, state="externally_processed", theme_code="transport.bus-stop"
    )


def desk(
    api: ModuleType,
    method: str,
    path: str,
    body: Any = None,
    *,
    reference: str = CASE,
    query: dict[str, str] | None = None,
    claims: dict[str, str] = AGENT,
) -> tuple[int, Any]:
    sent = event(
        method,
        f"{PREFIX}{path}",
        claims=claims,
        body=body,
        path={"reference": reference},
        query=query,
    )
    return call(api, sent)


def body_call(external: ModuleType, what: str, body: Any) -> tuple[int, Any]:
    sent = event(
        "POST",
        f"/api/external/v1/requests/{{reference}}/{what}",
        claims=None,
        body=body,
        path={"reference": HANDED},
        headers={"x-api-key": BODY_KEY},
    )
    return call(external, sent)


def leaks(text: str) -> list[str]:
    return [needle for needle in NEEDLES if needle.lower() in text.lower()]


def test_drafts_conversations_and_body_answers_leave_no_personal_data_in_logs_or_metrics(
    apps: tuple[ModuleType, ModuleType], cases: None, logs: Callable[[], list[dict[str, Any]]]
) -> None:
    api, external = apps
    before = len(logs())

    outcomes = [
        desk(api, "PUT", "/requests/{reference}/draft", {"text": PLANTED, "language": "ca"}),
        desk(api, "GET", "/requests/{reference}/draft"),
        desk(
            api,
            "POST",
            "/requests/{reference}/conversations",
            {"with": "group", "group": "lighting", "text": PLANTED},
        ),
        desk(
            api, "POST", "/requests/{reference}/conversations", {"with": "citizen", "text": PLANTED}
        ),
        desk(api, "GET", "/requests/{reference}/conversations"),
        desk(api, "POST", "/requests/{reference}/notes", {"text": PLANTED}),
        body_call(external, "answer", {"text": PLANTED, "external_reference": "TMB-1"}),
        desk(api, "GET", "/requests/search", query={"group": "paving"}, claims=SUPERVISOR),
        desk(api, "GET", "/requests/export", query={"group": "paving"}, claims=SUPERVISOR),
    ]
    written = logs()[before:]
    printed = json.dumps(written, ensure_ascii=False)

    assert [status for status, _ in outcomes] == [200, 200, 201, 201, 200, 201, 200, 200, 200]
    assert leaks(printed) == []
    messages = {line.get("message") for line in written}
    assert {"Draft saved", "Conversation opened", "Requests exported"} <= messages, messages
    assert any("_aws" in line for line in written), "the metric documents were searched too"


def test_a_refused_body_names_the_field_but_never_echoes_what_was_sent(
    apps: tuple[ModuleType, ModuleType], cases: None, logs: Callable[[], list[dict[str, Any]]]
) -> None:
    api, external = apps
    too_long = PLANTED * 800
    before = len(logs())

    refusals = [
        desk(api, "PUT", "/requests/{reference}/draft", {"text": too_long, "language": "ca"}),
        desk(api, "PUT", "/requests/{reference}/draft", {"text": PLANTED, "language": PLANTED}),
        desk(api, "POST", "/requests/{reference}/conversations", {"with": PLANTED, "text": "x"}),
        desk(
            api,
            "POST",
            "/requests/{reference}/conversations",
            {"with": "group", "group": PLANTED, "text": PLANTED},
        ),
        desk(api, "POST", "/requests/{reference}/claim", {"text": PLANTED}),
        desk(api, "POST", "/requests/{reference}/join", {"into": PLANTED}),
        desk(api, "GET", "/requests/search", query={"address": PLANTED}, claims=SUPERVISOR),
        body_call(external, "answer", {"text": too_long}),
        body_call(external, "return", {"reason": PLANTED, "extra": PLANTED}),
    ]
    written = logs()[before:]

    statuses = [status for status, _ in refusals]
    assert all(400 <= status < 500 for status in statuses), statuses
    for _, answer in refusals:
        assert leaks(json.dumps(answer, ensure_ascii=False)) == [], answer
    assert any(line.get("message") == "Request refused" for line in written)
    assert leaks(json.dumps(written, ensure_ascii=False)) == []


def test_the_search_would_find_the_planted_data() -> None:
    assert len(leaks(json.dumps({"text": PLANTED}, ensure_ascii=False))) == len(NEEDLES)
