"""What the outside world builds reads as AWS's own events, and the CLI keeps its promises."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import pytest
from pydantic import BaseModel

from finestra.channels.email import ReceivedNotification, parse_mail
from finestra.channels.sms import parse_inbound
from finestra.channels.social import items_of, verify_signature
from finestra.channels.voice import CallRequest, ContactFlowEvent, caller_of
from finestra.domain.errors import Unauthorised
from finestra_local import cli
from finestra_local.outside import (
    ENDPOINTS,
    CallIn,
    EmailIn,
    SmsIn,
    SocialIn,
    compose_mail,
    contact_flow_event,
    inbound_sms,
    received_notification,
    ses_message_id,
    signed_headers,
    social_author_id,
    social_delivery,
)
from tests.conftest import EVENTS

AT = datetime(2026, 3, 14, 8, 12, 43, 281000, tzinfo=UTC)
ACTION = {
    "topicArn": "arn:aws:sns:eu-west-1:123456789012:EmailInboundTopic",
    "bucketName": "inbound-mail-bucket",
    "objectKeyPrefix": "inbound/",
    "objectKey": "inbound/zjyo5tizmfih7pimosqjszfotnt4selg7sdyusqc",
}


def recorded_message(path: str) -> dict[str, Any]:
    record = json.loads((EVENTS / path).read_text(encoding="utf-8"))
    message: dict[str, Any] = json.loads(json.loads(record["Records"][0]["body"])["Message"])
    return message


def test_an_inbound_sms_has_the_fields_end_user_messaging_sends_and_parses() -> None:
    message = inbound_sms("+34612345678", "+34930000000", "Bon dia", "id-1")

    sms = parse_inbound(json.dumps(message))

    assert set(message) == set(recorded_message("sms/new-request-ca.json"))
    assert (sms.origination_number, sms.destination_number) == ("+34612345678", "+34930000000")
    assert (sms.message_body, sms.inbound_message_id) == ("Bon dia", "id-1")


def test_an_ses_message_id_is_forty_lower_case_letters_and_digits() -> None:
    ids = {ses_message_id() for _ in range(20)}

    assert len(ids) == 20
    assert all(len(found) == 40 and found.isalnum() and found.islower() for found in ids)


def test_a_composed_mail_reads_back_with_its_sender_text_and_attachment() -> None:
    raw = compose_mail(
        "carmen@example.com",
        "bustia@finestra.example.org",
        subject="Vorera aixecada al carrer de Provença",
        text="Les arrels del plàtan han aixecat la vorera.",
        name="Carmen Ortega",
        attachments=[("vorera.jpg", "image/jpeg", b"\xff\xd8\xff\xe0 not a real picture")],
        at=AT,
    )

    mail = parse_mail(raw, max_attachments=5)

    assert (mail.sender, mail.display_name) == ("carmen@example.com", "Carmen Ortega")
    assert mail.subject == "Vorera aixecada al carrer de Provença"
    assert mail.text == "Les arrels del plàtan han aixecat la vorera."
    assert mail.attachments == [
        ("vorera.jpg", "image/jpeg", b"\xff\xd8\xff\xe0 not a real picture")
    ]


def test_the_received_notification_has_ses_fields_and_parses_as_the_intake_reads_it() -> None:
    raw = compose_mail(
        "carmen@example.com",
        "bustia@finestra.example.org",
        subject="Vorera aixecada al carrer de Provença",
        text="Hola",
        at=AT,
    )

    notification = received_notification(
        raw,
        sender="carmen@example.com",
        recipient="bustia@finestra.example.org",
        message_id="zjyo5tizmfih7pimosqjszfotnt4selg7sdyusqc",
        action=ACTION,
        at=AT,
        took_ms=12,
    )
    parsed = ReceivedNotification.model_validate(notification)
    recorded = recorded_message("email/new-request-es.json")
    names = [header["name"] for header in notification["mail"]["headers"]]

    assert set(notification) == set(recorded)
    assert set(notification["mail"]) == set(recorded["mail"])
    assert set(notification["receipt"]) == set(recorded["receipt"])
    assert notification["mail"]["timestamp"] == "2026-03-14T08:12:43.281Z"
    assert parsed.receipt.action.object_key == ACTION["objectKey"]
    assert parsed.mail.message_id == "zjyo5tizmfih7pimosqjszfotnt4selg7sdyusqc"
    assert {"From", "To", "Subject", "Message-ID", "Date"} <= set(names)
    assert notification["mail"]["commonHeaders"]["subject"] == (
        "Vorera aixecada al carrer de Provença"
    )


def test_a_contact_flow_event_carries_the_collected_request_and_the_caller() -> None:
    call = CallIn.model_validate(
        {
            "from": "+34622334455",
            "theme": "lighting.streetlight-off",
            "transcript": "La farola està apagada",
            "language": "es",
            "response_channel": "sms",
        }
    )

    event = ContactFlowEvent.model_validate(
        contact_flow_event(
            call.parameters(),
            caller=call.sender,
            contact_id="4e695488-3fc0-53b3-ab00-c5d0a121d2d4",
            city_number="+34930000000",
            instance_arn="arn:aws:connect:eu-west-1:123456789012:instance/local",
        )
    )
    request = CallRequest.model_validate(event.Details.Parameters)

    assert caller_of(event) == "+34622334455"
    assert event.Details.ContactData.LanguageCode == "es-ES"
    assert (request.operation, request.theme_code) == ("create_request", "lighting.streetlight-off")
    assert request.description == "La farola està apagada"
    assert request.response_channel == "sms"


def test_a_call_with_nothing_collected_is_a_lookup_from_a_withheld_number() -> None:
    call = CallIn.model_validate({})

    event = ContactFlowEvent.model_validate(
        contact_flow_event(
            call.parameters(),
            caller=None,
            contact_id="c-1",
            city_number="+34930000000",
            instance_arn="arn:aws:connect:eu-west-1:123456789012:instance/local",
        )
    )

    assert event.Details.Parameters == {"operation": "lookup"}
    assert caller_of(event) is None


@pytest.mark.parametrize(
    ("network", "kind", "platform", "parsed_kind", "at"),
    [
        ("facebook", "post", "facebook", "post", AT.replace(microsecond=0)),
        ("facebook", "direct", "facebook", "direct_message", AT),
        ("instagram", "post", "instagram", "post", AT.replace(microsecond=0)),
    ],
)
def test_a_social_delivery_is_signed_as_the_network_signs_and_parses_as_the_webhook_reads(
    network: Literal["facebook", "instagram"],
    kind: Literal["post", "direct"],
    platform: str,
    parsed_kind: str,
    at: datetime,
) -> None:
    body = social_delivery(
        network,
        kind,
        author="@Veina_Gracia",
        text="La paret de l'escola està plena de grafitis.",
        item_id="item-1",
        at=AT,
    )
    headers = signed_headers("local-app-secret", body)

    verify_signature("local-app-secret", body, headers["X-Hub-Signature-256"])
    [item] = items_of(body)

    assert (item.platform, item.kind) == (platform, parsed_kind)
    assert item.author_id == social_author_id(network, "@veina_gracia")
    assert item.text == "La paret de l'escola està plena de grafitis."
    assert item.provider_message_id == "item-1"
    assert item.at == at


def test_a_delivery_signed_with_another_secret_is_refused_by_the_webhook() -> None:
    body = social_delivery("facebook", "post", author="@x", text="Hola", item_id="i", at=AT)

    with pytest.raises(Unauthorised):
        verify_signature(
            "the-real-secret", body, signed_headers("another", body)["X-Hub-Signature-256"]
        )


def test_an_author_keeps_one_id_per_network() -> None:
    same = {social_author_id("facebook", handle) for handle in ("@veina", "veina", "@VEINA")}

    assert len(same) == 1
    assert next(iter(same)).isdigit()
    assert len(next(iter(same))) == 16
    assert social_author_id("instagram", "@veina") not in same
    assert social_author_id("facebook", "@veï") != social_author_id("facebook", "@veina")


def test_every_example_of_the_index_is_a_body_its_endpoint_accepts() -> None:
    models: dict[str, type[BaseModel]] = {
        "sms": SmsIn,
        "email": EmailIn,
        "call": CallIn,
        "social": SocialIn,
    }

    examples = {
        path.rsplit("/", 1)[1]: example
        for (method, path), (_text, example) in ENDPOINTS.items()
        if method == "POST"
    }

    assert set(examples) == set(models)
    for name, example in examples.items():
        models[name].model_validate(example)


# ---------------------------------------------------------------- CLI


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["fax"],
        ["sms", "Hola"],
        ["sms", "--from", "+34600000001"],
        ["social", "Hola"],
        ["social", "--author", "@x", "--kind", "story", "Hola"],
        ["outbox", "--channel", "fax"],
        ["email", "Hola"],
        ["--url", "ftp://127.0.0.1:8000", "outbox"],
    ],
)
def test_bad_arguments_exit_2_and_say_why(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(argv)

    printed = capsys.readouterr()
    assert code == 2
    assert "error" in printed.err
    assert printed.out == ""


def test_an_attachment_that_cannot_be_read_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no-such-photo.jpg"

    code = cli.main(["email", "--from", "a@example.org", "--attach", str(missing), "Hola"])

    assert code == 2
    assert f"cannot read {missing}" in capsys.readouterr().err


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--help"]) == 0
    assert "outbox" in capsys.readouterr().out


def test_the_default_gateway_is_on_the_port_make_run_uses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PORT", raising=False)
    assert cli.default_url() == "http://127.0.0.1:8000"
    monkeypatch.setenv("PORT", "8123")
    assert cli.default_url() == "http://127.0.0.1:8123"


def test_the_outbox_table_puts_one_message_on_a_line_with_its_cost() -> None:
    items: list[dict[str, Any]] = [
        {
            "channel": "sms",
            "to": "+34600000001",
            "from": "+34930000000",
            "text": "Ajuntament de Barcelona: hem rebut el missatge. Ref. BCN-2026-000001.",
            "segments": 1,
            "encoding": "GSM-7",
            "sent_at": "2026-03-14T19:41:07.318000Z",
            "message_id": "m-1",
        },
        {
            "channel": "email",
            "to": "carmen@example.com",
            "from": "bustia@finestra.example.org",
            "subject": "[BCN-2026-000002] Hemos recibido su solicitud",
            "text": "Buenos días:\n\nHemos recibido su solicitud " + "y más " * 40,
            "sent_at": "2026-03-14T19:42:00.000000Z",
            "message_id": "m-2",
        },
    ]

    header, sms, mail = cli.outbox_table(items).splitlines()

    assert header.split() == ["sent", "at", "channel", "to", "from", "cost", "text"]
    assert sms.startswith("2026-03-14 19:41:07  sms ")
    assert "1 x GSM-7" in sms
    assert sms.index("+34600000001") == header.index("to")
    assert "[BCN-2026-000002] Hemos recibido su solicitud | Buenos días: Hemos" in mail
    assert mail.endswith("...")
    assert len(mail) - mail.index("[BCN") <= cli.TEXT_WIDTH


def test_an_empty_outbox_says_so() -> None:
    assert cli.outbox_table([]) == "the city has sent nothing yet"
