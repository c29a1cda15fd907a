"""Every file in ``events/`` is an event in the exact shape AWS delivers it to a Lambda.

Each event is read with the Powertools model of its source, so a file that drifts from the
provider's format fails here, before any handler test relies on it. The scenario lists
below are the index of the folder: a file that no list names fails the suite too.
"""

import email
import email.policy
import hashlib
import hmac
import json
import re
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal

import phonenumbers
import pytest
from aws_lambda_powertools.utilities.data_classes import ConnectContactFlowEvent
from aws_lambda_powertools.utilities.data_classes.connect_contact_flow_event import (
    ConnectContactFlowChannel,
    ConnectContactFlowEndpointType,
    ConnectContactFlowInitiationMethod,
)
from aws_lambda_powertools.utilities.parser.models import (
    APIGatewayProxyEventModel,
    EventBridgeModel,
    SesMail,
    SesReceiptVerdict,
    SnsNotificationModel,
    SqsModel,
)
from pydantic import BaseModel, ConfigDict, PositiveInt

EVENTS = Path(__file__).resolve().parents[2] / "events"
REGION = "eu-west-1"
ACCOUNT = "123456789012"
CITY_PHONE = "+34930000000"
CITY_MAILBOX = "bustia@finestra.example.org"
YEAR = 2026

SMS = (
    "new-request-ca",
    "new-request-es",
    "reply-to-pending",
    "stop-ca",
    "stop-es",
    "stop-en",
    "start",
    "help",
    "batch-two-records",
    "malformed-message",
    "missing-field",
)
EMAIL = (
    "new-request-es",
    "reply-with-reference",
    "with-attachment",
    "html-only-ca",
    "virus-detected",
    "malformed-mime",
    "missing-object-key",
)
VOICE = (
    "lookup-known-caller",
    "lookup-withheld-number",
    "create-request",
    "create-request-bad-theme",
    "unknown-operation",
)
SOCIAL = (
    "challenge",
    "challenge-wrong-token",
    "post-complaint-ca",
    "post-opinion-en",
    "direct-message-es",
    "bad-signature",
    "missing-signature",
    "invalid-json",
)
WEB = (
    "list-themes-ca",
    "create-request",
    "create-request-entity",
    "create-request-invalid",
    "create-request-unknown-theme",
    "create-request-not-json",
    "track-request",
    "track-request-wrong-token",
)
DESK = (
    "me-agent",
    "worklist-agent",
    "worklist-at-risk",
    "worklist-campaign-manager",
    "request-detail-agent",
    "request-detail-no-claims",
    "citizen-search-phone",
    "citizen-view-agent",
    "access-log-administrator",
    "access-log-agent",
    "bulk-validate-agent",
    "join-agent",
    "claim-agent",
    "search-advanced-agent",
    "draft-save-agent",
)
EXTERNAL = (
    "answer-valid-key",
    "return-valid-key",
    "answer-wrong-key",
    "answer-unknown-reference",
    "reply-page-valid-link",
    "reply-page-expired-link",
)
DIGEST = ("scheduled-morning",)
DELIVERY = (
    "ses-delivery",
    "ses-bounce-permanent",
    "ses-complaint",
    "sms-text-delivered",
    "sms-text-blocked",
)
OPEN311 = ("list-services",)
SCENARIOS: dict[str, tuple[str, ...]] = {
    "sms": SMS,
    "email": EMAIL,
    "voice": VOICE,
    "social": SOCIAL,
    "web": WEB,
    "open311": OPEN311,
    "desk": DESK,
    "external": EXTERNAL,
    "digest": DIGEST,
    "delivery": DELIVERY,
}
DOCUMENTS = frozenset({"README.md", "social/README.md"})
HTTP_API = ("social", "web", "open311", "external", "desk")
"""The channels whose events must hold every payload-1.0 property the gateway sends."""

QUEUES = {"sms": "finestra-SmsInboundQueue", "email": "finestra-EmailInboundQueue"}
TOPICS = {
    "sms": f"arn:aws:sns:{REGION}:{ACCOUNT}:finestra-SmsInboundTopic",
    "email": f"arn:aws:sns:{REGION}:{ACCOUNT}:finestra-EmailInboundTopic",
}
SMS_FIELDS = frozenset(
    {
        "originationNumber",
        "destinationNumber",
        "messageKeyword",
        "messageBody",
        "inboundMessageId",
        "previousPublishedMessageId",
    }
)
SMS_REQUIRED = SMS_FIELDS - {"previousPublishedMessageId"}

MAIL_BUCKET = "finestra-inbound-mail"
MAIL_PREFIX = "inbound/"
VERDICTS = frozenset({"PASS", "FAIL", "GRAY", "PROCESSING_FAILED"})

CONTACT_DATA_FIELDS = frozenset(
    {
        "Attributes",
        "Channel",
        "ContactId",
        "CustomerEndpoint",
        "Description",
        "InitialContactId",
        "InitiationMethod",
        "InstanceARN",
        "LanguageCode",
        "MediaStreams",
        "Name",
        "PreviousContactId",
        "Queue",
        "References",
        "SystemEndpoint",
    }
)
VOICE_OPERATIONS = {
    "lookup-known-caller": "lookup",
    "lookup-withheld-number": "lookup",
    "create-request": "create_request",
    "create-request-bad-theme": "create_request",
    "unknown-operation": "transfer_to_mayor",
}

APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "test-verify-token"
WEBHOOK = "/api/webhooks/social"
SIGNED = ("post-complaint-ca", "post-opinion-en", "direct-message-es", "invalid-json")
CHALLENGES = ("challenge", "challenge-wrong-token")

WEB_ROUTES: dict[str, tuple[str, str]] = {
    "list-themes-ca": ("GET", "/api/v1/themes"),
    "create-request": ("POST", "/api/v1/requests"),
    "create-request-entity": ("POST", "/api/v1/requests"),
    "create-request-invalid": ("POST", "/api/v1/requests"),
    "create-request-unknown-theme": ("POST", "/api/v1/requests"),
    "create-request-not-json": ("POST", "/api/v1/requests"),
    "track-request": ("GET", "/api/v1/requests/{reference}"),
    "track-request-wrong-token": ("GET", "/api/v1/requests/{reference}"),
}
JSON_REQUESTS = (
    "create-request",
    "create-request-entity",
    "create-request-invalid",
    "create-request-unknown-theme",
)

EMAIL_ADDRESS = re.compile(r"[A-Za-z0-9._%+-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
SPANISH_NUMBER = re.compile(r"\+34\d{9}")
FICTITIOUS_DOMAINS = ("example.org", "example.com")
MESSAGE_ID_DOMAINS = ("eu-west-1.amazonses.com",)


class SesS3Action(BaseModel):
    """The action object of a receipt whose rule stored the message in S3."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["S3"]
    topicArn: str  # noqa: N815 - SES's own field name
    bucketName: str  # noqa: N815
    objectKeyPrefix: str  # noqa: N815
    objectKey: str | None = None  # noqa: N815


class SesS3Receipt(BaseModel):
    """Powertools' ``SesReceipt`` describes SES invoking Lambda; this is the S3 action's."""

    timestamp: datetime
    processingTimeMillis: PositiveInt  # noqa: N815
    recipients: list[str]
    spamVerdict: SesReceiptVerdict  # noqa: N815
    virusVerdict: SesReceiptVerdict  # noqa: N815
    spfVerdict: SesReceiptVerdict  # noqa: N815
    dkimVerdict: SesReceiptVerdict  # noqa: N815
    dmarcVerdict: SesReceiptVerdict  # noqa: N815
    action: SesS3Action


def event_path(channel: str, scenario: str) -> Path:
    return EVENTS / channel / f"{scenario}.json"


def load(channel: str, scenario: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(event_path(channel, scenario).read_text(encoding="utf-8"))
    return data


def scenario_ids(channel: str) -> list[tuple[str, str]]:
    return [(channel, scenario) for scenario in SCENARIOS[channel]]


def http_api_scenarios() -> list[tuple[str, str]]:
    return [pair for channel in HTTP_API for pair in scenario_ids(channel)]


def all_scenarios() -> list[tuple[str, str]]:
    return [pair for channel in SCENARIOS for pair in scenario_ids(channel)]


def sns_bodies(channel: str, scenario: str) -> list[dict[str, Any]]:
    return [json.loads(record["body"]) for record in load(channel, scenario)["Records"]]


def sns_message(channel: str, scenario: str) -> dict[str, Any]:
    (body,) = sns_bodies(channel, scenario)
    message: dict[str, Any] = json.loads(body["Message"])
    return message


def s3_object(scenario: str) -> EmailMessage:
    raw = (EVENTS / "email" / f"{scenario}.eml").read_bytes()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def from_epoch_ms(value: str | int) -> datetime:
    return datetime.fromtimestamp(int(value) / 1000, tz=UTC)


def is_valid_number(value: str) -> bool:
    return bool(phonenumbers.is_valid_number(phonenumbers.parse(value)))


def signature_of(body: str, secret: str = APP_SECRET) -> str:
    digest = hmac.new(secret.encode(), body.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def scenario_of(path: Path) -> tuple[str, str]:
    relative = path.relative_to(EVENTS)
    name = relative.name
    for suffix in (".expected.json", ".json", ".eml"):
        if name.endswith(suffix):
            return relative.parts[0], name.removesuffix(suffix)
    return relative.parts[0], name


# --------------------------------------------------------------------------- the index


def test_given_the_events_folder_when_listed_then_every_file_belongs_to_a_named_scenario() -> None:
    files = [path for path in EVENTS.rglob("*") if path.is_file()]
    unnamed = [
        str(path.relative_to(EVENTS))
        for path in files
        if path.relative_to(EVENTS).as_posix() not in DOCUMENTS
        and scenario_of(path) not in set(all_scenarios())
    ]

    assert files
    assert unnamed == []


def test_given_the_events_folder_when_listed_then_only_email_scenarios_carry_mime() -> None:
    mime = {scenario_of(path) for path in EVENTS.rglob("*.eml")}

    assert mime == set(scenario_ids("email"))


@pytest.mark.parametrize(("channel", "scenario"), all_scenarios())
def test_given_a_named_scenario_when_looked_up_then_its_event_and_sidecar_exist(
    channel: str, scenario: str
) -> None:
    assert event_path(channel, scenario).is_file()
    assert (EVENTS / channel / f"{scenario}.expected.json").is_file()


@pytest.mark.parametrize(("channel", "scenario"), all_scenarios())
def test_given_a_sidecar_when_read_then_it_is_a_small_object_naming_a_result(
    channel: str, scenario: str
) -> None:
    path = EVENTS / channel / f"{scenario}.expected.json"

    expected = json.loads(path.read_text(encoding="utf-8"))

    assert isinstance(expected, dict)
    assert {"outcome", "status_code", "records"} & expected.keys()
    assert path.stat().st_size < 1024


def test_given_the_social_readme_when_read_then_it_states_the_test_secrets() -> None:
    readme = (EVENTS / "social" / "README.md").read_text(encoding="utf-8")

    assert APP_SECRET in readme
    assert VERIFY_TOKEN in readme


# --------------------------------------------------------------------------- queued events


@pytest.mark.parametrize(("channel", "scenario"), scenario_ids("sms") + scenario_ids("email"))
def test_given_a_queued_event_when_parsed_with_powertools_then_each_body_is_an_sns_notification(
    channel: str, scenario: str
) -> None:
    event = SqsModel.model_validate(load(channel, scenario))

    for record in event.Records:
        assert isinstance(record.body, str)
        notification = SnsNotificationModel.model_validate_json(record.body)
        assert record.eventSourceARN == f"arn:aws:sqs:{REGION}:{ACCOUNT}:{QUEUES[channel]}"
        assert record.awsRegion == REGION
        assert record.md5OfBody == hashlib.md5(record.body.encode()).hexdigest()
        assert record.messageAttributes == {}
        assert notification.TopicArn == TOPICS[channel]
        assert notification.Timestamp.year == YEAR
        assert record.attributes.SentTimestamp >= notification.Timestamp


@pytest.mark.parametrize(("channel", "scenario"), scenario_ids("sms") + scenario_ids("email"))
def test_given_a_queued_event_when_its_body_is_read_then_it_uses_the_sqs_spelling_of_sns_keys(
    channel: str, scenario: str
) -> None:
    for body in sns_bodies(channel, scenario):
        assert {"SigningCertURL", "UnsubscribeURL", "Signature", "SignatureVersion"} <= body.keys()
        assert not {"SigningCertUrl", "UnsubscribeUrl"} & body.keys()


def test_given_all_queued_events_when_their_ids_are_collected_then_no_id_repeats() -> None:
    records = [
        record
        for channel in QUEUES
        for scenario in SCENARIOS[channel]
        for record in load(channel, scenario)["Records"]
    ]
    sqs_ids = [record["messageId"] for record in records]
    sns_ids = [json.loads(record["body"])["MessageId"] for record in records]

    assert len(set(sqs_ids)) == len(sqs_ids)
    assert len(set(sns_ids)) == len(sns_ids)


# --------------------------------------------------------------------------- sms


def inbound_messages(scenario: str) -> list[dict[str, Any]]:
    return [json.loads(body["Message"]) for body in sns_bodies("sms", scenario)]


WELL_FORMED_SMS = [s for s in SMS if s not in {"malformed-message", "missing-field"}]


@pytest.mark.parametrize("scenario", WELL_FORMED_SMS)
def test_given_an_sms_event_when_its_message_is_read_then_it_has_the_documented_fields(
    scenario: str,
) -> None:
    for message in inbound_messages(scenario):
        assert SMS_REQUIRED <= message.keys() <= SMS_FIELDS
        assert message["destinationNumber"] == CITY_PHONE
        assert is_valid_number(message["originationNumber"])
        assert message["messageBody"].strip()


def test_given_the_missing_field_sms_when_read_then_only_the_sender_is_absent() -> None:
    (message,) = inbound_messages("missing-field")

    assert SMS_REQUIRED - message.keys() == {"originationNumber"}


def test_given_the_malformed_sms_when_its_message_is_read_then_it_is_not_json() -> None:
    (body,) = sns_bodies("sms", "malformed-message")

    with pytest.raises(json.JSONDecodeError):
        json.loads(body["Message"])


def test_given_the_batch_when_read_then_it_holds_two_records_from_two_numbers() -> None:
    messages = inbound_messages("batch-two-records")

    assert len(messages) == 2
    assert len({message["originationNumber"] for message in messages}) == 2


@pytest.mark.parametrize(
    ("scenario", "keyword"),
    [("stop-ca", "BAIXA"), ("stop-es", "BAJA"), ("stop-en", "STOP"), ("start", "ALTA")],
)
def test_given_a_keyword_sms_when_read_then_the_keyword_is_the_registered_one(
    scenario: str, keyword: str
) -> None:
    (message,) = inbound_messages(scenario)

    assert message["messageKeyword"] == keyword
    assert message["messageBody"].upper() == keyword


def test_given_the_help_sms_when_read_then_it_asks_for_help_in_catalan() -> None:
    (message,) = inbound_messages("help")

    assert message["messageKeyword"] == message["messageBody"] == "AJUDA"


# --------------------------------------------------------------------------- email


@pytest.mark.parametrize("scenario", EMAIL)
def test_given_an_email_event_when_its_notification_is_read_then_it_is_an_s3_action_receipt(
    scenario: str,
) -> None:
    message = sns_message("email", scenario)

    mail = SesMail.model_validate(message["mail"])
    receipt = SesS3Receipt.model_validate(message["receipt"])

    assert message["notificationType"] == "Received"
    assert "content" not in message
    assert mail.timestamp.year == YEAR
    assert mail.destination == receipt.recipients == [CITY_MAILBOX]
    assert receipt.action.topicArn == TOPICS["email"]
    assert receipt.action.bucketName == MAIL_BUCKET
    assert receipt.action.objectKeyPrefix == MAIL_PREFIX


@pytest.mark.parametrize("scenario", [s for s in EMAIL if s != "missing-object-key"])
def test_given_an_email_event_when_its_action_is_read_then_the_object_key_is_prefix_and_id(
    scenario: str,
) -> None:
    message = sns_message("email", scenario)

    assert message["receipt"]["action"]["objectKey"] == MAIL_PREFIX + message["mail"]["messageId"]


def test_given_the_missing_object_key_event_when_its_action_is_read_then_no_key_is_given() -> None:
    action = sns_message("email", "missing-object-key")["receipt"]["action"]

    assert "objectKey" not in action
    assert action["type"] == "S3"


@pytest.mark.parametrize("scenario", EMAIL)
def test_given_an_email_event_when_its_verdicts_are_read_then_only_the_virus_case_fails(
    scenario: str,
) -> None:
    receipt = sns_message("email", scenario)["receipt"]
    verdicts = {
        key: receipt[key]["status"]
        for key in ("spamVerdict", "virusVerdict", "spfVerdict", "dkimVerdict", "dmarcVerdict")
    }

    assert set(verdicts.values()) <= VERDICTS
    failing = {key for key, status in verdicts.items() if status != "PASS"}
    assert failing == ({"virusVerdict"} if scenario == "virus-detected" else set())


@pytest.mark.parametrize("scenario", EMAIL)
def test_given_an_s3_object_when_read_as_bytes_then_every_line_ends_in_crlf(scenario: str) -> None:
    raw = (EVENTS / "email" / f"{scenario}.eml").read_bytes()

    assert raw.count(b"\n") == raw.count(b"\r\n") > 0


WELL_FORMED_MAIL = [s for s in EMAIL if s != "malformed-mime"]


@pytest.mark.parametrize("scenario", WELL_FORMED_MAIL)
def test_given_an_s3_object_when_parsed_then_it_has_no_defects_and_a_body(scenario: str) -> None:
    message = s3_object(scenario)

    assert [part.defects for part in message.walk() if part.defects] == []
    assert message.get_body(preferencelist=("plain", "html")) is not None


@pytest.mark.parametrize("scenario", WELL_FORMED_MAIL)
def test_given_an_s3_object_when_compared_then_it_agrees_with_its_notification(
    scenario: str,
) -> None:
    message = s3_object(scenario)
    mail = sns_message("email", scenario)["mail"]
    common = mail["commonHeaders"]

    assert [header["name"] for header in mail["headers"]] == list(message.keys())
    assert common["messageId"] == message["Message-ID"]
    assert common["subject"] == message["Subject"]
    assert common["from"] == [str(message["From"])]
    assert common["to"] == [str(message["To"])]
    assert common["returnPath"] == mail["source"] == message["Return-Path"].strip("<>")


def test_given_the_malformed_mime_object_when_parsed_then_it_is_defective_or_bodiless() -> None:
    message = s3_object("malformed-mime")
    defects = [defect for part in message.walk() for defect in part.defects]

    assert defects or message.get_body(preferencelist=("plain", "html")) is None


def test_given_the_attachment_email_when_parsed_then_it_holds_text_html_and_a_small_jpeg() -> None:
    message = s3_object("with-attachment")
    attachments = list(message.iter_attachments())
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))

    assert message.get_content_type() == "multipart/mixed"
    assert plain is not None
    assert html is not None
    assert [part.get_content_type() for part in attachments] == ["image/jpeg"]
    photo = attachments[0].get_content()
    assert isinstance(photo, bytes)
    assert photo.startswith(b"\xff\xd8")
    assert photo.endswith(b"\xff\xd9")
    assert len(photo) < 1024


def test_given_the_html_only_email_when_parsed_then_it_has_html_and_no_plain_text() -> None:
    message = s3_object("html-only-ca")

    assert message.get_content_type() == "text/html"
    assert message.get_body(preferencelist=("plain",)) is None


def test_given_the_reply_email_when_parsed_then_it_threads_and_quotes_the_city() -> None:
    message = s3_object("reply-with-reference")
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    lines = body.get_content().splitlines()

    assert "[BCN-2026-000123]" in message["Subject"]
    assert message["Subject"].startswith("Re: ")
    assert message["In-Reply-To"] == message["References"]
    assert any(line.startswith("El ") and line.endswith("escribió:") for line in lines)
    assert any(line.startswith(">") for line in lines)


def test_given_the_virus_email_when_parsed_then_ses_marked_it_in_a_header() -> None:
    assert s3_object("virus-detected")["X-SES-Virus-Verdict"] == "FAIL"


# --------------------------------------------------------------------------- voice


@pytest.mark.parametrize("scenario", VOICE)
def test_given_a_connect_event_when_read_with_powertools_then_the_documented_properties_hold(
    scenario: str,
) -> None:
    event = ConnectContactFlowEvent(load("voice", scenario))
    contact = event.contact_data

    assert event["Name"] == "ContactFlowEvent"
    assert event["Details"]["ContactData"].keys() >= CONTACT_DATA_FIELDS
    assert contact.channel is ConnectContactFlowChannel.VOICE
    assert contact.initiation_method is ConnectContactFlowInitiationMethod.INBOUND
    assert contact.instance_arn.startswith(f"arn:aws:connect:{REGION}:{ACCOUNT}:instance/")
    assert contact.contact_id == contact.initial_contact_id == contact.previous_contact_id
    assert all(isinstance(value, str) for value in contact.attributes.values())
    assert contact.system_endpoint is not None
    assert contact.system_endpoint.address == CITY_PHONE
    assert contact.system_endpoint.endpoint_type is ConnectContactFlowEndpointType.TELEPHONE_NUMBER
    assert contact.media_streams.customer.audio.stream_arn is None
    assert contact.queue is None or contact.queue.arn.startswith(contact.instance_arn + "/queue/")


@pytest.mark.parametrize("scenario", VOICE)
def test_given_a_connect_event_when_its_parameters_are_read_then_they_are_strings_with_an_operation(
    scenario: str,
) -> None:
    parameters = ConnectContactFlowEvent(load("voice", scenario)).parameters

    assert all(isinstance(value, str) for value in parameters.values())
    assert parameters["operation"] == VOICE_OPERATIONS[scenario]


@pytest.mark.parametrize("scenario", [s for s in VOICE if s != "lookup-withheld-number"])
def test_given_a_call_with_caller_id_when_read_then_the_caller_is_a_valid_number(
    scenario: str,
) -> None:
    caller = ConnectContactFlowEvent(load("voice", scenario)).contact_data.customer_endpoint

    assert caller is not None
    assert caller.endpoint_type is ConnectContactFlowEndpointType.TELEPHONE_NUMBER
    assert is_valid_number(caller.address)


def test_given_a_withheld_number_when_read_then_connect_gives_no_usable_address() -> None:
    caller = ConnectContactFlowEvent(
        load("voice", "lookup-withheld-number")
    ).contact_data.customer_endpoint

    assert caller is None or caller.address == "anonymous"


def test_given_the_create_request_call_when_read_then_it_carries_a_known_place() -> None:
    parameters = ConnectContactFlowEvent(load("voice", "create-request")).parameters

    assert parameters["theme_code"] == "lighting.streetlight-off"
    assert parameters["request_type"] == "incident"
    assert parameters["language"] == "es"
    assert (parameters["district_code"], parameters["neighbourhood_code"]) == ("2", "7")
    assert parameters["description"]
    assert parameters["address"]


# --------------------------------------------------------------------------- http api


@pytest.mark.parametrize(("channel", "scenario"), http_api_scenarios())
def test_given_an_http_api_event_when_parsed_with_powertools_then_it_is_payload_format_1_0(
    channel: str, scenario: str
) -> None:
    data = load(channel, scenario)

    event = APIGatewayProxyEventModel.model_validate(data)

    context = event.requestContext
    assert event.version == "1.0"
    assert context.stage == "$default"
    assert context.accountId == ACCOUNT
    assert context.httpMethod == event.httpMethod
    assert context.resourcePath == event.resource
    assert context.path == event.path
    assert context.requestTimeEpoch.year == YEAR
    assert context.identity.sourceIp
    assert context.identity.userAgent
    assert event.isBase64Encoded is False


@pytest.mark.parametrize(("channel", "scenario"), http_api_scenarios())
def test_given_an_http_api_event_when_its_headers_are_read_then_they_agree_with_each_other(
    channel: str, scenario: str
) -> None:
    event = APIGatewayProxyEventModel.model_validate(load(channel, scenario))
    body = event.body

    assert all(name == name.lower() for name in event.headers)
    assert event.multiValueHeaders == {name: [value] for name, value in event.headers.items()}
    if event.queryStringParameters is not None:
        assert event.multiValueQueryStringParameters == {
            name: [value] for name, value in event.queryStringParameters.items()
        }
    if isinstance(body, str):
        assert event.headers["content-length"] == str(len(body.encode()))


@pytest.mark.parametrize(("channel", "scenario"), http_api_scenarios())
def test_given_an_http_api_event_when_its_path_is_read_then_it_is_the_route_filled_in(
    channel: str, scenario: str
) -> None:
    event = APIGatewayProxyEventModel.model_validate(load(channel, scenario))
    path = event.resource
    for name, value in (event.pathParameters or {}).items():
        path = path.replace("{" + name + "}", value)

    assert event.path == path
    assert "{" not in path


@pytest.mark.parametrize("scenario", SOCIAL)
def test_given_a_social_event_when_routed_then_it_reaches_the_webhook(scenario: str) -> None:
    event = APIGatewayProxyEventModel.model_validate(load("social", scenario))
    expected_method = "GET" if scenario in CHALLENGES else "POST"

    assert (event.httpMethod, event.resource) == (expected_method, WEBHOOK)


@pytest.mark.parametrize(
    ("scenario", "verify_token_matches"), [("challenge", True), ("challenge-wrong-token", False)]
)
def test_given_a_subscription_challenge_when_read_then_it_follows_meta_conventions(
    scenario: str, verify_token_matches: bool
) -> None:
    event = APIGatewayProxyEventModel.model_validate(load("social", scenario))
    query = event.queryStringParameters or {}

    assert event.body is None
    assert query["hub.mode"] == "subscribe"
    assert query["hub.challenge"].isdigit()
    assert (query["hub.verify_token"] == VERIFY_TOKEN) is verify_token_matches


@pytest.mark.parametrize("scenario", SIGNED)
def test_given_a_signed_social_event_when_checked_then_the_signature_verifies(
    scenario: str,
) -> None:
    event = APIGatewayProxyEventModel.model_validate(load("social", scenario))
    assert isinstance(event.body, str)

    assert hmac.compare_digest(event.headers["x-hub-signature-256"], signature_of(event.body))


def test_given_the_bad_signature_event_when_checked_then_the_signature_does_not_verify() -> None:
    event = APIGatewayProxyEventModel.model_validate(load("social", "bad-signature"))
    assert isinstance(event.body, str)
    header = event.headers["x-hub-signature-256"]

    assert re.fullmatch(r"sha256=[0-9a-f]{64}", header)
    assert not hmac.compare_digest(header, signature_of(event.body))


def test_given_the_missing_signature_event_when_read_then_it_has_no_signature_header() -> None:
    event = APIGatewayProxyEventModel.model_validate(load("social", "missing-signature"))

    assert not {"x-hub-signature", "x-hub-signature-256"} & event.headers.keys()
    assert event.body


@pytest.mark.parametrize(
    "scenario", [s for s in SOCIAL if s not in CHALLENGES and s != "invalid-json"]
)
def test_given_a_social_post_when_its_body_is_read_then_it_is_a_page_notification(
    scenario: str,
) -> None:
    body = json.loads(load("social", scenario)["body"])

    assert body["object"] == "page"
    assert body["entry"]
    assert all(("changes" in entry) != ("messaging" in entry) for entry in body["entry"])


@pytest.mark.parametrize(
    ("scenario", "item"), [("post-complaint-ca", "post"), ("post-opinion-en", "comment")]
)
def test_given_a_feed_change_when_read_then_it_is_an_added_item_with_a_message(
    scenario: str, item: str
) -> None:
    (entry,) = json.loads(load("social", scenario)["body"])["entry"]
    (change,) = entry["changes"]

    assert change["field"] == "feed"
    assert change["value"]["item"] == item
    assert change["value"]["verb"] == "add"
    assert change["value"]["message"]


def test_given_the_direct_message_when_read_then_it_has_a_sender_a_mid_and_text() -> None:
    (entry,) = json.loads(load("social", "direct-message-es")["body"])["entry"]
    (messaging,) = entry["messaging"]

    assert messaging["sender"]["id"]
    assert messaging["recipient"]["id"] == entry["id"]
    assert messaging["message"]["mid"]
    assert messaging["message"]["text"]


def test_given_the_invalid_json_post_when_its_body_is_read_then_it_is_not_json() -> None:
    with pytest.raises(json.JSONDecodeError):
        json.loads(load("social", "invalid-json")["body"])


@pytest.mark.parametrize("scenario", WEB)
def test_given_a_web_event_when_routed_then_it_reaches_its_citizen_api_route(scenario: str) -> None:
    event = APIGatewayProxyEventModel.model_validate(load("web", scenario))

    assert (event.httpMethod, event.resource) == WEB_ROUTES[scenario]
    if event.httpMethod == "POST":
        assert event.headers["idempotency-key"]
        assert event.headers["content-type"] == "application/json"


@pytest.mark.parametrize("scenario", JSON_REQUESTS)
def test_given_a_create_request_event_when_its_body_is_read_then_it_has_the_api_fields(
    scenario: str,
) -> None:
    body = json.loads(load("web", scenario)["body"])

    assert {"request_type", "theme_code", "description", "location", "applicant"} <= body.keys()
    assert {"response_channel", "language"} <= body.keys()
    assert body["applicant"]["kind"] in {"citizen", "entity"}


def test_given_the_entity_request_when_read_then_it_names_a_company_tax_id_and_a_contact() -> None:
    applicant = json.loads(load("web", "create-request-entity")["body"])["applicant"]

    assert re.fullmatch(r"[ABCDEFGHJNPQRSUVW]\d{7}[0-9A-J]", applicant["tax_id"])
    assert applicant["business_name"]
    assert {"name", "email", "phone"} <= applicant["contact"].keys()


def test_given_the_invalid_request_when_read_then_it_breaks_three_rules() -> None:
    body = json.loads(load("web", "create-request-invalid")["body"])

    assert body["request_type"] not in {"incident", "complaint", "suggestion", "thanks"}
    assert body["description"] == ""
    assert body["location"]["latitude"] > 90


def test_given_the_not_json_request_when_its_body_is_read_then_it_is_not_json() -> None:
    with pytest.raises(json.JSONDecodeError):
        json.loads(load("web", "create-request-not-json")["body"])


@pytest.mark.parametrize("scenario", ["track-request", "track-request-wrong-token"])
def test_given_a_tracking_event_when_read_then_it_names_the_reference_and_a_token(
    scenario: str,
) -> None:
    event = APIGatewayProxyEventModel.model_validate(load("web", scenario))

    assert event.pathParameters == {"reference": "BCN-2026-000123"}
    assert event.headers["x-tracking-token"]


# --------------------------------------------------------------------------- schedules


@pytest.mark.parametrize("scenario", DIGEST)
def test_given_a_digest_event_when_parsed_with_powertools_then_it_is_scheduler_s_notification(
    scenario: str,
) -> None:
    data = load("digest", scenario)

    event = EventBridgeModel.model_validate(data)

    assert data["detail"] == "{}"
    assert event.detail == {}
    assert (event.source, event.detail_type, event.version) == (
        "aws.scheduler",
        "Scheduled Event",
        "0",
    )
    assert (event.account, event.region, event.time.year) == (ACCOUNT, REGION, YEAR)
    assert [arn.rsplit("/", 2)[0] for arn in event.resources] == [
        f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule"
    ]


# --------------------------------------------------------------------------- across channels


def every_text() -> list[tuple[str, str]]:
    return [
        (str(path.relative_to(EVENTS)), path.read_text(encoding="utf-8"))
        for path in sorted(EVENTS.rglob("*"))
        if path.is_file() and path.suffix in {".json", ".eml"}
    ]


def test_given_every_event_file_when_scanned_then_email_addresses_are_fictitious() -> None:
    allowed = FICTITIOUS_DOMAINS + MESSAGE_ID_DOMAINS
    real = [
        (name, match.group(0))
        for name, text in every_text()
        for match in EMAIL_ADDRESS.finditer(text)
        if not any(
            match.group(1) == domain or match.group(1).endswith("." + domain) for domain in allowed
        )
    ]

    assert real == []


def test_given_every_event_file_when_scanned_then_spanish_numbers_are_valid() -> None:
    invalid = [
        (name, number)
        for name, text in every_text()
        for number in SPANISH_NUMBER.findall(text)
        if not is_valid_number(number)
    ]

    assert invalid == []


def test_given_every_queued_event_when_its_timestamps_are_read_then_they_are_in_2026() -> None:
    stamps = [
        from_epoch_ms(record["attributes"][key])
        for channel in QUEUES
        for scenario in SCENARIOS[channel]
        for record in load(channel, scenario)["Records"]
        for key in ("SentTimestamp", "ApproximateFirstReceiveTimestamp")
    ]

    assert stamps
    assert {stamp.year for stamp in stamps} == {YEAR}
