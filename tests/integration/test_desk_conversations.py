"""Conversations on a request through the desk API and the external bodies' reply pages."""

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest

from tests.conftest import REGION, Seeder
from tests.integration.test_desk_actions import (
    AGENT,
    PHONE,
    PREFIX,
    REFERENCE,
    call,
    event,
    given_request,
    sent_email,
)
from tests.support.aws import sent_sms, table_items

LIGHTING = {
    **AGENT,
    "sub": "3c2b1a09-8f7e-4d6c-5b4a-392817f6e5d4",
    "cognito:username": "agent.lighting",
    "custom:groups": "lighting",
}
TRANSPORT_AGENT = {**AGENT, "custom:groups": "public-transport"}
EXTERNAL_SECRET = "finestra/external-bodies"
LINK_KEY = "test-only-link-key-0123456789abcdef"
TRANSPORT_REFERENCE = "BCN-2026-000456"
CONVERSATIONS = f"{PREFIX}/requests/{{reference}}/conversations"
ONE = f"{CONVERSATIONS}/{{conversation_id}}"
REPLIES = "/api/external/v1/replies/{token}"


@pytest.fixture
def secret(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    boto3.client("secretsmanager", region_name=REGION).create_secret(
        Name=EXTERNAL_SECRET, SecretString=json.dumps({"link_key": LINK_KEY, "api_keys": {}})
    )
    monkeypatch.setenv("FINESTRA_EXTERNAL_BODIES_SECRET", EXTERNAL_SECRET)


@pytest.fixture
def api(secret: None, function: Callable[[str], ModuleType]) -> ModuleType:
    return function("desk_api")


@pytest.fixture
def external(secret: None, function: Callable[[str], ModuleType]) -> ModuleType:
    return function("external_api")


@pytest.fixture
def case(seed: Seeder) -> str:
    given_request(seed, seed.citizen(phone=PHONE), state="in_resolution")
    return REFERENCE


@pytest.fixture
def transport_case(seed: Seeder) -> str:
    seed.request(
        None,
        reference=TRANSPORT_REFERENCE,
        state="pending_validation",
        theme_code="transport.bus-stop",
    )
    return TRANSPORT_REFERENCE


def open_conversation(
    api: ModuleType,
    body: dict[str, Any],
    *,
    reference: str = REFERENCE,
    claims: dict[str, str] = AGENT,
) -> tuple[int, Any]:
    return call(
        api,
        event("POST", CONVERSATIONS, claims=claims, body=body, path={"reference": reference}),
    )


def listed(api: ModuleType, claims: dict[str, str], reference: str = REFERENCE) -> tuple[int, Any]:
    return call(api, event("GET", CONVERSATIONS, claims=claims, path={"reference": reference}))


def on(
    api: ModuleType,
    what: str,
    conversation_id: str,
    *,
    claims: dict[str, str],
    body: Any = None,
    reference: str = REFERENCE,
) -> tuple[int, Any]:
    path = {"reference": reference, "conversation_id": conversation_id}
    return call(api, event("POST", f"{ONE}/{what}", claims=claims, body=body, path=path))


def inbox(api: ModuleType, group: str, claims: dict[str, str]) -> tuple[int, Any]:
    return call(
        api,
        event("GET", f"{PREFIX}/conversations/unread", claims=claims, query={"group": group}),
    )


def request_flags(reference: str = REFERENCE) -> set[str]:
    [item] = [i for i in table_items(f"REQUEST#{reference}") if i["type"] == "request"]
    return set(item.get("flags", ()))


def history(reference: str = REFERENCE) -> list[dict[str, Any]]:
    return [i for i in table_items(f"REQUEST#{reference}") if i["type"] == "interaction"]


def link_of(mail: Any) -> str:
    match = re.search(r"/api/external/v1/replies/([A-Za-z0-9_.-]+)", mail.body)
    assert match, "the email carries no reply link"
    return match.group(1)


def page(external: ModuleType, method: str, token: str, body: Any = None, **kw: Any) -> Any:
    return call(
        external, event(method, REPLIES, claims=None, body=body, path={"token": token}, **kw)
    )


# ---------------------------------------------------------------------- internal


def test_another_group_sees_an_internal_message_unread_and_its_reply_marks_the_owner(
    api: ModuleType, case: str
) -> None:
    status, opened = open_conversation(
        api, {"with": "group", "group": "lighting", "text": "Hi ha un fanal caigut al forat?"}
    )
    assert status == 201, opened
    cid = opened["id"]

    status, waiting = inbox(api, "lighting", LIGHTING)
    assert status == 200
    assert [(e["reference"], e["conversation_id"]) for e in waiting["items"]] == [(REFERENCE, cid)]
    [seen] = listed(api, LIGHTING)[1]["items"]
    assert seen["unread"] is True
    assert listed(api, AGENT)[1]["items"][0]["unread"] is False

    status, answered = on(api, "messages", cid, claims=LIGHTING, body={"text": "Sí, el retirem."})
    assert status == 201, answered
    assert answered["unread_groups"] == ["lighting", "paving.d2"]
    assert "conversation_unread" in request_flags()
    assert [m["text"] for m in answered["messages"]] == [
        "Hi ha un fanal caigut al forat?",
        "Sí, el retirem.",
    ]
    assert [e.get("conversation_id") for e in history()] == [cid, cid]


def test_opening_a_conversation_clears_only_the_reader_s_group(api: ModuleType, case: str) -> None:
    cid = open_conversation(api, {"with": "group", "group": "lighting", "text": "Ho mireu?"})[1][
        "id"
    ]
    on(api, "messages", cid, claims=LIGHTING, body={"text": "Sí."})

    status, read = on(api, "read", cid, claims=LIGHTING)

    assert status == 200, read
    assert read["unread"] is False
    assert read["unread_groups"] == ["paving.d2"]
    assert inbox(api, "lighting", LIGHTING)[1]["items"] == []
    assert "conversation_unread" in request_flags()
    on(api, "read", cid, claims=AGENT)
    assert "conversation_unread" not in request_flags()
    assert inbox(api, "paving.d2", AGENT)[1]["items"] == []


def test_a_group_outside_the_conversation_neither_reads_nor_writes_it(
    api: ModuleType, case: str
) -> None:
    cid = open_conversation(api, {"with": "group", "group": "lighting", "text": "Ho mireu?"})[1][
        "id"
    ]
    stranger = {**AGENT, "custom:groups": "parks"}

    assert on(api, "messages", cid, claims=stranger, body={"text": "Jo també"})[0] == 404
    assert listed(api, stranger)[0] == 403
    assert inbox(api, "lighting", stranger)[0] == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"with": "group", "text": "x"}, "group"),
        ({"with": "group", "group": "ministry", "text": "x"}, "group"),
        ({"with": "group", "group": "paving.d2", "text": "x"}, "group"),
        ({"with": "pigeon", "text": "x"}, "with"),
        ({"with": "group", "group": "lighting", "text": "  "}, "text"),
        ({"with": "external", "text": "x"}, "body_code"),
    ],
)
def test_a_conversation_order_breaking_a_rule_is_refused_and_nothing_is_written(
    api: ModuleType, case: str, body: dict[str, Any], field: str
) -> None:
    before = table_items()

    status, answer = open_conversation(api, body)

    assert status == 422, answer
    assert field in {e["field"] for e in answer["errors"]}
    assert table_items() == before


# ---------------------------------------------------------------------- external


def test_a_hand_over_emails_the_body_a_link_whose_reply_comes_back_unread(
    api: ModuleType, external: ModuleType, transport_case: str
) -> None:
    status, handed = call(
        api,
        event(
            "POST",
            f"{PREFIX}/requests/{{reference}}/hand-over",
            claims=TRANSPORT_AGENT,
            body={"text": "La marquesina de la parada V15 està trencada."},
            path={"reference": TRANSPORT_REFERENCE},
        ),
    )
    assert status == 201, handed
    assert handed["request"]["state"] == "externally_processed"
    [mail] = sent_email()
    assert mail.destinations["ToAddresses"] == ["atencio.ajuntament@tmb.example.org"]
    assert mail.subject.startswith(f"[{TRANSPORT_REFERENCE}]")
    token = link_of(mail)

    status, form = page(external, "GET", token)
    assert status == 200
    assert "La marquesina de la parada V15" in form
    assert "<form" in form

    status, thanks = page(
        external,
        "POST",
        token,
        body=urlencode({"text": "Hi enviem l'equip de manteniment demà."}),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert status == 201, thanks

    [conversation] = listed(api, TRANSPORT_AGENT, TRANSPORT_REFERENCE)[1]["items"]
    assert conversation["unread"] is True
    assert conversation["messages"][-1]["author"] == "external:tmb"
    assert conversation["messages"][-1]["incoming"] is True
    assert "conversation_unread" in request_flags(TRANSPORT_REFERENCE)
    replies = [e for e in history(TRANSPORT_REFERENCE) if e["actor"] == "external:tmb"]
    assert [e["text"] for e in replies] == ["Hi enviem l'equip de manteniment demà."]

    read = on(
        api, "read", conversation["id"], claims=TRANSPORT_AGENT, reference=TRANSPORT_REFERENCE
    )[1]
    assert read["unread"] is False
    assert "conversation_unread" not in request_flags(TRANSPORT_REFERENCE)


def test_a_used_link_is_refused_and_writes_nothing_more(
    api: ModuleType, external: ModuleType, transport_case: str
) -> None:
    open_conversation(
        api,
        {"with": "external", "text": "Ens ho confirmeu?"},
        reference=TRANSPORT_REFERENCE,
        claims=TRANSPORT_AGENT,
    )
    token = link_of(sent_email()[0])
    assert page(external, "POST", token, body={"text": "Confirmat."})[0] == 201
    before = table_items()

    again, answer = page(external, "POST", token, body={"text": "Confirmat de nou."})

    assert again == 409, answer
    assert page(external, "GET", token)[0] == 409
    assert table_items() == before


def test_a_forged_link_is_refused(
    api: ModuleType, external: ModuleType, transport_case: str
) -> None:
    open_conversation(
        api,
        {"with": "external", "body_code": "tmb", "text": "Ens ho confirmeu?"},
        reference=TRANSPORT_REFERENCE,
        claims=TRANSPORT_AGENT,
    )
    token = link_of(sent_email()[0])
    payload, signature = token.split(".")
    before = table_items()

    assert page(external, "POST", f"{payload}.{signature[:-2]}AA", body={"text": "x"})[0] == 403
    assert page(external, "GET", "not-a-token")[0] == 403
    assert table_items() == before


def test_a_newer_message_replaces_the_body_s_older_link(
    api: ModuleType, external: ModuleType, transport_case: str
) -> None:
    cid = open_conversation(
        api,
        {"with": "external", "text": "Primera pregunta"},
        reference=TRANSPORT_REFERENCE,
        claims=TRANSPORT_AGENT,
    )[1]["id"]
    first = link_of(sent_email()[0])
    on(
        api,
        "messages",
        cid,
        claims=TRANSPORT_AGENT,
        body={"text": "Segona pregunta"},
        reference=TRANSPORT_REFERENCE,
    )
    second = link_of(sent_email()[1])

    assert page(external, "GET", first)[0] == 409
    status, form = page(external, "GET", second)
    assert status == 200
    assert "Segona pregunta" in form


def test_an_expired_link_is_refused(
    api: ModuleType, external: ModuleType, transport_case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_conversation(
        api,
        {"with": "external", "text": "Ens ho confirmeu?"},
        reference=TRANSPORT_REFERENCE,
        claims=TRANSPORT_AGENT,
    )
    token = link_of(sent_email()[0])
    links = external.external.get().conversations._links
    later = links._clock() + timedelta(days=15)
    monkeypatch.setattr(links, "_clock", lambda: later)

    status, answer = page(external, "POST", token, body={"text": "Tard"})

    assert status == 403, answer
    assert answer["code"] == "link_expired"


# ---------------------------------------------------------------------- citizen


def test_a_citizen_conversation_goes_by_the_request_s_channel_and_their_answer_is_unread(
    api: ModuleType, case: str, seed: Seeder
) -> None:
    status, opened = open_conversation(
        api, {"with": "citizen", "text": "Ens podeu dir el número exacte del carrer?"}
    )
    assert status == 201, opened
    [(to, text)] = sent_sms()
    assert to == PHONE
    assert "número exacte" in text or "numero exacte" in text
    assert opened["unread"] is False

    from finestra.domain.ids import new_id
    from finestra.domain.request import Interaction
    from finestra.storage.requests import RequestStore

    store = RequestStore(seed.runtime.table, shards=4)
    request = store.get(REFERENCE)
    assert request is not None
    answer = Interaction(
        id=new_id("int"),
        at=datetime.now(UTC) + timedelta(milliseconds=1),
        kind="inbound_message",
        channel="sms",
        actor=f"citizen:{request.citizen_id}",
        text="És el número 22.",
    )
    store.annotate(request, answer)

    [conversation] = listed(api, AGENT)[1]["items"]
    assert conversation["unread"] is True
    assert conversation["messages"][-1]["text"] == "És el número 22."
    assert on(api, "read", conversation["id"], claims=AGENT)[1]["unread"] is False


# ---------------------------------------------------------------------- hand-over


def hand_over(api: ModuleType, reference: str, claims: dict[str, str]) -> tuple[int, Any]:
    return call(
        api,
        event(
            "POST",
            f"{PREFIX}/requests/{{reference}}/hand-over",
            claims=claims,
            body={"text": "Us el passem."},
            path={"reference": reference},
        ),
    )


def test_a_request_of_a_city_theme_is_never_handed_over(api: ModuleType, case: str) -> None:
    before = table_items()

    status, answer = hand_over(api, REFERENCE, AGENT)

    assert status == 409, answer
    assert table_items() == before
    assert sent_email() == []


def test_without_reply_links_set_up_nothing_is_handed_over(
    aws: None, function: Callable[[str], ModuleType], transport_case: str
) -> None:
    api = function("desk_api")
    before = table_items()

    status, answer = hand_over(api, TRANSPORT_REFERENCE, TRANSPORT_AGENT)

    assert status == 409, answer
    assert "reply links" in answer["message"]
    assert table_items() == before


def test_conversation_items_keep_no_message_text_only_the_history_does(
    api: ModuleType, case: str
) -> None:
    open_conversation(api, {"with": "group", "group": "lighting", "text": "Text confidencial"})

    kept = [i for i in table_items(f"REQUEST#{REFERENCE}") if i["type"].startswith("conversation")]
    assert kept
    assert all("Text confidencial" not in json.dumps(i, default=str) for i in kept)
    assert [e["text"] for e in history()] == ["Text confidencial"]


def test_a_repeated_open_with_the_same_key_answers_the_first_and_mails_once(
    api: ModuleType, transport_case: str
) -> None:
    sent = event(
        "POST",
        CONVERSATIONS,
        claims=TRANSPORT_AGENT,
        body={"with": "external", "text": "Ens ho confirmeu?"},
        path={"reference": TRANSPORT_REFERENCE},
        headers={"idempotency-key": "conv-0001"},
    )

    first = call(api, sent)
    again = call(api, sent)

    assert first[0] == again[0] == 201
    assert first[1]["id"] == again[1]["id"]
    assert len(sent_email()) == 1
    assert len(listed(api, TRANSPORT_AGENT, TRANSPORT_REFERENCE)[1]["items"]) == 1
