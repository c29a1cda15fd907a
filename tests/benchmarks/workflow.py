"""The request workflow per request: transitions, invocations, back-office calls and cost.

Each scenario files one request through its channel's intake function, hands the new
request to the workflow starter as the table's stream would (one ``INSERT`` record), and
lets moto's Step Functions interpreter run the template's state machine, every task
running the project's handler in-process (``InProcessLambdas``) against the demo back
office on a loopback port. Every AWS call made meanwhile, by the benchmark's own
invocations or by the interpreter's threads, is tallied by :class:`CallLedger`; the
DynamoDB ones are weighed by :class:`~tests.benchmarks.meter.UnitMeter` one at a time,
because a Map state's iterations run at once.

What stands in for a figure only AWS can give:

- Lambda duration is the wall-clock time of each in-process invocation, moto answering
  the AWS calls in the same process and the demo back office on loopback; the
  concurrent iterations of a Map share two cores and the interpreter lock, so each is
  slower than it would be alone.
- Express duration is the execution's span in moto's history, start to end.
- Log bytes are the handlers' JSON lines and metric documents as captured, the runtime's
  ``START``/``END``/``REPORT`` lines as the in-process runner writes them (AWS's
  ``REPORT`` line is longer), and for a web request the HTTP API's access log line,
  rendered from the template's format with typical values.

The arithmetic (:func:`transitions`, :func:`billed_gb_seconds`, :func:`bill`) is pure,
and ``tests/benchmarks/test_workflow_costs.py`` checks it.
"""

import contextlib
import io
import json
import logging
import math
import os
import re
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal
from unittest.mock import patch

import boto3
from boto3.dynamodb.types import TypeDeserializer
from botocore.client import BaseClient
from moto import mock_aws
from pydantic import BaseModel, ConfigDict, Field

from finestra_local.lambdas import InProcessLambdas
from finestra_local.stepfunctions import INTERPRETER_CONFIG, create_state_machine
from tests.benchmarks.capacity import Attributes, TableShape, item_size, table_shape
from tests.benchmarks.environment import MAIN_TABLE, TABLES, embedded_aws
from tests.benchmarks.meter import Bucket, Reader, UnitMeter, Usage
from tests.benchmarks.scenarios import sms_event
from tests.conftest import CONFIG, REGION, ROOT, load_event
from tests.support.aws import ACCOUNT
from tests.support.workflow import Execution, History

PRICES = ROOT / "infra" / "prices.json"
MACHINE = "RequestWorkflow"
WEB_FUNCTION = "CitizenApiFunction"
SMS_FUNCTION = "SmsIntakeFunction"
STARTER_FUNCTION = "WorkflowStarterFunction"
WORKFLOW_FUNCTION = "WorkflowFunction"
SERVICES = ("citizen_api", "sms_intake", "workflow_starter", "workflow")
"""The Powertools services of the functions a request passes through, for their logs."""
ROLES = {WEB_FUNCTION: "intake (web)", SMS_FUNCTION: "intake (SMS)", STARTER_FUNCTION: "starter"}
"""What the report calls an invocation of a function that runs no workflow task."""

EXECUTION_DEADLINE_S = 60.0
POLL_INTERVAL_S = 0.01
DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
MOVED_LATITUDE = 0.02
"""How far north (degrees, about 2.2 km) a moved request is: beyond any duplicate radius."""

Part = Literal["processing", "delivery", "comparison"]


# ---------------------------------------------------------------------------- prices


class Price(BaseModel):
    """One list price: ``usd`` for ``per`` units."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    usd: float = Field(ge=0)
    per: float = Field(gt=0)
    unit: str = Field(min_length=1)
    note: str | None = None
    placeholder: bool = False

    @property
    def each(self) -> float:
        """The price of one unit."""
        return self.usd / self.per


class Billing(BaseModel):
    """How AWS rounds what it measures before pricing it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    lambda_increment_ms: int = Field(gt=0)
    express_memory_mb: int = Field(gt=0)
    express_increment_ms: int = Field(gt=0)
    bytes_per_gb: int = Field(gt=0)


class UsageAssumption(BaseModel):
    """A count per request that the benchmark cannot observe, and why it is what it is."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    count: float = Field(ge=0)
    note: str = Field(min_length=1)


class PriceTable(BaseModel):
    """``infra/prices.json``: the prices, their date and region, and the assumptions."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    as_of: date
    region: str
    currency: Literal["USD"]
    note: str
    prices: dict[str, Price]
    billing: Billing
    usage: dict[str, UsageAssumption]

    def each(self, name: str) -> float:
        """The price of one unit of ``name``."""
        return self.prices[name].each

    def assumed(self, name: str) -> float:
        """The assumed count per request of ``name``."""
        return self.usage[name].count


def load_prices(path: Path = PRICES) -> PriceTable:
    """The price table, checked against every price the bill uses."""
    table = PriceTable.model_validate_json(path.read_text(encoding="utf-8"))
    missing = sorted({item.price for item in LINE_ITEMS} - set(table.prices))
    if missing:
        raise ValueError(f"{path.name} has no price for {', '.join(missing)}")
    return table


# ---------------------------------------------------------------------------- history


def states_entered(events: Iterable[Mapping[str, Any]]) -> Counter[str]:
    """How many times each kind of state was entered (``TaskStateEntered``, ...).

    Standard workflows are billed per state transition: every state entered, each
    iteration's states included, retries of a task not counted again.
    """
    return Counter(
        str(event["type"]) for event in events if str(event["type"]).endswith("StateEntered")
    )


def transitions(events: Iterable[Mapping[str, Any]]) -> int:
    """The state transitions AWS would bill a Standard execution with this history for."""
    return sum(states_entered(events).values())


def lambda_tasks(events: Iterable[Mapping[str, Any]]) -> int:
    """Lambda invocations the execution scheduled, retries included."""
    return sum(
        1 for event in events if event["type"] in {"LambdaFunctionScheduled", "TaskScheduled"}
    )


def map_iterations(events: Iterable[Mapping[str, Any]]) -> int:
    """Iterations that Map states started."""
    return sum(1 for event in events if event["type"] == "MapIterationStarted")


def span_ms(events: Iterable[Mapping[str, Any]]) -> float:
    """Milliseconds from the first event of a history to its last."""
    stamps = [_timestamp(event["timestamp"]) for event in events]
    return (max(stamps) - min(stamps)) * 1000 if stamps else 0.0


def _timestamp(value: Any) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    return float(value)


# ---------------------------------------------------------------------------- the bill


def billed_gb_seconds(duration_ms: float, memory_mb: float, increment_ms: int) -> float:
    """GB-seconds billed for one run of ``duration_ms``, rounded up to ``increment_ms``."""
    increments = max(1, math.ceil(duration_ms / increment_ms))
    return increments * increment_ms / 1000 * memory_mb / 1024


@dataclass(frozen=True)
class RequestUsage:
    """What one request consumed, in the units AWS bills."""

    lambda_invocations: float = 0.0
    lambda_gb_seconds: float = 0.0
    express_executions: float = 0.0
    express_gb_seconds: float = 0.0
    standard_transitions: float = 0.0
    write_units: float = 0.0
    read_units: float = 0.0
    http_api_requests: float = 0.0
    sqs_requests: float = 0.0
    sns_publishes: float = 0.0
    eventbridge_events: float = 0.0
    log_bytes: float = 0.0
    secrets_calls: float = 0.0
    emails: float = 0.0
    sms_segments: float = 0.0


@dataclass(frozen=True)
class LineItem:
    """One line of the bill: a usage figure, its price, and the part of the bill it is in."""

    key: str
    label: str
    usage: str
    price: str
    part: Part = "processing"
    per_gb: bool = False


LINE_ITEMS = (
    LineItem("lambda_requests", "Lambda requests", "lambda_invocations", "lambda_request"),
    LineItem("lambda_duration", "Lambda duration", "lambda_gb_seconds", "lambda_gb_second"),
    LineItem("express_requests", "Express executions", "express_executions", "express_request"),
    LineItem("express_duration", "Express duration", "express_gb_seconds", "express_gb_second"),
    LineItem("dynamodb_writes", "DynamoDB writes", "write_units", "dynamodb_write_unit"),
    LineItem("dynamodb_reads", "DynamoDB reads", "read_units", "dynamodb_read_unit"),
    LineItem("http_api", "HTTP API requests", "http_api_requests", "http_api_request"),
    LineItem("sqs", "SQS requests", "sqs_requests", "sqs_request"),
    LineItem("sns", "SNS publishes", "sns_publishes", "sns_publish"),
    LineItem("eventbridge", "EventBridge events", "eventbridge_events", "eventbridge_event"),
    LineItem("logs", "CloudWatch Logs", "log_bytes", "logs_ingested_gb", per_gb=True),
    LineItem("secrets", "Secrets Manager calls", "secrets_calls", "secrets_manager_call"),
    LineItem("email", "SES email", "emails", "ses_email", part="delivery"),
    LineItem("sms", "SMS segments", "sms_segments", "sms_segment", part="delivery"),
    LineItem(
        "standard",
        "Standard transitions",
        "standard_transitions",
        "standard_transition",
        part="comparison",
    ),
)
"""The bill, line by line; ``comparison`` lines are priced but in no total."""


def bill(usage: RequestUsage, prices: PriceTable, requests: int = 1_000_000) -> dict[str, Any]:
    """What ``requests`` requests like ``usage`` cost, line by line and by part.

    ``express_usd`` and ``standard_usd`` price the workflow alone both ways: Express per
    execution and GB-second, Standard per state transition.
    """
    lines: dict[str, dict[str, Any]] = {}
    for item in LINE_ITEMS:
        quantity = float(getattr(usage, item.usage))
        if item.per_gb:
            quantity /= prices.billing.bytes_per_gb
        lines[item.key] = {
            "label": item.label,
            "part": item.part,
            "per_request": quantity,
            "usd": quantity * prices.each(item.price) * requests,
        }
    processing = sum(line["usd"] for line in lines.values() if line["part"] == "processing")
    delivery = sum(line["usd"] for line in lines.values() if line["part"] == "delivery")
    return {
        "requests": requests,
        "lines": lines,
        "processing_usd": processing,
        "delivery_usd": delivery,
        "total_usd": processing + delivery,
        "express_usd": lines["express_requests"]["usd"] + lines["express_duration"]["usd"],
        "standard_usd": lines["standard"]["usd"],
    }


def combine(usages: Sequence[RequestUsage], how: Callable[[list[float]], float]) -> RequestUsage:
    """Each figure of several requests' usage, combined by ``how`` (a median, a mean)."""
    values = {
        f.name: how([float(getattr(u, f.name)) for u in usages]) for f in fields(RequestUsage)
    }
    return RequestUsage(**values)


# ---------------------------------------------------------------------------- calls


@dataclass(frozen=True)
class Invocation:
    """One Lambda invocation: the function, the workflow task it ran, and how long it took."""

    function: str
    task: str
    ms: float


def _payload_task(params: Mapping[str, Any]) -> str:
    payload = params.get("Payload")
    if isinstance(payload, bytes | bytearray):
        payload = payload.decode("utf-8")
    try:
        event = json.loads(payload) if isinstance(payload, str) else payload
    except ValueError:
        return ""
    return str(event.get("task", "")) if isinstance(event, dict) else ""


def sms_segments(service: str, operation: str, params: Mapping[str, Any]) -> int:
    """The SMS segments an outbound SMS call sends (none for any other call)."""
    from finestra.domain.sms_text import segments

    if service == "sns" and operation == "Publish" and "PhoneNumber" in params:
        return segments(str(params.get("Message", ""))).segments
    if service == "pinpoint-sms-voice-v2" and operation == "SendTextMessage":
        return segments(str(params.get("MessageBody", ""))).segments
    return 0


class CallLedger:
    """Every AWS call made while active, from any thread that is not paused.

    DynamoDB calls go through the unit meter one at a time (it weighs an item before and
    after each write, so two writes at once would muddle each other's figures), their
    units kept apart by the function or workflow task that made them (``route/main``);
    Lambda invocations are timed in the thread that makes them, which is also the thread
    the in-process handler runs in.
    """

    def __init__(self, shapes: Mapping[str, TableShape], bucket: Bucket, read: Reader) -> None:
        self.meter = UnitMeter(shapes, self._by_task(bucket), read)
        self.active = False
        self.calls: Counter[str] = Counter()
        self.invocations: list[Invocation] = []
        self.sms_segments = 0
        self.events_put = 0
        self._lock = threading.Lock()
        self._dynamodb = threading.Lock()
        self._local = threading.local()
        self._original: Any = None

    @contextlib.contextmanager
    def installed(self) -> Iterator["CallLedger"]:
        """Wrap ``BaseClient._make_api_call`` for the duration of the block."""
        original = BaseClient._make_api_call  # type: ignore[attr-defined]
        self._original = original
        ledger = self

        def make_api_call(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
            return ledger.call(client, operation, params)

        setattr(BaseClient, "_make_api_call", make_api_call)  # noqa: B010
        try:
            yield self
        finally:
            setattr(BaseClient, "_make_api_call", original)  # noqa: B010

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Leave this thread's calls (the benchmark's own reads and polls) uncounted."""
        self._local.paused = True
        try:
            yield
        finally:
            self._local.paused = False

    def reset(self) -> None:
        """Count from nothing again."""
        with self._lock:
            self.calls = Counter()
            self.invocations = []
            self.sms_segments = 0
            self.events_put = 0
        self.meter.reset()

    def call(self, client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        """Make one API call, counted unless the ledger is idle or the thread paused."""
        if not self.active or getattr(self._local, "paused", False):
            return self._original(client, operation, params)
        service = client.meta.service_model.service_name
        segments = sms_segments(service, operation, params)
        entries = len(params.get("Entries", [])) if service == "events" else 0
        with self._lock:
            self.calls[f"{service}:{operation}"] += 1
            self.sms_segments += segments
            self.events_put += entries
        if service == "dynamodb":
            with self._dynamodb:
                return self.meter.observe(
                    operation, params, lambda: self._original(client, operation, params)
                )
        if service == "lambda" and operation == "Invoke":
            return self._invoke(client, params)
        return self._original(client, operation, params)

    def _by_task(self, bucket: Bucket) -> Bucket:
        def by_task(table: str, key: Attributes) -> str:
            return f"{getattr(self._local, 'task', '') or 'other'}/{bucket(table, key)}"

        return by_task

    def _invoke(self, client: BaseClient, params: dict[str, Any]) -> Any:
        function = str(params.get("FunctionName", "")).rsplit(":", 1)[-1]
        task = _payload_task(params)
        outer = getattr(self._local, "task", None)
        self._local.task = task or ROLES.get(function, function)
        start = time.perf_counter()
        try:
            return self._original(client, "Invoke", params)
        finally:
            ms = (time.perf_counter() - start) * 1000
            self._local.task = outer
            with self._lock:
                self.invocations.append(Invocation(function, task, ms))


# ---------------------------------------------------------------------------- scenarios


@dataclass(frozen=True)
class Applicant:
    """Who files a request: unique per scenario and iteration, so each is a new citizen."""

    email: str
    phone: str
    document_id: str


def document_id(number: int) -> str:
    """A valid DNI: eight digits and their check letter."""
    digits = number % 100_000_000
    return f"{digits:08d}{DNI_LETTERS[digits % 23]}"


def applicant(series: int, i: int) -> Applicant:
    """The applicant of iteration ``i`` of a scenario's ``series``."""
    return Applicant(
        email=f"veina.{series}.{i}@example.org",
        phone=f"+346{series:02d}{i:06d}",
        document_id=document_id(40_000_000 + series * 10_000 + i),
    )


Check = Callable[[Mapping[str, Any], History], str | None]


@dataclass(frozen=True)
class Scenario:
    """A request the workflow runs for: a theme chosen on the web, or free text by SMS."""

    key: str
    short: str
    label: str
    channel: Literal["web", "sms"]
    series: int
    check: Check
    theme_code: str | None = None
    text: str | None = None


def _chosen(theme_code: str, systems: int) -> Check:
    def check(request: Mapping[str, Any], history: History) -> str | None:
        if request.get("theme_code") != theme_code:
            return f"the request has theme {request.get('theme_code')}"
        iterations = map_iterations(history.events)
        return None if iterations == systems else f"{iterations} lookups, not {systems}"

    return check


def _classified(request: Mapping[str, Any], _: History) -> str | None:
    if request.get("theme_code") is None or request.get("responsible_group") == "triage":
        return "the text was not classified"
    return None


def _triaged(request: Mapping[str, Any], _: History) -> str | None:
    group = request.get("responsible_group")
    return None if group == "triage" else f"the request went to {group}, not triage"


def scenarios() -> tuple[Scenario, ...]:
    """The six requests measured, the theme with the most systems read from the catalogue."""
    from finestra.domain.catalogue import Catalogue

    catalogue = Catalogue.load(CONFIG)
    most = max(
        catalogue.themes,
        key=lambda theme: (len(theme.back_office_systems), not theme.requires_identified_citizen),
    )

    def web(key: str, short: str, code: str, series: int) -> Scenario:
        systems = len(catalogue.theme(code).back_office_systems)
        label = f"{code}, web ({systems} system{'' if systems == 1 else 's'})"
        check = _chosen(code, systems)
        return Scenario(key, short, label, "web", series, check, theme_code=code)

    return (
        web("pothole", "pothole", "roads.pothole", 11),
        web("streetlight", "light", "lighting.streetlight-off", 12),
        web("home-care", "home-care", "social.home-care", 13),
        web("most-systems", "most-sys", most.code, 14),
        Scenario(
            "sms-classified",
            "sms",
            "SMS free text, classified",
            "sms",
            15,
            _classified,
            text="El fanal del carrer de Mallorca 250 no s'encén des de fa tres nits",
        ),
        Scenario(
            "sms-triage",
            "triage",
            "SMS free text, to triage",
            "sms",
            16,
            _triaged,
            text="Hola, bon dia, us volia comentar una cosa",
        ),
    )


@dataclass(frozen=True)
class CachePair:
    """A second request of the same citizen right after a first one."""

    key: str
    scenario: str
    label: str
    moved: bool


CACHE_PAIRS = (
    CachePair("home-care-again", "home-care", "same citizen, same theme", moved=False),
    CachePair(
        "most-systems-moved", "most-systems", "same citizen, same theme, 2 km away", moved=True
    ),
)


class ScenarioFailed(RuntimeError):
    """A request did not go through the workflow as the scenario expects."""


# ---------------------------------------------------------------------------- one request


@dataclass
class RequestRun:
    """What one request did, from its intake to the end of its workflow execution."""

    scenario: str
    reference: str
    status: str
    states: Counter[str]
    kinds: Counter[str]
    map_iterations: int
    scheduled_tasks: int
    execution_ms: float
    invocations: list[Invocation]
    calls: Counter[str]
    dynamodb: dict[str, Usage]
    backoffice: dict[str, int]
    log_bytes: dict[str, int]
    log_lines: dict[str, int]
    sms_segments: int
    events_put: int
    duplicate_of: str | None = None

    @property
    def backoffice_calls(self) -> int:
        """Lookups the back-office systems received for this request."""
        return sum(self.backoffice.values())


@dataclass
class WorkflowBench:
    """The deployed workflow under moto, and what measuring a request needs."""

    template: dict[str, Any]
    ledger: CallLedger
    reader: Reader
    lambdas: InProcessLambdas
    demo: Any
    machine_arn: str
    stdout: io.StringIO
    sinks: dict[str, io.StringIO] = field(default_factory=dict)
    counter: Usage = field(default_factory=Usage)

    def __post_init__(self) -> None:
        from finestra.domain.catalogue import Catalogue

        self.lambda_client = boto3.client("lambda", region_name=REGION)
        self.sfn = boto3.client("stepfunctions", region_name=REGION)
        self.dynamodb = boto3.client("dynamodb", region_name=REGION)
        self.logs = boto3.client("logs", region_name=REGION)
        self.shapes = {name: table_shape(self.template, name) for name in TABLES}
        self.sinks = {service: io.StringIO() for service in SERVICES}
        self.catalogue = Catalogue.load(CONFIG)
        self.memory_mb = {
            logical_id: function.memory_mb
            for logical_id, function in self.lambdas.functions.items()
        }

    def measure(
        self, scenario: Scenario, i: int, *, attempt: int = 0, moved: bool = False
    ) -> RequestRun:
        """File one request, start its workflow as the stream would, and wait for the end.

        A first attempt starts from empty tables; a later one finds the earlier
        requests of the same citizen (and their back-office snapshots) in place.
        """
        if attempt == 0:
            self.clear()
        self._start_window()
        before = self.demo.calls()
        self.ledger.active = True
        try:
            reference = self._file(scenario, i, attempt, moved)
            self._start_workflow(reference)
            execution = self._wait(reference)
        finally:
            self.ledger.active = False
        with self.ledger.paused():
            history = execution.history()
            stored = self.request(reference)
        if self.ledger.calls["stepfunctions:StartExecution"] != 1:
            raise ScenarioFailed(f"{scenario.key}: the starter started no new execution")
        if execution.status != "SUCCEEDED":
            raise ScenarioFailed(f"{scenario.key}: the execution {execution.status}")
        problem = scenario.check(stored, history)
        if problem:
            raise ScenarioFailed(f"{scenario.key}, iteration {i}: {problem}")
        run = self._run(scenario, reference, execution, history, before)
        run.duplicate_of = stored.get("duplicate_of")
        return run

    def clear(self) -> None:
        """Empty the tables but for the reference counter, which keeps references unique.

        moto copies every table a transaction touches and reads a whole table to answer
        an index query, so a growing table would slow the run; an empty one also means
        the duplicate search finds nothing, as for a request about a new problem.
        """
        with self.ledger.paused():
            for name, shape in self.shapes.items():
                items = [
                    item
                    for item in self.dynamodb.scan(TableName=name)["Items"]
                    if not item.get("PK", {}).get("S", "").startswith("COUNTER#")
                ]
                for start in range(0, len(items), 25):
                    deletes: list[Any] = [
                        {"DeleteRequest": {"Key": shape.key_of(item)}}
                        for item in items[start : start + 25]
                    ]
                    self.dynamodb.batch_write_item(RequestItems={name: deletes})

    def request(self, reference: str) -> dict[str, Any]:
        """The stored request, plain."""
        item: dict[str, Any] = dict(self._request_item(reference) or {})
        reader = TypeDeserializer()
        return {name: reader.deserialize(value) for name, value in item.items()}

    def invoke(self, function: str, event: Mapping[str, Any]) -> Any:
        """Invoke one of the template's functions through moto's Lambda API."""
        response = self.lambda_client.invoke(
            FunctionName=function, Payload=json.dumps(event, ensure_ascii=False).encode()
        )
        payload = json.loads(response["Payload"].read() or b"null")
        if response.get("FunctionError"):
            raise ScenarioFailed(f"{function} raised {payload.get('errorType')}")
        return payload

    def _start_window(self) -> None:
        with self.ledger.paused():
            for name in self._log_groups():
                self.logs.delete_log_group(logGroupName=name)
        for service, sink in self.sinks.items():
            for handler in logging.getLogger(service).handlers:
                if isinstance(handler, logging.StreamHandler):
                    handler.stream = sink
            sink.seek(0)
            sink.truncate()
        self.stdout.seek(0)
        self.stdout.truncate()
        self.ledger.reset()

    def _file(self, scenario: Scenario, i: int, attempt: int, moved: bool) -> str:
        person = applicant(scenario.series, i)
        tag = f"bench-{scenario.key}-{i:04d}-{attempt}"
        if scenario.channel == "sms":
            return self._file_sms(scenario.text or "", person.phone, tag)
        return self._file_web(scenario.theme_code or "", person, tag, moved)

    def _file_web(self, theme_code: str, person: Applicant, tag: str, moved: bool) -> str:
        theme = self.catalogue.theme(theme_code)
        event: dict[str, Any] = load_event("web/create-request.json")
        form = json.loads(event["body"])
        form.update(theme_code=theme.code, request_type=theme.request_types[0].value)
        channels = [channel.value for channel in theme.response_channels]
        form["response_channel"] = "email" if "email" in channels else channels[0]
        if not theme.requires_location:
            form["location"] = None
        elif moved:
            form["location"]["latitude"] += MOVED_LATITUDE
            form["location"]["address"] = "Carrer de Còrsega, 300"
        form["applicant"].update(email=person.email, phone=person.phone)
        if theme.requires_identified_citizen:
            form["applicant"]["document_id"] = person.document_id
        event["body"] = json.dumps(form, ensure_ascii=False)
        event["headers"]["idempotency-key"] = tag
        event["multiValueHeaders"]["idempotency-key"] = [tag]
        event["requestContext"]["requestId"] = tag
        response = self.invoke(WEB_FUNCTION, event)
        if response.get("statusCode") != 201:
            raise ScenarioFailed(f"the citizen API answered {response.get('statusCode')}")
        return str(json.loads(response["body"])["reference"])

    def _file_sms(self, text: str, number: str, tag: str) -> str:
        with self.ledger.paused():
            known = self._references()
        event = sms_event("new-request-ca", message_id=tag, sender=number, text=text)
        response = self.invoke(SMS_FUNCTION, event)
        if response != {"batchItemFailures": []}:
            raise ScenarioFailed(f"the SMS intake reported {response!r}")
        with self.ledger.paused():
            new = self._references() - known
        if len(new) != 1:
            raise ScenarioFailed(f"the SMS opened {len(new)} requests")
        return new.pop()

    def _references(self) -> set[str]:
        items = self.dynamodb.scan(TableName=MAIN_TABLE)["Items"]
        return {
            item["PK"]["S"].removeprefix("REQUEST#")
            for item in items
            if item["PK"]["S"].startswith("REQUEST#") and item["SK"]["S"] == "REQUEST"
        }

    def _request_item(self, reference: str) -> Attributes | None:
        key = {"PK": {"S": f"REQUEST#{reference}"}, "SK": {"S": "REQUEST"}}
        return self.reader(MAIN_TABLE, key)

    def _start_workflow(self, reference: str) -> None:
        item = self._request_item(reference)
        if item is None:
            raise ScenarioFailed(f"no request {reference} was stored")
        response = self.invoke(STARTER_FUNCTION, {"Records": [stream_record(item)]})
        if response != {"batchItemFailures": []}:
            raise ScenarioFailed(f"the starter reported {response!r}")

    def _wait(self, reference: str) -> Execution:
        deadline = time.monotonic() + EXECUTION_DEADLINE_S
        with self.ledger.paused():
            listed = self.sfn.list_executions(stateMachineArn=self.machine_arn)["executions"]
            arns = [e["executionArn"] for e in listed if e["name"] == reference]
            if not arns:
                raise ScenarioFailed(f"no execution was started for {reference}")
            while True:
                described = self.sfn.describe_execution(executionArn=arns[0])
                if described["status"] != "RUNNING":
                    break
                if time.monotonic() > deadline:
                    raise ScenarioFailed(f"{reference} still running after the deadline")
                time.sleep(POLL_INTERVAL_S)
        output = described.get("output")
        return Execution(
            client=self.sfn,
            arn=arns[0],
            status=str(described["status"]),
            output=None if output is None else json.loads(output),
            error=described.get("error"),
            cause=described.get("cause"),
        )

    def _run(
        self,
        scenario: Scenario,
        reference: str,
        execution: Execution,
        history: History,
        before: Mapping[str, int],
    ) -> RequestRun:
        after = self.demo.calls()
        usage = self.ledger.meter.snapshot()
        for name in [name for name in usage if name.endswith("/counter")]:
            self.counter.add(usage.pop(name))
        log_bytes, log_lines = self._log_volume(scenario)
        return RequestRun(
            scenario=scenario.key,
            reference=reference,
            status=execution.status,
            states=Counter(history.states_entered()),
            kinds=states_entered(history.events),
            map_iterations=map_iterations(history.events),
            scheduled_tasks=lambda_tasks(history.events),
            execution_ms=span_ms(history.events),
            invocations=list(self.ledger.invocations),
            calls=Counter(self.ledger.calls),
            dynamodb=usage,
            backoffice={
                code: after.get(code, 0) - count
                for code, count in before.items()
                if after.get(code, 0) > count
            },
            log_bytes=log_bytes,
            log_lines=log_lines,
            sms_segments=self.ledger.sms_segments,
            events_put=self.ledger.events_put,
        )

    def _log_volume(self, scenario: Scenario) -> tuple[dict[str, int], dict[str, int]]:
        captured = {
            "intake": [*self._lines("citizen_api"), *self._lines("sms_intake")],
            "starter": self._lines("workflow_starter"),
            "workflow": self._lines("workflow"),
            "metric docs": self.stdout.getvalue().splitlines(),
        }
        with self.ledger.paused():
            captured["runtime lines"] = list(self._runtime_lines())
        if scenario.channel == "web":
            captured["access log (est.)"] = [access_log_line(self.template)]
        sizes = {source: _volume(lines)[0] for source, lines in captured.items()}
        counts = {source: _volume(lines)[1] for source, lines in captured.items()}
        return sizes, counts

    def _lines(self, service: str) -> list[str]:
        return self.sinks[service].getvalue().splitlines()

    def _log_groups(self) -> list[str]:
        groups = self.logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/")["logGroups"]
        return [str(group["logGroupName"]) for group in groups]

    def _runtime_lines(self) -> Iterator[str]:
        for name in self._log_groups():
            params: dict[str, Any] = {"logGroupName": name}
            while True:
                page = self.logs.filter_log_events(**params)
                yield from (str(event["message"]) for event in page["events"])
                if not page.get("nextToken"):
                    break
                params["nextToken"] = page["nextToken"]


def _volume(lines: Sequence[str]) -> tuple[int, int]:
    kept = [line for line in lines if line.strip()]
    return sum(len(line.encode()) for line in kept), len(kept)


def stream_record(item: Attributes) -> dict[str, Any]:
    """The ``INSERT`` record the table's stream delivers for a new item (new and old images)."""
    table_arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{MAIN_TABLE}"
    return {
        "eventID": uuid.uuid4().hex,
        "eventName": "INSERT",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": REGION,
        "dynamodb": {
            "Keys": {"PK": item["PK"], "SK": item["SK"]},
            "NewImage": dict(item),
            "SequenceNumber": str(time.time_ns()),
            "SizeBytes": item_size(item),
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
        "eventSourceARN": f"{table_arn}/stream/2026-03-14T19:41:08.000",
    }


_CONTEXT_VARIABLE = re.compile(r"\$context\.([A-Za-z]+)")
_ACCESS_LOG_VALUES = {
    "requestId": "Jw1tWhWkjoEEMMw=",
    "routeKey": "POST /api/v1/requests",
    "status": "201",
    "responseLatency": "212",
    "integrationStatus": "200",
    "integrationErrorMessage": "-",
    "requestTimeEpoch": "1773517268000",
}
"""Typical values of the access log's variables for a web request."""


def access_log_line(template: Mapping[str, Any]) -> str:
    """The HTTP API's access log line for a web request, from the template's format."""
    api = template["Resources"]["FinestraHttpApi"]["Properties"]
    text = str(api["AccessLogSettings"]["Format"])
    return _CONTEXT_VARIABLE.sub(lambda match: _ACCESS_LOG_VALUES.get(match.group(1), "-"), text)


# ---------------------------------------------------------------------------- from runs to costs


def usage_of(
    run: RequestRun,
    channel: Literal["web", "sms"],
    prices: PriceTable,
    memory_mb: Mapping[str, int],
    counter_share: float,
) -> RequestUsage:
    """What a measured request consumed, plus what the benchmark cannot see of its channel.

    ``counter_share`` is the reference counter's write units per request (one update per
    block of references).
    """
    gb_seconds = sum(
        billed_gb_seconds(
            invocation.ms, memory_mb.get(invocation.function, 0), prices.billing.lambda_increment_ms
        )
        for invocation in run.invocations
    )
    executions = run.calls["stepfunctions:StartExecution"]
    express = executions * billed_gb_seconds(
        run.execution_ms, prices.billing.express_memory_mb, prices.billing.express_increment_ms
    )
    web = channel == "web"
    return RequestUsage(
        lambda_invocations=len(run.invocations),
        lambda_gb_seconds=gb_seconds,
        express_executions=executions,
        express_gb_seconds=express,
        standard_transitions=sum(run.kinds.values()),
        write_units=sum(part.writes for part in run.dynamodb.values()) + counter_share,
        read_units=sum(part.reads for part in run.dynamodb.values()),
        http_api_requests=prices.assumed("http_api_requests_per_web_request") if web else 0.0,
        sqs_requests=0.0 if web else prices.assumed("sqs_requests_per_queued_message"),
        sns_publishes=0.0 if web else prices.assumed("sns_publishes_per_inbound_sms"),
        eventbridge_events=run.events_put,
        log_bytes=sum(run.log_bytes.values()),
        secrets_calls=run.calls["secretsmanager:GetSecretValue"],
        emails=run.calls["sesv2:SendEmail"],
        sms_segments=run.sms_segments,
    )


def _median_counter(counters: Sequence[Mapping[str, int]]) -> dict[str, float]:
    names = list(dict.fromkeys(name for counter in counters for name in counter))
    return {name: statistics.median(c.get(name, 0) for c in counters) for name in names}


def dynamodb_by_task(runs: Sequence[RequestRun]) -> dict[str, dict[str, Any]]:
    """Median DynamoDB units and calls per request of each function or task, in call order."""
    per_run: list[dict[str, Usage]] = []
    for run in runs:
        tasks: dict[str, Usage] = {}
        for name, part in run.dynamodb.items():
            tasks.setdefault(name.partition("/")[0], Usage()).add(part)
        per_run.append(tasks)
    names = list(dict.fromkeys(name for tasks in per_run for name in tasks))
    result = {}
    for name in names:
        parts = [tasks.get(name, Usage()) for tasks in per_run]
        result[name] = {
            "item_writes": statistics.median(part.item_writes for part in parts),
            "index_writes": statistics.median(part.index_writes for part in parts),
            "reads": statistics.median(part.reads for part in parts),
            "calls": _median_counter([part.calls for part in parts]),
        }
    return result


def summary(
    scenario: Scenario,
    runs: Sequence[RequestRun],
    usages: Sequence[RequestUsage],
    prices: PriceTable,
) -> dict[str, Any]:
    """The medians of a scenario's measured requests, and what a million like them cost."""
    usage = combine(usages, statistics.median)
    workflow = [[i for i in run.invocations if i.function == WORKFLOW_FUNCTION] for run in runs]
    return {
        "label": scenario.label,
        "short": scenario.short,
        "channel": scenario.channel,
        "theme_code": scenario.theme_code,
        "requests": len(runs),
        "systems": statistics.median(run.map_iterations for run in runs),
        "transitions": {
            "total": statistics.median(sum(run.kinds.values()) for run in runs),
            "by_kind": _median_counter([run.kinds for run in runs]),
            "by_state": _median_counter([run.states for run in runs]),
        },
        "lambda_invocations": {
            "workflow": statistics.median(len(w) for w in workflow),
            "scheduled_in_history": statistics.median(run.scheduled_tasks for run in runs),
            "total": statistics.median(len(run.invocations) for run in runs),
            "median_ms": statistics.median(i.ms for run in runs for i in run.invocations),
        },
        "execution_ms": statistics.median(run.execution_ms for run in runs),
        "execution_ms_runs": [round(run.execution_ms, 1) for run in runs],
        "backoffice_calls": statistics.median(run.backoffice_calls for run in runs),
        "backoffice_by_system": _median_counter([run.backoffice for run in runs]),
        "api_calls": _median_counter([run.calls for run in runs]),
        "dynamodb": dynamodb_by_task(runs),
        "log_bytes": _median_counter([run.log_bytes for run in runs]),
        "log_lines": _median_counter([run.log_lines for run in runs]),
        "usage": asdict(usage),
        "cost": bill(usage, prices),
    }


def task_durations(runs: Iterable[RequestRun]) -> dict[str, dict[str, float]]:
    """Invocations per request and median milliseconds of every function and task."""
    pooled: dict[str, list[float]] = {}
    requests = 0
    for run in runs:
        requests += 1
        for invocation in run.invocations:
            name = invocation.task or ROLES.get(invocation.function, invocation.function)
            pooled.setdefault(name, []).append(invocation.ms)
    return {
        name: {
            "per_request": round(len(values) / max(requests, 1), 2),
            "median_ms": round(statistics.median(values), 2),
        }
        for name, values in pooled.items()
    }


# ---------------------------------------------------------------------------- the section


@contextlib.contextmanager
def deployed(template: dict[str, Any], bucket: Bucket, read: Reader) -> Iterator[WorkflowBench]:
    """The template's workflow and functions under moto, with the demo back office."""
    from finestra.backoffice.registry import Registry
    from finestra_local.demo_backoffice import DemoBackOffice, demo_secrets

    stdout = io.StringIO()
    with contextlib.ExitStack() as stack:
        stack.enter_context(embedded_aws(template))
        stack.enter_context(mock_aws(config=INTERPRETER_CONFIG))
        secrets = boto3.client("secretsmanager", region_name=REGION)
        for name, value in demo_secrets(Registry.load(CONFIG)).items():
            secrets.create_secret(Name=name, SecretString=json.dumps(value))
        demo = DemoBackOffice(CONFIG)
        base_url = demo.start()
        stack.callback(demo.stop)
        lambdas = stack.enter_context(InProcessLambdas(template, ROOT))
        iam = boto3.client("iam", region_name=REGION)
        role = iam.create_role(RoleName="finestra-bench", AssumeRolePolicyDocument="{}")
        role_arn = role["Role"]["Arn"]
        arns = lambdas.create_functions(boto3.client("lambda", region_name=REGION), role_arn)
        sfn = boto3.client("stepfunctions", region_name=REGION)
        machine = create_state_machine(sfn, template, MACHINE, ROOT, arns, role_arn=role_arn)
        variables = {
            "FINESTRA_BACKOFFICE_BASE_URL": base_url,
            "FINESTRA_STATE_MACHINE_ARN": machine,
        }
        stack.enter_context(patch.dict(os.environ, variables))
        shapes = {name: table_shape(template, name) for name in TABLES}
        ledger = CallLedger(shapes, bucket, read)
        stack.enter_context(ledger.installed())
        # The functions' metric documents go to stdout, where Lambda sends them to the logs.
        stack.enter_context(contextlib.redirect_stdout(stdout))
        yield WorkflowBench(template, ledger, read, lambdas, demo, machine, stdout)


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def measure(
    template: dict[str, Any], bucket: Bucket, read: Reader, *, iterations: int
) -> dict[str, Any]:
    """Every scenario once unmeasured then ``iterations`` times, and the cache pairs."""
    from finestra.settings import FunctionSettings

    prices = load_prices()
    chosen = scenarios()
    by_key = {scenario.key: scenario for scenario in chosen}
    runs: dict[str, list[RequestRun]] = {}
    pairs: dict[str, list[tuple[RequestRun, RequestRun]]] = {}
    with deployed(template, bucket, read) as bench, _quiet_metrics():
        block = FunctionSettings().reference_block
        for scenario in chosen:
            _progress(f"  workflow {scenario.key} ...")
            measured = [bench.measure(scenario, i) for i in range(iterations + 1)]
            runs[scenario.key] = measured[1:]
        for pair in CACHE_PAIRS:
            _progress(f"  workflow {pair.key} ...")
            scenario = by_key[pair.scenario]
            pairs[pair.key] = [
                (
                    bench.measure(scenario, 900 + n),
                    bench.measure(scenario, 900 + n, attempt=1, moved=pair.moved),
                )
                for n in range(iterations)
            ]
        memory = dict(bench.memory_mb)
        counter = bench.counter
    updates = counter.calls.get("UpdateItem", 0)
    share = counter.item_writes / updates / block if updates else 0.0

    def usage(run: RequestRun, scenario: Scenario) -> RequestUsage:
        return usage_of(run, scenario.channel, prices, memory, share)

    summaries = {
        key: summary(by_key[key], measured, [usage(r, by_key[key]) for r in measured], prices)
        for key, measured in runs.items()
    }
    medians = [RequestUsage(**summaries[key]["usage"]) for key in summaries]
    return {
        "iterations": iterations,
        "prices": {
            "file": str(PRICES.relative_to(ROOT)),
            "as_of": prices.as_of.isoformat(),
            "region": prices.region,
            "sms_segment_usd": prices.prices["sms_segment"].each,
            "sms_segment_is_placeholder": prices.prices["sms_segment"].placeholder,
            "xray_trace_usd": prices.each("xray_trace_recorded"),
        },
        "lambda_memory_mb": memory,
        "reference_counter_write_units_per_request": share,
        "scenarios": summaries,
        "mean": {
            "label": "equal-weight mean of the six scenarios (not a measured mix)",
            "usage": asdict(combine(medians, statistics.fmean)),
            "cost": bill(combine(medians, statistics.fmean), prices),
        },
        "cache": {
            pair.key: _pair(pair, by_key[pair.scenario], pairs[pair.key], usage, prices)
            for pair in CACHE_PAIRS
        },
        "tasks": task_durations(run for measured in runs.values() for run in measured),
    }


def _pair(
    pair: CachePair,
    scenario: Scenario,
    requests: Sequence[tuple[RequestRun, RequestRun]],
    usage: Callable[[RequestRun, Scenario], RequestUsage],
    prices: PriceTable,
) -> dict[str, Any]:
    def side(runs: Sequence[RequestRun]) -> dict[str, Any]:
        lookups = [
            sum(part.reads for name, part in run.dynamodb.items() if name.startswith("lookup/"))
            for run in runs
        ]
        costs = [bill(usage(run, scenario), prices)["processing_usd"] for run in runs]
        return {
            "backoffice_calls": statistics.median(run.backoffice_calls for run in runs),
            "backoffice_by_system": _median_counter([run.backoffice for run in runs]),
            "lookup_read_units": statistics.median(lookups),
            "duplicate_found": sum(bool(run.duplicate_of) for run in runs),
            "processing_usd_per_million": statistics.median(costs),
        }

    return {
        "label": f"{scenario.label}: {pair.label}",
        "short": scenario.short,
        "moved": pair.moved,
        "pairs": len(requests),
        "systems": requests[0][0].map_iterations,
        "first": side([first for first, _ in requests]),
        "second": side([second for _, second in requests]),
    }


@contextlib.contextmanager
def _quiet_metrics() -> Iterator[None]:
    import warnings

    with warnings.catch_warnings():
        # Powertools warns once per process when an invocation adds no metric.
        warnings.filterwarnings("ignore", message="No application metrics to publish")
        yield
