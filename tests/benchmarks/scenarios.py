"""The intakes measured: one event file of ``events/`` each, made unique per iteration.

Every iteration rewrites the provider's message id (so idempotency never answers from
its record) and, where the scenario is a first contact, the sender too (so each
iteration meets an unknown citizen, as the event file does in an empty table).
"""

import copy
import hashlib
import hmac
import io
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from types import ModuleType
from typing import Any

import boto3

from tests.benchmarks.capacity import TableShape
from tests.benchmarks.meter import UnitMeter, Usage
from tests.benchmarks.tap import ApiCallTap
from tests.conftest import (
    EVENTS,
    INBOUND_BUCKET,
    REGION,
    SOCIAL_APP_SECRET,
    Clock,
    FakeLambdaContext,
    Seeder,
    load_event,
    load_function,
)

SMS = "sms_intake"
EMAIL = "email_intake"
VOICE = "voice_intake"
SOCIAL = "social_webhook"
WEB = "citizen_api"
HANDLERS = (SMS, EMAIL, VOICE, SOCIAL, WEB)
HTTP_HANDLERS = frozenset({SOCIAL, WEB})
HANDLER_FILES = {
    SMS: "functions/sms_intake/handler.py",
    EMAIL: "functions/email_intake/handler.py",
    VOICE: "functions/voice_intake/handler.py",
    SOCIAL: "functions/social_webhook/app.py",
    WEB: "functions/citizen_api/app.py",
}

SEED_CLOCK_START = datetime(2026, 3, 14, 19, 41, 8, tzinfo=UTC)
EMAIL_SENDER = b"carmen.ortega@example.com"


@dataclass
class Sample:
    """One measured invocation."""

    handler: str
    total_seconds: float
    aws_seconds: float
    aws_calls: int
    usage: dict[str, Usage]
    response: Any

    @property
    def own_seconds(self) -> float:
        """CPU outside the AWS calls."""
        return max(0.0, self.total_seconds - self.aws_seconds)


@dataclass
class Workbench:
    """The five handlers, loaded once, and what scenarios need to set their stage."""

    tap: ApiCallTap
    meter: UnitMeter
    tables: Mapping[str, TableShape]
    modules: dict[str, ModuleType] = field(default_factory=dict)
    first_calls: dict[str, Sample] = field(default_factory=dict)
    counter: Usage = field(default_factory=Usage)

    def __post_init__(self) -> None:
        sink = io.StringIO()
        for name in HANDLERS:
            module = load_function(name)
            # The handlers' JSON logs are part of their CPU; where they go is not.
            for handler in logging.getLogger(module.obs.logger.service).handlers:
                if isinstance(handler, logging.StreamHandler):
                    handler.stream = sink
            self.modules[name] = module
        self._sink = sink
        self.seeder = Seeder(Clock(SEED_CLOCK_START))
        self.s3 = boto3.client("s3", region_name=REGION)
        self.dynamodb = boto3.client("dynamodb", region_name=REGION)

    def clear_tables(self) -> None:
        """Empty the tables between iterations.

        moto copies every table a transaction touches, and reads a whole table to answer
        an index query, so a growing table would slow the run (not the handlers).
        """
        for name, shape in self.tables.items():
            items = self.dynamodb.scan(TableName=name)["Items"]
            for start in range(0, len(items), 25):
                deletes: list[Any] = [
                    {"DeleteRequest": {"Key": shape.key_of(item)}}
                    for item in items[start : start + 25]
                ]
                self.dynamodb.batch_write_item(RequestItems={name: deletes})

    def invoke(self, handler: str, event: dict[str, Any]) -> Sample:
        """Run ``handler`` on ``event``, timing its CPU and metering its DynamoDB calls."""
        module = self.modules[handler]
        entry = module.app if handler in HTTP_HANDLERS else module.lambda_handler
        context = FakeLambdaContext()
        self.meter.reset()
        self.tap.reset()
        self.tap.active = True
        start = time.process_time()
        try:
            response = entry(event, context)
        finally:
            total = time.process_time() - start
            self.tap.active = False
        self._sink.seek(0)
        self._sink.truncate()
        sample = Sample(
            handler=handler,
            total_seconds=total,
            aws_seconds=self.tap.inside_seconds,
            aws_calls=self.tap.calls,
            usage=self.meter.snapshot(),
            response=response,
        )
        self.first_calls.setdefault(handler, sample)
        if "counter" in sample.usage:
            self.counter.add(sample.usage["counter"])
        return sample


Check = Callable[[Workbench, int, Any], str | None]


@dataclass(frozen=True)
class Scenario:
    """An intake measured over many iterations."""

    key: str
    label: str
    handler: str
    stage: Callable[[Workbench, int], dict[str, Any]]
    check: Check

    @property
    def allocates_reference(self) -> bool:
        """Whether the intake opens a request, and so draws on the reference counter."""
        return self.key not in {"sms-reply", "sms-stop"}


@cache
def _event(relative: str) -> dict[str, Any]:
    event: dict[str, Any] = load_event(relative)
    return event


def _copy(relative: str) -> dict[str, Any]:
    return copy.deepcopy(_event(relative))


def phone(series: int, iteration: int) -> str:
    """A valid Spanish mobile number, unique per scenario and iteration."""
    return f"+346{series:02d}{iteration:06d}"


def sms_event(
    scenario: str, *, message_id: str, sender: str | None = None, text: str | None = None
) -> dict[str, Any]:
    """An SMS event file with another message id (and sender, and text)."""
    event = _copy(f"sms/{scenario}.json")
    record = event["Records"][0]
    notification = json.loads(record["body"])
    inbound = json.loads(notification["Message"])
    inbound["inboundMessageId"] = message_id
    if sender is not None:
        inbound["originationNumber"] = sender
    if text is not None:
        inbound["messageBody"] = text
    notification["Message"] = json.dumps(inbound, ensure_ascii=False)
    record["body"] = json.dumps(notification, ensure_ascii=False)
    record["messageId"] = message_id
    return event


def _batch_accepted(_: Workbench, __: int, response: Any) -> str | None:
    failures = response.get("batchItemFailures") if isinstance(response, dict) else None
    return None if failures == [] else f"the batch reported failures: {response!r}"


def _http_accepted(_: Workbench, __: int, response: Any) -> str | None:
    status = response.get("statusCode") if isinstance(response, dict) else None
    return None if status in (200, 201) else f"the API answered {status}"


def _call_accepted(_: Workbench, __: int, response: Any) -> str | None:
    if isinstance(response, dict) and response.get("outcome") == "request_created":
        return None
    return f"the flow got {response!r}"


def _sms_new(_: Workbench, i: int) -> dict[str, Any]:
    return sms_event("new-request-ca", message_id=f"bench-sms-new-{i:06d}", sender=phone(1, i))


def _sms_known(bench: Workbench, i: int) -> dict[str, Any]:
    number = phone(2, i)
    first = sms_event("new-request-ca", message_id=f"bench-sms-first-{i:06d}", sender=number)
    problem = _batch_accepted(bench, i, bench.invoke(SMS, first).response)
    if problem:
        raise RuntimeError(f"the first request of a known citizen failed: {problem}")
    return sms_event(
        "new-request-ca",
        message_id=f"bench-sms-second-{i:06d}",
        sender=number,
        text="I a més hi ha un contenidor ple al costat.",
    )


def _pending_reference(i: int) -> str:
    return f"BCN-2026-{900000 + i:06d}"


def _sms_reply(bench: Workbench, i: int) -> dict[str, Any]:
    number = phone(3, i)
    owner = bench.seeder.citizen(phone=number)
    bench.seeder.request(owner, reference=_pending_reference(i), state="pending_answer")
    return sms_event("reply-to-pending", message_id=f"bench-sms-reply-{i:06d}", sender=number)


def _reply_joined(bench: Workbench, i: int, response: Any) -> str | None:
    from finestra.storage.requests import RequestStore

    problem = _batch_accepted(bench, i, response)
    if problem:
        return problem
    request = RequestStore(bench.seeder.runtime.table, shards=4).get(_pending_reference(i))
    state = request.state.value if request else None
    return None if state == "in_resolution" else f"the pending request is {state}"


def _sms_stop(_: Workbench, i: int) -> dict[str, Any]:
    return sms_event("stop-en", message_id=f"bench-sms-stop-{i:06d}", sender=phone(4, i))


def _email_new(bench: Workbench, i: int) -> dict[str, Any]:
    message_id = f"bench{i:06d}mail"
    key = f"inbound/{message_id}"
    raw = (EVENTS / "email/new-request-es.eml").read_bytes()
    body = raw.replace(EMAIL_SENDER, f"veina.{i}@example.com".encode())
    bench.s3.put_object(Bucket=INBOUND_BUCKET, Key=key, Body=body)
    event = _copy("email/new-request-es.json")
    record = event["Records"][0]
    notification = json.loads(record["body"])
    received = json.loads(notification["Message"])
    received["mail"]["messageId"] = message_id
    received["receipt"]["action"]["objectKey"] = key
    notification["Message"] = json.dumps(received, ensure_ascii=False)
    record["body"] = json.dumps(notification, ensure_ascii=False)
    record["messageId"] = f"bench-email-{i:06d}"
    return event


def _mail_opened(bench: Workbench, i: int, response: Any) -> str | None:
    from finestra.storage.rejections import RejectionStore

    problem = _batch_accepted(bench, i, response)
    if problem:
        return problem
    rejection = RejectionStore(bench.seeder.runtime.table).get("email", f"bench{i:06d}mail")
    return None if rejection is None else f"the mail was refused: {rejection.get('reason')}"


def _voice_create(_: Workbench, i: int) -> dict[str, Any]:
    event = _copy("voice/create-request.json")
    contact = event["Details"]["ContactData"]
    contact["ContactId"] = f"bench-voice-{i:06d}"
    contact["CustomerEndpoint"]["Address"] = phone(5, i)
    return event


def _with_header(event: dict[str, Any], name: str, value: str) -> None:
    event["headers"][name] = value
    event["multiValueHeaders"][name] = [value]


def _social_dm(_: Workbench, i: int) -> dict[str, Any]:
    event = _copy("social/direct-message-es.json")
    delivery = json.loads(event["body"])
    messaging = delivery["entry"][0]["messaging"][0]
    messaging["message"]["mid"] = f"m_bench{i:06d}"
    messaging["sender"]["id"] = f"7{i:015d}"
    event["body"] = json.dumps(delivery)
    signature = hmac.new(SOCIAL_APP_SECRET.encode(), event["body"].encode(), hashlib.sha256)
    _with_header(event, "x-hub-signature-256", "sha256=" + signature.hexdigest())
    event["requestContext"]["requestId"] = f"bench-social-{i:06d}"
    return event


def _web_create(_: Workbench, i: int) -> dict[str, Any]:
    event = _copy("web/create-request.json")
    form = json.loads(event["body"])
    form["applicant"]["email"] = f"vei.{i}@example.com"
    form["applicant"]["phone"] = phone(6, i)
    event["body"] = json.dumps(form, ensure_ascii=False)
    _with_header(event, "idempotency-key", f"bench-web-{i:06d}")
    event["requestContext"]["requestId"] = f"bench-web-{i:06d}"
    return event


SCENARIOS = (
    Scenario("sms-new", "new citizen, first contact (SMS)", SMS, _sms_new, _batch_accepted),
    Scenario("sms-known", "known citizen, second request (SMS)", SMS, _sms_known, _batch_accepted),
    Scenario("sms-reply", "SMS reply to a pending request", SMS, _sms_reply, _reply_joined),
    Scenario("sms-stop", "STOP keyword (SMS)", SMS, _sms_stop, _batch_accepted),
    Scenario("email-new", "email, new request", EMAIL, _email_new, _mail_opened),
    Scenario("voice-create", "voice, create request", VOICE, _voice_create, _call_accepted),
    Scenario("social-dm", "social direct message", SOCIAL, _social_dm, _http_accepted),
    Scenario("web-create", "web, create request", WEB, _web_create, _http_accepted),
)
