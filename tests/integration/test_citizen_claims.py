"""A citizen's claim by message on the thread of an ended request, under moto.

The SMS and email intake Lambdas run on End User Messaging's and SES's own events, on
the test's clock; the acknowledgement is the workflow's own task, as the execution the
claim's new request starts runs it. SMS and email land in moto's SNS and SES.
"""

import copy
import json
from collections.abc import Callable
from datetime import timedelta
from types import ModuleType
from typing import Any

import pytest

from finestra.apps.email import EmailApp
from finestra.apps.sms import SmsApp
from finestra.domain.ids import new_id
from finestra.domain.request import Interaction, Request
from finestra.domain.vocabulary import InteractionKind, RequestState
from finestra.intake.message import InboundMessage
from finestra.intake.service import hash_token
from finestra.settings import EmailSettings, SmsSettings
from finestra.storage.requests import RequestStore
from tests.conftest import Clock, FakeLambdaContext, Seeder, load_event
from tests.integration.test_desk_actions import sent_email
from tests.integration.test_email_intake import deliver
from tests.support.aws import sent_sms, table_items

PHONE = "+34633445566"
EMAIL = "nuria.ferrer@example.org"
ENDED = "BCN-2026-000123"
CLAIM = f"{ENDED}-R1"


def ended(
    seed: Seeder,
    citizen_id: str,
    *,
    days_ago: float,
    state: str = "closed",
    channel: str = "sms",
    reference: str = ENDED,
) -> Request:
    """A pothole request of the citizen, received 70 days ago and ended ``days_ago``."""
    now = seed.clock()
    received = now - timedelta(days=70)
    origin = Interaction(
        id=new_id("int"),
        at=received,
        kind="inbound_message",
        channel=channel,
        actor=f"citizen:{citizen_id}",
        provider_message_id=new_id("msg"),
        text="Hi ha un forat a la calçada del carrer de Balmes.",
    )
    request = Request(
        reference=reference,
        request_type="incident",
        theme_code="roads.pothole",
        description=origin.text or "",
        input_channel=channel,
        response_channel=channel,
        language="ca",
        state=state,
        responsible_group="paving",
        sla_due_at=received + timedelta(days=3),
        created_at=received,
        updated_at=received,
        citizen_id=citizen_id,
        origin=origin,
        tracking_token_hash=hash_token("trk_4Qv8Zp2LmX7sN3wR9cK1"),
    )
    store = RequestStore(seed.runtime.table, shards=4)
    store.save(store.creation(request))
    move = Interaction(
        id=new_id("int"),
        at=now - timedelta(days=days_ago),
        kind=InteractionKind.STATE_CHANGE,
        channel="internal",
        actor="staff:ag1",
        from_state=RequestState.IN_RESOLUTION,
        to_state=RequestState(state),
    )
    store.annotate(request, move)
    return request


def sms_event(body: str, message_id: str = "b4f2b1ce-0161-535d-8894-3974a8b04e68") -> Any:
    """End User Messaging's inbound SMS from :data:`PHONE`, with ``body`` and id."""
    event = copy.deepcopy(load_event("sms/reply-to-pending.json"))
    envelope = json.loads(event["Records"][0]["body"])
    inbound = json.loads(envelope["Message"])
    inbound["messageBody"] = body
    inbound["inboundMessageId"] = message_id
    envelope["Message"] = json.dumps(inbound)
    event["Records"][0]["body"] = json.dumps(envelope)
    return event


def reply_mail(text: str, subject: str = f"Re: [{ENDED}] Forat al carrer de Balmes") -> bytes:
    """A plain-text reply from :data:`EMAIL` with ``subject``."""
    return (
        "MIME-Version: 1.0\r\n"
        f"From: Nuria Ferrer <{EMAIL}>\r\n"
        "To: bustia@finestra.example.org\r\n"
        f"Subject: {subject}\r\n"
        "Message-ID: <claim-0001@mail.example.org>\r\n"
        'Content-Type: text/plain; charset="UTF-8"\r\n'
        "Content-Transfer-Encoding: 8bit\r\n"
        "\r\n"
        f"{text}\r\n"
    ).encode()


def requests() -> dict[str, dict[str, Any]]:
    items = table_items("REQUEST#")
    return {str(i["reference"]): i for i in items if i["type"] == "request"}


def history(reference: str) -> list[dict[str, Any]]:
    return [
        i
        for i in table_items(f"REQUEST#{reference}")
        if i["PK"] == f"REQUEST#{reference}" and i["type"] == "interaction"
    ]


@pytest.fixture
def sms(
    function: Callable[[str], ModuleType], clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> ModuleType:
    module = function("sms_intake")
    monkeypatch.setattr(module.app, "_build", lambda: SmsApp(SmsSettings(), clock=clock))
    return module


@pytest.fixture
def mail(
    function: Callable[[str], ModuleType], clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> ModuleType:
    module = function("email_intake")
    monkeypatch.setattr(module.app, "_build", lambda: EmailApp(EmailSettings(), clock=clock))
    return module


@pytest.fixture
def workflow(backoffice: Any, clock: Clock) -> Any:
    from finestra.apps.workflow import WorkflowApp
    from finestra.settings import WorkflowSettings

    return WorkflowApp(WorkflowSettings(), clock=clock)


def acknowledge(workflow: Any, reference: str) -> dict[str, Any]:
    _, result = workflow.run(
        {"task": "acknowledge", "reference": reference, "duplicates": {"duplicate_of": None}}
    )
    return dict(result)


@pytest.fixture
def nuria(seed: Seeder) -> str:
    return seed.citizen(phone=PHONE, email=EMAIL, language="ca")


# ---------------------------------------------------------------------- SMS


def test_an_sms_claim_within_60_days_opens_the_linked_claim_with_the_alarm(
    sms: ModuleType, seed: Seeder, clock: Clock, nuria: str
) -> None:
    ended(seed, nuria, days_ago=59)

    result = sms.lambda_handler(sms_event("Reclamació: encara no funciona"), FakeLambdaContext())

    assert result == {"batchItemFailures": []}
    found = requests()
    assert set(found) == {ENDED, CLAIM}
    claim = found[CLAIM]
    assert claim["claim_of"] == ENDED
    assert claim["flags"] == {"claimed"}
    assert claim["state"] == "pending_validation"
    assert claim["responsible_group"] == "paving"
    assert claim["input_channel"] == "sms"
    assert claim["response_channel"] == "sms"
    assert claim["language"] == "ca"
    assert claim["citizen_id"] == nuria
    assert claim["sla_due_at"] > clock().isoformat()
    assert claim["origin"]["actor"] == f"citizen:{nuria}"
    assert claim["description"] == "Reclamació: encara no funciona"
    assert found[ENDED]["claims"] == [CLAIM]
    assert found[ENDED]["state"] == "closed"
    assert [i["text"] for i in history(ENDED) if i["kind"] == "note"] == [f"claimed as {CLAIM}"]


def test_the_sms_claim_is_acknowledged_by_sms_in_catalan_with_the_new_reference(
    sms: ModuleType, workflow: Any, seed: Seeder, nuria: str
) -> None:
    ended(seed, nuria, days_ago=10)
    sms.lambda_handler(sms_event("RECLAMACIO encara no funciona"), FakeLambdaContext())

    outcome = acknowledge(workflow, CLAIM)

    assert outcome == {"sent": True, "channel": "sms"}
    [(number, text)] = sent_sms()
    assert number == PHONE
    assert f"Ref. {CLAIM}." in text
    assert "hem rebut el missatge" in text
    [outbound] = [i for i in history(CLAIM) if i["kind"] == "outbound_message"]
    assert outbound["channel"] == "sms"


def test_a_cancelled_request_is_claimed_too(sms: ModuleType, seed: Seeder, nuria: str) -> None:
    ended(seed, nuria, days_ago=3, state="cancelled")

    sms.lambda_handler(sms_event("reclamo"), FakeLambdaContext())

    assert requests()[CLAIM]["claim_of"] == ENDED
    assert requests()[CLAIM]["language"] == "ca", "reclamo is Catalan and Spanish: the original's"


def test_an_sms_without_the_keyword_on_an_ended_request_opens_a_new_request_as_before(
    sms: ModuleType, seed: Seeder, nuria: str
) -> None:
    ended(seed, nuria, days_ago=5)

    sms.lambda_handler(sms_event("Encara no funciona, reclamació"), FakeLambdaContext())

    found = requests()
    [fresh] = set(found) - {ENDED}
    assert not fresh.startswith(ENDED)
    assert "claim_of" not in found[fresh]
    assert "claims" not in found[ENDED]
    assert [i["kind"] for i in history(ENDED)] == ["state_change"]


def test_an_sms_claim_more_than_60_days_after_the_end_opens_a_new_request(
    sms: ModuleType, workflow: Any, seed: Seeder, nuria: str
) -> None:
    ended(seed, nuria, days_ago=61)

    sms.lambda_handler(sms_event("Reclamació: encara no funciona"), FakeLambdaContext())

    found = requests()
    [fresh] = set(found) - {ENDED}
    assert not fresh.startswith(ENDED)
    assert "claim_of" not in found[fresh]
    assert "claimed" not in found[fresh].get("flags", set())
    assert "claims" not in found[ENDED]
    assert acknowledge(workflow, fresh)["sent"] is True
    [(_, text)] = sent_sms()
    assert fresh in text


def test_the_same_sms_twice_opens_one_claim(sms: ModuleType, seed: Seeder, nuria: str) -> None:
    ended(seed, nuria, days_ago=20)
    event = sms_event("Reclamació: encara no funciona")

    sms.lambda_handler(event, FakeLambdaContext())
    sms.lambda_handler(copy.deepcopy(event), FakeLambdaContext())

    assert set(requests()) == {ENDED, CLAIM}
    assert requests()[ENDED]["claims"] == [CLAIM]


def test_a_message_handled_again_after_its_claim_was_written_opens_no_second_claim(
    seed: Seeder, nuria: str
) -> None:
    ended(seed, nuria, days_ago=20)
    message = InboundMessage.model_validate(
        {
            "channel": "sms",
            "provider_message_id": "sms-0042",
            "received_at": seed.clock(),
            "sender": [{"kind": "phone", "value": PHONE}],
            "text": "Reclamació: encara no funciona",
            "continue_pending": True,
        }
    )

    first = seed.runtime.intake.submit(message)
    again = seed.runtime.intake.submit(message)

    assert first.reference == again.reference == CLAIM
    assert set(requests()) == {ENDED, CLAIM}


def test_a_claim_keeps_the_outside_link_its_message_carried(seed: Seeder, nuria: str) -> None:
    ended(seed, nuria, days_ago=20)
    link = "https://photos.example.org/reports/balmes-forat.jpg"
    message = InboundMessage.model_validate(
        {
            "channel": "sms",
            "provider_message_id": "sms-0043",
            "received_at": seed.clock(),
            "sender": [{"kind": "phone", "value": PHONE}],
            "text": "Reclamació: encara no funciona",
            "continue_pending": True,
            "media_url": link,
        }
    )

    seed.runtime.intake.submit(message)

    assert requests()[CLAIM]["origin"]["media_url"] == link


def test_a_second_claim_by_a_new_message_takes_the_next_suffix(
    sms: ModuleType, seed: Seeder, nuria: str
) -> None:
    ended(seed, nuria, days_ago=20)

    sms.lambda_handler(sms_event("Reclamació: encara no funciona"), FakeLambdaContext())
    sms.lambda_handler(
        sms_event(
            "Reclamació: i ara és més gran", message_id="c0ffee00-0000-4000-8000-000000000002"
        ),
        FakeLambdaContext(),
    )

    assert requests()[ENDED]["claims"] == [CLAIM, f"{ENDED}-R2"]


def test_an_sms_claim_from_another_number_claims_nothing_of_hers(
    sms: ModuleType, seed: Seeder
) -> None:
    stranger = seed.citizen(phone="+34611000111")
    ended(seed, stranger, days_ago=5)

    sms.lambda_handler(sms_event("Reclamació: encara no funciona"), FakeLambdaContext())

    assert "claims" not in requests()[ENDED]
    assert len(requests()) == 2


# ---------------------------------------------------------------------- email


def test_an_email_reply_with_the_reference_and_the_keyword_opens_the_claim_in_spanish(
    mail: ModuleType, workflow: Any, seed: Seeder, nuria: str
) -> None:
    ended(seed, nuria, days_ago=30, channel="email")

    result = deliver(mail, "reply-with-reference", reply_mail("Reclamación: el bache sigue."))

    assert result == {"batchItemFailures": []}
    claim = requests()[CLAIM]
    assert claim["claim_of"] == ENDED
    assert claim["flags"] == {"claimed"}
    assert claim["input_channel"] == "email"
    assert claim["response_channel"] == "email"
    assert claim["language"] == "es"
    assert acknowledge(workflow, CLAIM) == {"sent": True, "channel": "email"}
    [sent] = sent_email()
    assert sent.destinations["ToAddresses"] == [EMAIL]
    assert sent.subject.startswith(f"[{CLAIM}] Hemos recibido su solicitud")
    assert f"Referencia: {CLAIM}" in sent.body


def test_an_email_reply_without_the_keyword_on_an_ended_request_opens_a_new_request(
    mail: ModuleType, seed: Seeder, nuria: str
) -> None:
    ended(seed, nuria, days_ago=30, channel="email")

    deliver(mail, "reply-with-reference", reply_mail("El bache sigue ahí."))

    found = requests()
    [fresh] = set(found) - {ENDED}
    assert not fresh.startswith(ENDED)
    assert "claims" not in found[ENDED]


def test_an_email_claim_on_an_open_request_is_added_to_it_as_before(
    mail: ModuleType, seed: Seeder, nuria: str
) -> None:
    seed.request(nuria, reference=ENDED, state="pending_answer")

    deliver(mail, "reply-with-reference", reply_mail("Reclamación: el bache sigue."))

    found = requests()
    assert set(found) == {ENDED}
    assert "citizen_replied" in found[ENDED]["flags"]


def test_the_same_email_twice_opens_one_claim(mail: ModuleType, seed: Seeder, nuria: str) -> None:
    ended(seed, nuria, days_ago=30, channel="email")
    raw = reply_mail("Complaint: still broken.")

    deliver(mail, "reply-with-reference", raw)
    deliver(mail, "reply-with-reference", raw)

    assert set(requests()) == {ENDED, CLAIM}
    assert requests()[CLAIM]["language"] == "en"


def test_no_log_line_carries_the_claim_s_text_or_the_sender(
    sms: ModuleType, seed: Seeder, nuria: str, logs: Callable[[], list[dict[str, Any]]]
) -> None:
    ended(seed, nuria, days_ago=20)

    sms.lambda_handler(sms_event("Reclamació: encara no funciona"), FakeLambdaContext())

    written = json.dumps(logs(), ensure_ascii=False)
    assert CLAIM in requests()
    assert "encara no funciona" not in written
    assert PHONE not in written
    assert "633445566" not in written
