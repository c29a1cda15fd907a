"""The local outside world delivers as AWS would, and its outbox lists what the city sent."""

import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

import pytest

from finestra.channels.email import ReceivedNotification, parse_mail
from finestra.channels.sms import HELP_TEXT, parse_inbound
from finestra.domain.acknowledgement import CITY
from finestra.domain.vocabulary import Language
from finestra_local import cli
from finestra_local.gateway import Gateway, lambda_invoker, routes_of
from finestra_local.outside import RECEIPT_SUBJECT, OutsideWorld, SentMessage
from finestra_local.stack import Stack, free_port
from tests.conftest import EVENTS, ROOT

T = TypeVar("T")
DEADLINE_S = 30
REFERENCE = re.compile(r"[A-Z]{2,5}-\d{4}-\d{6}")

SMS_TEXT = (
    "Bon dia, el fanal del carrer de Mallorca, 250 no s'encén des de fa tres nits "
    "i la vorera queda a les fosques."
)
MAIL_TEXT = (
    "Buenos días, hay un bache muy peligroso en la calle de Aribau, 30, delante del "
    "portal. Ayer se cayó una moto."
)
CALL_TEXT = "La farola de delante del portal está apagada desde el lunes."
POST_TEXT = (
    "Bon dia! La paret de l'escola del carrer de Joan Blanques està plena de grafitis "
    "des de fa setmanes. Quan la netejaran?"
)


def eventually(probe: Callable[[], T | None], deadline_s: float = DEADLINE_S) -> T:
    """The first answer of ``probe`` that is not ``None``, polled until a deadline."""
    ends = time.monotonic() + deadline_s
    while time.monotonic() < ends:
        found = probe()
        if found is not None:
            return found
        time.sleep(0.2)
    raise AssertionError(f"nothing came within {deadline_s} s")


@dataclass
class Tap:
    """A queue of the test's own, subscribed to the inbound SMS and email topics."""

    sqs: Any
    url: str

    def _receive(self, wait_s: int) -> list[dict[str, Any]]:
        messages = self.sqs.receive_message(
            QueueUrl=self.url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_s
        ).get("Messages", [])
        for message in messages:
            self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
        return [json.loads(message["Body"]) for message in messages]

    def drain(self) -> None:
        while self._receive(0):
            pass

    def next(self) -> dict[str, Any]:
        """The next SNS notification published to either topic."""
        return eventually(lambda: next(iter(self._receive(1)), None))

    def quiet(self) -> bool:
        """Whether nothing at all was published for two seconds."""
        return not self._receive(1) and not self._receive(1)


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with Stack(ROOT) as started:
        yield started


@pytest.fixture(scope="module")
def world(stack: Stack) -> OutsideWorld:
    return OutsideWorld(stack)


@pytest.fixture(scope="module")
def gateway(stack: Stack, world: OutsideWorld) -> Iterator[Gateway]:
    served = Gateway(
        routes_of(stack.template),
        lambda_invoker(stack.client("lambda")),
        health=stack.health,
        port=0,
        local=world.handler,
    ).start()
    yield served
    served.stop()


@pytest.fixture(scope="module")
def tap(stack: Stack) -> Tap:
    sqs, sns = stack.client("sqs"), stack.client("sns")
    url = sqs.create_queue(QueueName="outside-world-tap")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    refs = stack.resources.resolver.refs
    for topic in ("SmsInboundTopic", "EmailInboundTopic"):
        sns.subscribe(TopicArn=refs[topic], Protocol="sqs", Endpoint=arn)
    return Tap(sqs, url)


def http(gateway: Gateway, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    data = body if isinstance(body, bytes) else None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        gateway.url + path, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read() or b"null")


def stored_request(stack: Stack, reference: str) -> dict[str, Any]:
    item = stack.client("dynamodb").get_item(
        TableName=stack.resources.resolver.refs["FinestraTable"],
        Key={"PK": {"S": f"REQUEST#{reference}"}, "SK": {"S": "REQUEST"}},
    )["Item"]
    found: dict[str, Any] = item
    return found


def acknowledgement(world: OutsideWorld, to: str, channel: Literal["sms", "email"]) -> SentMessage:
    sent = eventually(lambda: world.outbox(to=to, channel=channel) or None)
    assert len(sent) == 1
    return sent[0]


def reference_in(text: str) -> str:
    found = REFERENCE.search(text)
    assert found is not None, "the acknowledgement names no reference"
    return found.group(0)


# ---------------------------------------------------------------- SMS


def test_an_sms_is_published_as_end_user_messaging_publishes_it(
    stack: Stack, world: OutsideWorld, tap: Tap
) -> None:
    record = json.loads((EVENTS / "sms" / "new-request-ca.json").read_text(encoding="utf-8"))
    recorded = json.loads(json.loads(record["Records"][0]["body"])["Message"])
    tap.drain()

    message_id = world.sms("600 000 101", "AJUDA")

    notification = tap.next()
    published = json.loads(notification["Message"])
    sms = parse_inbound(notification["Message"])
    assert set(published) == set(recorded)
    assert notification["TopicArn"] == stack.resources.resolver.refs["SmsInboundTopic"]
    assert sms.origination_number == "+34600000101"
    assert sms.destination_number == world.city_number
    assert sms.message_body == "AJUDA"
    assert sms.inbound_message_id == message_id


def test_a_help_keyword_is_answered_in_its_language_in_one_segment(world: OutsideWorld) -> None:
    world.sms("+34600000102", "AJUDA")

    reply = acknowledgement(world, "+34600000102", "sms")

    assert reply.text == HELP_TEXT[Language.CA]
    assert (reply.segments, reply.encoding) == (1, "GSM-7")
    assert reply.sender == world.city_number


def test_an_sms_becomes_a_request_acknowledged_by_sms_in_catalan(
    stack: Stack, world: OutsideWorld
) -> None:
    world.sms("+34600000103", SMS_TEXT)

    ack = acknowledgement(world, "+34600000103", "sms")

    request = stored_request(stack, reference_in(ack.text))
    assert request["input_channel"]["S"] == "sms"
    assert request["language"]["S"] == "ca"
    assert ack.text.startswith(CITY[Language.CA])
    assert (ack.segments, ack.encoding) == (1, "GSM-7")
    assert ack.subject is None


# ---------------------------------------------------------------- email


def test_an_email_is_stored_and_notified_as_ses_receipt_rules_do(
    stack: Stack, world: OutsideWorld, tap: Tap
) -> None:
    tap.drain()

    message_id = world.email(
        "Carmen.Ortega@example.com",
        MAIL_TEXT,
        subject="Bache peligroso en la calle de Aribau",
        name="Carmen Ortega",
        attachments=[("bache.txt", "text/plain", b"un bache de 40 cm")],
    )

    notification = tap.next()
    received = ReceivedNotification.model_validate_json(notification["Message"])
    action = received.receipt.action
    stored = stack.client("s3").get_object(Bucket=action.bucket_name, Key=action.object_key)
    mail = parse_mail(stored["Body"].read(), max_attachments=5)
    assert notification["Subject"] == RECEIPT_SUBJECT
    assert received.mail.message_id == message_id
    assert action.object_key == f"inbound/{message_id}"
    assert action.bucket_name == stack.resources.resolver.refs["InboundMailBucket"]
    assert (mail.sender, mail.display_name) == ("carmen.ortega@example.com", "Carmen Ortega")
    assert mail.subject == "Bache peligroso en la calle de Aribau"
    assert mail.text == MAIL_TEXT
    assert mail.attachments == [("bache.txt", "text/plain", b"un bache de 40 cm")]


def test_an_email_becomes_a_request_acknowledged_by_email_in_spanish(
    stack: Stack, world: OutsideWorld
) -> None:
    world.email("veina.aribau@example.com", MAIL_TEXT, subject="Bache en la calle de Aribau")

    ack = acknowledgement(world, "veina.aribau@example.com", "email")

    reference = reference_in(ack.subject or "")
    request = stored_request(stack, reference)
    assert request["input_channel"]["S"] == "email"
    assert request["language"]["S"] == "es"
    assert ack.subject is not None
    assert ack.subject.startswith(f"[{reference}]")
    assert CITY[Language.ES] in ack.text
    assert ack.sender == stack.environment["FINESTRA_MAIL_FROM"]
    assert ack.segments is None


# ---------------------------------------------------------------- phone and social


def test_a_call_opens_a_request_that_is_acknowledged_by_sms_and_found_on_the_next_call(
    stack: Stack, world: OutsideWorld
) -> None:
    answer = world.call(
        "+34622334455",
        theme="lighting.streetlight-off",
        transcript=CALL_TEXT,
        language="es",
        address="Carrer de Pau Claris, 120",
        district_code="2",
        neighbourhood_code="7",
        response_channel="sms",
    )
    ack = acknowledgement(world, "+34622334455", "sms")
    lookup = world.call("+34622334455")

    assert answer["status"] == "ok"
    assert answer["outcome"] == "request_created"
    assert reference_in(ack.text) == answer["reference"]
    assert stored_request(stack, answer["reference"])["input_channel"]["S"] == "phone"
    assert ack.text.startswith(CITY[Language.ES])
    assert (ack.segments, ack.encoding) == (1, "GSM-7")
    assert lookup["found"] == "true"
    assert answer["reference"] in lookup["open_references"].split(",")


def test_a_call_the_flow_cannot_use_answers_the_functions_error_attributes(
    world: OutsideWorld,
) -> None:
    answer = world.call("+34622334456", theme="no.such-theme", transcript=CALL_TEXT)

    assert answer["status"] == "error"
    assert answer["error_field"] == "theme_code"


def test_a_signed_social_post_is_accepted_by_the_webhook_and_stored(
    stack: Stack, world: OutsideWorld
) -> None:
    answer = world.social("@veina_gracia", POST_TEXT)

    def social_request() -> dict[str, Any] | None:
        table = stack.resources.resolver.refs["FinestraTable"]
        items = stack.client("dynamodb").scan(TableName=table)["Items"]
        return next(
            (
                item
                for item in items
                if item["SK"]["S"] == "REQUEST"
                and item["input_channel"]["S"] == "social"
                and item["description"]["S"] == POST_TEXT
            ),
            None,
        )

    assert (answer.status, answer.body) == (200, {"received": 1})
    assert eventually(social_request)["language"]["S"] == "ca"


# ---------------------------------------------------------------- outbox


def test_the_outbox_is_oldest_first_and_filters_by_recipient_channel_and_time(
    world: OutsideWorld,
) -> None:
    world.sms("+34600000104", "HELP")
    earlier = acknowledgement(world, "+34600000104", "sms")
    before = datetime.now(UTC)
    world.sms("+34600000105", "HELP")
    reply = acknowledgement(world, "+34600000105", "sms")

    everything = world.outbox()
    since = world.outbox(since=before)

    assert [m.sent_at for m in everything] == sorted(m.sent_at for m in everything)
    assert {earlier, reply} <= set(everything)
    assert reply in since
    assert earlier not in since
    assert world.outbox(since=reply.sent_at.replace(tzinfo=None), to=reply.to) == [reply]
    assert world.outbox(to="+34600000105", channel="email") == []
    assert world.outbox(channel="sms", to="+34600000105") == [reply]
    assert all(m.channel == "email" for m in world.outbox(channel="email"))


def test_the_outbox_reads_what_the_city_sent_through_sns_and_ses_with_its_cost(
    stack: Stack, gateway: Gateway
) -> None:
    city = stack.environment["FINESTRA_MAIL_FROM"]
    text = "Ajuntament: la reparació del fanal del carrer de Provença ja està programada."
    stack.client("sns").publish(PhoneNumber="+34600000109", Message=text * 2)
    stack.client("sesv2").send_email(
        FromEmailAddress=city,
        Destination={"ToAddresses": ["outbox.simple@example.com"]},
        Content={"Simple": {"Subject": {"Data": "Avís"}, "Body": {"Text": {"Data": "Hola"}}}},
    )
    raw = (
        f"From: {city}\r\nTo: outbox.raw@example.com\r\nSubject: =?utf-8?q?Reparaci=C3=B3?=\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nJa està.\r\n"
    )
    stack.client("sesv2").send_email(
        FromEmailAddress=city,
        Destination={"ToAddresses": ["outbox.raw@example.com"]},
        Content={"Raw": {"Data": raw.encode()}},
    )

    sms_status, sms = http(gateway, "GET", "/_local/outbox?to=%2B34600000109&channel=sms")
    simple_status, simple = http(gateway, "GET", "/_local/outbox?to=outbox.simple@example.com")
    raw_status, mime = http(gateway, "GET", "/_local/outbox?to=outbox.raw@example.com")

    assert (sms_status, simple_status, raw_status) == (200, 200, 200)
    [sms_item], [simple_item], [raw_item] = sms["items"], simple["items"], mime["items"]
    assert set(sms_item) == {
        "channel",
        "to",
        "from",
        "text",
        "segments",
        "encoding",
        "sent_at",
        "message_id",
    }
    assert (sms_item["encoding"], sms_item["segments"]) == ("UCS-2", 3)
    assert sms_item["text"] == text * 2
    assert set(simple_item) == {
        "channel",
        "to",
        "from",
        "subject",
        "text",
        "sent_at",
        "message_id",
    }
    assert (simple_item["from"], simple_item["subject"], simple_item["text"]) == (
        city,
        "Avís",
        "Hola",
    )
    assert (raw_item["subject"], raw_item["text"]) == ("Reparació", "Ja està.\n")


# ---------------------------------------------------------------- HTTP


def test_the_index_lists_every_endpoint_with_an_example(gateway: Gateway) -> None:
    status, index = http(gateway, "GET", "/_local/")

    assert status == 200
    assert {(e["method"], e["path"]) for e in index["endpoints"]} == {
        ("POST", "/_local/sms"),
        ("POST", "/_local/email"),
        ("POST", "/_local/call"),
        ("POST", "/_local/social"),
        ("GET", "/_local/outbox"),
    }
    assert all(e["example"] for e in index["endpoints"] if e["method"] == "POST")


def test_unknown_paths_and_methods_are_refused_in_the_error_body(gateway: Gateway) -> None:
    assert http(gateway, "GET", "/_local/fax") == (
        404,
        {
            "code": "not_found",
            "message": "no local endpoint here; GET /_local/ lists them",
            "field": None,
        },
    )
    status, body = http(gateway, "GET", "/_local/sms")
    assert (status, body["code"]) == (405, "method_not_allowed")


BAD_BODIES = [
    ("/_local/sms", {"from": "not a number", "text": "Hola"}, "from"),
    ("/_local/sms", {"from": "+34600000107"}, "text"),
    ("/_local/sms", {"from": "+34600000107", "text": "Hola", "colour": "red"}, "colour"),
    ("/_local/sms", b"not json", "body"),
    ("/_local/sms", [1, 2], "body"),
    ("/_local/email", {"text": "Hola"}, "from"),
    ("/_local/email", {"from": "a@example.org", "to": "b@example.com", "text": "Hola"}, "to"),
    ("/_local/email", {"from": "not an address", "text": "Hola"}, "from"),
    (
        "/_local/email",
        {"from": "a@example.org", "attachments": [{"filename": "a", "content_base64": "*"}]},
        "attachments.0.content_base64",
    ),
    ("/_local/email", {"raw": "Subject: no sender\r\n\r\nHola"}, "raw"),
    ("/_local/call", {"from": "12"}, "from"),
    ("/_local/social", {"author": "not a handle!", "text": "Hola"}, "author"),
    ("/_local/social", {"author": "@veina", "text": "Hola", "kind": "story"}, "kind"),
    ("/_local/outbox?channel=fax", None, "channel"),
    ("/_local/outbox?since=yesterday", None, "since"),
]


def test_bad_bodies_are_refused_naming_the_field_and_nothing_is_sent(
    stack: Stack, gateway: Gateway, tap: Tap
) -> None:
    s3 = stack.client("s3")
    bucket = stack.resources.resolver.refs["InboundMailBucket"]
    stored_before = s3.list_objects_v2(Bucket=bucket).get("KeyCount", 0)
    tap.drain()

    answers = [
        (path, http(gateway, "GET" if body is None else "POST", path, body))
        for path, body, _field in BAD_BODIES
    ]

    assert [(path, status, body["field"]) for path, (status, body) in answers] == [
        (path, 400, field) for path, _body, field in BAD_BODIES
    ]
    assert all(body["code"] == "invalid_request" for _path, (_status, body) in answers)
    assert all("not a number" not in body["message"] for _path, (_status, body) in answers)
    assert tap.quiet()
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount", 0) == stored_before


# ---------------------------------------------------------------- CLI


def test_the_cli_delivers_an_sms_and_prints_the_reply_in_the_outbox_table(
    gateway: Gateway, capsys: pytest.CaptureFixture[str]
) -> None:
    sent = cli.main(["--url", gateway.url, "sms", "--from", "+34600000108", "AJUDA"])
    delivered = capsys.readouterr().out

    def table() -> str | None:
        code = cli.main(["--url", gateway.url, "outbox", "--to", "+34600000108"])
        printed = capsys.readouterr().out
        return printed if code == 0 and "+34600000108" in printed else None

    printed = eventually(table)
    # The in-process functions print their metrics (EMF) on the same stdout.
    header, row = [line for line in printed.splitlines() if not line.startswith("{")]
    assert sent == 0
    assert delivered.startswith("delivered; message id ")
    assert header.split() == ["sent", "at", "channel", "to", "from", "cost", "text"]
    assert "sms" in row.split()
    assert "1 x GSM-7" in row
    assert "Ajuntament: escriu el problema" in row


def test_the_cli_sends_an_email_with_an_attachment(
    stack: Stack, world: OutsideWorld, gateway: Gateway, tap: Tap, tmp_path: Path
) -> None:
    photo = tmp_path / "fanal.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\nnot really a picture")
    tap.drain()

    code = cli.main(
        [
            "--url",
            gateway.url,
            "email",
            "--from",
            "jordi@example.com",
            "--subject",
            "Fanal",
            "--attach",
            str(photo),
            "El fanal del carrer de Mallorca no s'encén.",
        ]
    )

    action = ReceivedNotification.model_validate_json(tap.next()["Message"]).receipt.action
    raw = stack.client("s3").get_object(Bucket=action.bucket_name, Key=action.object_key)
    mail = parse_mail(raw["Body"].read(), max_attachments=5)
    assert code == 0
    assert mail.attachments == [("fanal.png", "image/png", photo.read_bytes())]
    assert acknowledgement(world, "jordi@example.com", "email").subject


def cli_lines(out: str) -> list[str]:
    """What the command printed, without the metrics the city's functions print meanwhile.

    The module's city keeps working in its own threads (a workflow that ends, its
    metrics flushed as CloudWatch's embedded format), and those print to the same stdout.
    """
    return [line for line in out.splitlines() if not line.startswith('{"_aws":')]


def test_the_cli_exits_1_with_the_gateways_message_when_it_refuses(
    gateway: Gateway, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["--url", gateway.url, "sms", "--from", "not-a-number", "Hola"])

    printed = capsys.readouterr()
    assert code == 1
    assert printed.err.strip() == "refused (400): from breaks the rule phone_number"
    assert cli_lines(printed.out) == []


def test_the_cli_exits_1_when_no_gateway_listens(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}"

    code = cli.main(["--url", url, "outbox"])

    assert code == 1
    assert capsys.readouterr().err.startswith(f"cannot reach the gateway at {url}")
