"""Export and erasure of a citizen whose request has case work on it, through the desk API.

The request carries a staff member's draft answer, a conversation with another group, a
conversation with an external body (answered, then asked again, so a reply link is
live) and a conversation with the citizen; each leaves text in the table and items in
the groups' inboxes. The export carries all of it; after the erasure no item holds any
of that text, no inbox points at the erased request, and the body's link answers no more.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest

from finestra.domain.ids import new_id
from finestra.domain.request import Interaction
from finestra.storage.requests import RequestStore
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
from tests.integration.test_desk_citizens import erase, export
from tests.integration.test_desk_conversations import (
    EXTERNAL_SECRET,
    LIGHTING,
    LINK_KEY,
    REPLIES,
    link_of,
    listed,
    on,
    open_conversation,
    request_flags,
)
from tests.support.aws import table_items

DRAFT_TEXT = "Draft: Senyora Roig, the hole at number 22 will be filled on Monday"
INTERNAL_TEXT = "Internal: Senyora Roig says a lamp post fell into the hole"
LIGHTING_TEXT = "Lighting: we will take the lamp post away tomorrow"
CITY_TEXT = "Could you tell us the exact street number please"
CITIZEN_TEXT = "It is number 22, next to the bakery"
BODY_QUESTION = "External: is the bus stop by the hole yours"
BODY_TEXT = "Body: yes, our team goes there on Thursday"
SECOND_QUESTION = "External: could you send us the work order"
PLANTED = (
    DRAFT_TEXT,
    INTERNAL_TEXT,
    LIGHTING_TEXT,
    CITY_TEXT,
    CITIZEN_TEXT,
    BODY_QUESTION,
    BODY_TEXT,
    SECOND_QUESTION,
)
OTHER_REFERENCE = "BCN-2026-000777"
OTHER_TEXT = "Internal: another citizen's request, not erased"
REASON = {"reason": "the citizen asked to be forgotten"}


@dataclass(frozen=True)
class Casework:
    """What the given case work left: the citizen, the conversations and the live link."""

    citizen_id: str
    internal: str
    external: str
    with_citizen: str
    live_link: str


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


def opened(api: ModuleType, body: dict[str, Any], key: str) -> str:
    status, answer = call(
        api,
        event(
            "POST",
            f"{PREFIX}/requests/{{reference}}/conversations",
            claims=AGENT,
            body=body,
            path={"reference": REFERENCE},
            headers={"idempotency-key": key},
        ),
    )
    assert status == 201, answer
    return str(answer["id"])


def body_answers(external: ModuleType, token: str, text: str) -> tuple[int, Any]:
    return call(
        external,
        event(
            "POST",
            REPLIES,
            body=urlencode({"text": text}),
            path={"token": token},
            headers={"content-type": "application/x-www-form-urlencoded"},
        ),
    )


def citizen_answers(seed: Seeder, text: str) -> None:
    store = RequestStore(seed.runtime.table, shards=4)
    request = store.get(REFERENCE)
    assert request is not None
    answer = Interaction(
        id=new_id("int"),
        at=datetime.now(UTC) + timedelta(milliseconds=5),
        kind="inbound_message",
        channel="sms",
        actor=f"citizen:{request.citizen_id}",
        text=text,
    )
    store.annotate(request, answer)


@pytest.fixture
def casework(api: ModuleType, external: ModuleType, seed: Seeder) -> Casework:
    citizen_id = seed.citizen(phone=PHONE)
    given_request(seed, citizen_id, state="in_resolution")
    internal = opened(api, {"with": "group", "group": "lighting", "text": INTERNAL_TEXT}, "k-1")
    answered, _ = on(api, "messages", internal, claims=LIGHTING, body={"text": LIGHTING_TEXT})
    assert answered == 201
    body = opened(api, {"with": "external", "body_code": "tmb", "text": BODY_QUESTION}, "k-2")
    assert body_answers(external, link_of(sent_email()[-1]), BODY_TEXT)[0] == 201
    asked, _ = on(api, "messages", body, claims=AGENT, body={"text": SECOND_QUESTION})
    assert asked == 201
    with_citizen = opened(api, {"with": "citizen", "text": CITY_TEXT}, "k-3")
    citizen_answers(seed, CITIZEN_TEXT)
    saved, _ = call(
        api,
        event(
            "PUT",
            f"{PREFIX}/requests/{{reference}}/draft",
            claims=AGENT,
            body={"text": DRAFT_TEXT, "language": "ca"},
            path={"reference": REFERENCE},
        ),
    )
    assert saved == 200
    return Casework(
        citizen_id=citizen_id,
        internal=internal,
        external=body,
        with_citizen=with_citizen,
        live_link=link_of(sent_email()[-1]),
    )


@pytest.fixture
def neighbour(api: ModuleType, seed: Seeder) -> str:
    """Another citizen's request with an unread conversation in the lighting inbox."""
    seed.request(seed.citizen(email="pere.soler@example.org"), reference=OTHER_REFERENCE)
    status, answer = open_conversation(
        api,
        {"with": "group", "group": "lighting", "text": OTHER_TEXT},
        reference=OTHER_REFERENCE,
    )
    assert status == 201, answer
    return str(answer["id"])


def holding(items: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    return [item for item in items if text in json.dumps(item, default=str, ensure_ascii=False)]


def inbox_items(reference: str = REFERENCE) -> list[dict[str, Any]]:
    return [i for i in table_items("INBOX#") if str(i["SK"]).startswith(f"{reference}#")]


def exported_request(api: ModuleType, citizen_id: str) -> dict[str, Any]:
    status, answer, _ = export(api, citizen_id)
    assert status == 200, answer
    [request] = [r for r in answer["requests"] if r["request"]["reference"] == REFERENCE]
    return dict(request)


# ---------------------------------------------------------------------- export


def test_the_export_carries_each_conversation_with_who_when_and_every_message_s_text(
    api: ModuleType, casework: Casework
) -> None:
    request = exported_request(api, casework.citizen_id)

    conversations = {c["id"]: c for c in request["conversations"]}
    assert set(conversations) == {casework.internal, casework.external, casework.with_citizen}
    mine = conversations[casework.with_citizen]
    assert mine["with"] == "citizen"
    assert mine["groups"] == ["paving.d2"]
    assert mine["opened_at"] <= mine["last_at"]
    texts = [m["text"] for m in mine["messages"]]
    assert len(texts) == 2
    assert CITY_TEXT in texts[0]
    assert texts[1] == CITIZEN_TEXT
    assert [m["author"] for m in mine["messages"]] == [
        f"staff:{AGENT['sub']}",
        f"citizen:{casework.citizen_id}",
    ]
    internal = conversations[casework.internal]
    assert internal["groups"] == ["paving.d2", "lighting"]
    assert [m["text"] for m in internal["messages"]] == [INTERNAL_TEXT, LIGHTING_TEXT]
    body = conversations[casework.external]
    assert body["with"] == "external"
    assert body["body_code"] == "tmb"
    assert [m["text"] for m in body["messages"]] == [BODY_QUESTION, BODY_TEXT, SECOND_QUESTION]
    assert [m["author"] for m in body["messages"]][1] == "external:tmb"


def test_the_export_carries_the_staff_s_draft_answer_with_its_author(
    api: ModuleType, casework: Casework
) -> None:
    request = exported_request(api, casework.citizen_id)

    [draft] = request["drafts"]
    assert draft["text"] == DRAFT_TEXT
    assert draft["author"] == f"staff:{AGENT['sub']}"
    assert {"PK", "SK"}.isdisjoint(draft)


# ---------------------------------------------------------------------- erasure


def test_after_erasure_no_item_of_the_table_holds_the_case_work_text(
    api: ModuleType, casework: Casework
) -> None:
    assert all(holding(table_items(f"REQUEST#{REFERENCE}"), text) for text in PLANTED)

    status, erased = erase(api, casework.citizen_id, REASON)

    assert status == 200, erased
    kept = table_items()
    for text in (*PLANTED, PHONE):
        assert holding(kept, text) == [], text
    assert erased["erased"]["drafts"] == 1
    assert erased["erased"]["conversations"] == 3


def test_erasure_deletes_the_draft_and_every_inbox_item_and_keeps_who_and_when(
    api: ModuleType, casework: Casework
) -> None:
    assert {i["PK"] for i in inbox_items()} == {"INBOX#lighting", "INBOX#paving.d2"}
    assert "conversation_unread" in request_flags()
    assert {c["id"] for c in listed(api, AGENT)[1]["items"] if c["unread"]} == {
        casework.external,
        casework.with_citizen,
        casework.internal,
    }

    erase(api, casework.citizen_id, REASON)

    request_items = table_items(f"REQUEST#{REFERENCE}")
    assert [i for i in request_items if i["type"] == "draft"] == []
    assert inbox_items() == []
    assert "conversation_unread" not in request_flags()
    heads = [i for i in request_items if i["type"] == "conversation"]
    assert {h["id"] for h in heads} == {
        casework.internal,
        casework.external,
        casework.with_citizen,
    }
    assert all("unread" not in h and "link_nonce" not in h for h in heads)
    assert all(h["groups"][0] == "paving.d2" for h in heads)
    assert [c["id"] for c in listed(api, AGENT)[1]["items"] if c["unread"]] == []
    assert [c["id"] for c in listed(api, LIGHTING)[1]["items"] if c["unread"]] == []


def test_after_erasure_the_body_s_live_reply_link_is_refused_and_writes_nothing(
    api: ModuleType, external: ModuleType, casework: Casework
) -> None:
    erase(api, casework.citizen_id, REASON)
    before = table_items()

    status, answer = body_answers(external, casework.live_link, "Body: too late")

    assert status == 409, answer
    assert table_items() == before


def test_erasing_again_writes_nothing(api: ModuleType, casework: Casework) -> None:
    erase(api, casework.citizen_id, REASON)
    before = table_items()

    status, again = erase(api, casework.citizen_id, REASON)

    assert status == 200, again
    assert again["erased"] == {}
    assert table_items() == before


def test_erasure_leaves_another_citizen_s_conversation_and_inbox_item_alone(
    api: ModuleType, casework: Casework, neighbour: str
) -> None:
    erase(api, casework.citizen_id, REASON)

    [waiting] = inbox_items(OTHER_REFERENCE)
    assert waiting["PK"] == "INBOX#lighting"
    assert waiting["conversation_id"] == neighbour
    assert holding(table_items(f"REQUEST#{OTHER_REFERENCE}"), OTHER_TEXT)
    assert "conversation_unread" not in request_flags(OTHER_REFERENCE)
