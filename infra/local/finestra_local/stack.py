"""The local stack: moto in server mode holding every resource of ``template.yaml``.

:class:`Stack` starts moto's server on 127.0.0.1 with its Step Functions interpreter,
routes every Lambda invocation to the project's handlers in this process, creates the
template's resources (:mod:`finestra_local.resources`), sets the functions' environment,
and runs the functions' triggers.

Moto's own event source mappings are not used. Moto invokes a mapped function inside
the request that sent the message or wrote the item, one SQS message per invocation,
with fixed attributes, ignoring ``ReportBatchItemFailures`` and ``FilterCriteria``, and
it empties the table's stream shard once the function answers, so a stream reader sees
nothing. Instead one poller thread per trigger reads the queue or the stream with boto3
and invokes the function with the event AWS sends, as Lambda's pollers do. Moto never
fires schedules either, so a timer thread invokes a scheduled function at its rate.

Known gaps: stream batches are not bisected on error (``BisectBatchOnFunctionError``)
and ``MaximumBatchingWindowInSeconds`` is not waited for; schedules take ``rate(...)``
expressions only.
"""

from __future__ import annotations

import base64
import json
import os
import re
import socket
import threading
import time
import urllib.request
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Final

import boto3
from aws_lambda_powertools.utilities.parameters import constants as powertools_parameters
from botocore.config import Config
from moto.moto_server.threaded_moto_server import ThreadedMotoServer

from finestra.backoffice.registry import Registry
from finestra_local import botocore_models, moto_fixes
from finestra_local.cognito import (
    DESKTOP_CLIENT,
    STAFF_POOL,
    JwtVerifier,
    StaffSignIn,
    authorizers_of,
    verify_srp_passwords,
)
from finestra_local.demo_backoffice import DemoBackOffice, demo_secrets
from finestra_local.lambdas import InProcessLambdas, TemplateError
from finestra_local.resources import (
    ACCOUNT_ID,
    REGION,
    Resources,
    Trigger,
    function_environment,
    load_template,
)
from finestra_local.staff import DEMO_STAFF, create_staff
from finestra_local.stepfunctions import INTERPRETER_CONFIG, create_state_machine

__all__ = ["HOST", "ROOT", "Stack"]

HOST: Final = "127.0.0.1"
ROOT: Final = Path(__file__).resolve().parents[3]
THREAD_PREFIX: Final = "finestra-local"
_ROLE: Final = "finestra-local-execution"
_POLL_WAIT_S: Final = 1
_RETRY_WAIT_S: Final = 1.0
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_UNIT_S: Final = {"minute": 60, "hour": 3600, "day": 86400}
_ASSUME_ROLE: Final = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": ["lambda.amazonaws.com", "states.amazonaws.com"]},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def free_port() -> int:
    """A TCP port nobody listens on at the moment."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


class _Invoker:
    """Invokes one function through moto, synchronously, as a Lambda poller does."""

    def __init__(self, clients: Callable[..., Any], function: str, timeout_s: int) -> None:
        config = Config(read_timeout=timeout_s + 30, retries={"total_max_attempts": 1})
        self._client = clients("lambda", config=config)
        self.clients = clients
        self.function = function

    def __call__(self, event: Mapping[str, Any]) -> tuple[bool, Any]:
        """Invoke; answer whether the function errored and what it returned."""
        response = self._client.invoke(FunctionName=self.function, Payload=json.dumps(event))
        payload = response["Payload"].read()
        result = json.loads(payload) if payload else None
        return "FunctionError" in response, result


def _failed_ids(errored: bool, result: Any, partial: bool) -> set[str] | None:
    """The item ids to retry, ``None`` when the whole batch failed, empty when none."""
    if errored:
        return None
    if not partial or not isinstance(result, dict):
        return set()
    failures = result.get("batchItemFailures") or []
    ids = {str(item.get("itemIdentifier") or "") for item in failures}
    # Lambda treats an empty or missing identifier as the whole batch failing.
    return None if "" in ids else ids


class _Worker(ABC):
    """One thread of the stack, stopped through the stack's stop event."""

    def __init__(self, name: str, stopping: threading.Event) -> None:
        self.stopping = stopping
        self.thread = threading.Thread(target=self._loop, name=f"{THREAD_PREFIX}-{name}")

    def _loop(self) -> None:
        while not self.stopping.is_set():
            self.step()

    @abstractmethod
    def step(self) -> None:
        """One round of the worker's loop: a poll, or a wait for the next tick."""


class _SqsPoller(_Worker):
    """Lambda's SQS poller: a batch per invocation, deleted on success."""

    def __init__(self, trigger: Trigger, url: str, invoke: _Invoker, **kwargs: Any) -> None:
        super().__init__(f"{trigger.function}-{trigger.name}", **kwargs)
        self._sqs = invoke.clients("sqs")
        self._url = url
        self._arn = str(trigger.properties["Queue"])
        self._batch = min(int(trigger.properties.get("BatchSize", 10)), 10)
        types = trigger.properties.get("FunctionResponseTypes", [])
        self._partial = "ReportBatchItemFailures" in types
        self._invoke = invoke

    def step(self) -> None:
        messages = self._sqs.receive_message(
            QueueUrl=self._url,
            MaxNumberOfMessages=self._batch,
            WaitTimeSeconds=_POLL_WAIT_S,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return
        errored, result = self._invoke({"Records": [self._record(m) for m in messages]})
        failed = _failed_ids(errored, result, self._partial)
        if failed is None:
            return
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self._sqs.delete_message_batch(
                QueueUrl=self._url,
                Entries=[
                    {"Id": str(index), "ReceiptHandle": m["ReceiptHandle"]}
                    for index, m in enumerate(done)
                ],
            )

    def _record(self, message: Mapping[str, Any]) -> dict[str, Any]:
        attributes = {
            name: {
                "stringValue": value.get("StringValue"),
                "binaryValue": base64.b64encode(value["BinaryValue"]).decode()
                if "BinaryValue" in value
                else None,
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": value["DataType"],
            }
            for name, value in message.get("MessageAttributes", {}).items()
        }
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": dict(message.get("Attributes", {})),
            "messageAttributes": attributes,
            "md5OfBody": message["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": self._arn,
            "awsRegion": REGION,
        }


def _plain(value: Any) -> Any:
    """A stream record as JSON: timestamps in epoch seconds, binary values in base64."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, datetime):
        return int(value.timestamp())
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


def _check_pattern(pattern: Any) -> None:
    """Only exact-value patterns are matched locally; anything else stops the start-up."""
    if isinstance(pattern, dict):
        for item in pattern.values():
            _check_pattern(item)
    elif isinstance(pattern, list):
        if any(isinstance(item, dict | list) for item in pattern):
            raise TemplateError("only exact-value FilterCriteria patterns run locally")
    else:
        raise TemplateError("a FilterCriteria pattern holds objects and lists only")


def _matches(pattern: Any, value: Any) -> bool:
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(
            key in value and _matches(item, value[key]) for key, item in pattern.items()
        )
    return value in pattern


class _StreamPoller(_Worker):
    """Lambda's DynamoDB stream poller: filters, batches, retries, then gives up a batch."""

    def __init__(self, trigger: Trigger, invoke: _Invoker, **kwargs: Any) -> None:
        super().__init__(f"{trigger.function}-{trigger.name}", **kwargs)
        properties = trigger.properties
        self._streams = invoke.clients("dynamodbstreams")
        self._sqs = invoke.clients("sqs")
        self._arn = str(properties["Stream"])
        self._batch = int(properties.get("BatchSize", 100))
        self._partial = "ReportBatchItemFailures" in properties.get("FunctionResponseTypes", [])
        self._retries = int(properties.get("MaximumRetryAttempts", -1))
        failure = properties.get("DestinationConfig", {}).get("OnFailure", {})
        self._on_failure: str | None = failure.get("Destination")
        filters = properties.get("FilterCriteria", {}).get("Filters", [])
        self._patterns = [json.loads(item["Pattern"]) for item in filters]
        for pattern in self._patterns:
            _check_pattern(pattern)
        self._invoke = invoke
        self._pending: list[dict[str, Any]] = []
        self._attempts = 0
        shard = self._streams.describe_stream(StreamArn=self._arn)["StreamDescription"]["Shards"][0]
        self._iterator = self._streams.get_shard_iterator(
            StreamArn=self._arn,
            ShardId=shard["ShardId"],
            ShardIteratorType=properties.get("StartingPosition", "LATEST"),
        )["ShardIterator"]

    def _wanted(self, record: Mapping[str, Any]) -> bool:
        return not self._patterns or any(_matches(p, record) for p in self._patterns)

    def step(self) -> None:
        if not self._pending:
            page = self._streams.get_records(ShardIterator=self._iterator, Limit=self._batch)
            self._iterator = page["NextShardIterator"]
            records = [{**_plain(r), "eventSourceARN": self._arn} for r in page["Records"]]
            self._pending = [r for r in records if self._wanted(r)]
            if not self._pending:
                self.stopping.wait(0.5)
                return
        batch = self._pending[: self._batch]
        errored, result = self._invoke({"Records": batch})
        failed = _failed_ids(errored, result, self._partial)
        if failed == set():
            self._pending = self._pending[len(batch) :]
            self._attempts = 0
            return
        self._attempts += 1
        if 0 <= self._retries < self._attempts:
            self._give_up(batch)
            return
        numbers = [r["dynamodb"]["SequenceNumber"] for r in batch]
        start = 0 if failed is None else min(numbers.index(n) for n in failed if n in numbers)
        self._pending = self._pending[start:]
        self.stopping.wait(_RETRY_WAIT_S)

    def _give_up(self, batch: Sequence[Mapping[str, Any]]) -> None:
        """Record the batch on the on-failure destination, as Lambda does, and go on."""
        if self._on_failure is not None:
            url = self._sqs.get_queue_url(QueueName=self._on_failure.rsplit(":", 1)[1])
            numbers = [r["dynamodb"]["SequenceNumber"] for r in batch]
            body = {
                "requestContext": {
                    "functionArn": self._invoke.function,
                    "condition": "RetryAttemptsExhausted",
                    "approximateInvokeCount": self._attempts,
                },
                "DDBStreamBatchInfo": {
                    "streamArn": self._arn,
                    "batchSize": len(batch),
                    "startSequenceNumber": numbers[0],
                    "endSequenceNumber": numbers[-1],
                },
            }
            self._sqs.send_message(QueueUrl=url["QueueUrl"], MessageBody=json.dumps(body))
        self._pending = self._pending[len(batch) :]
        self._attempts = 0


class _Timer(_Worker):
    """EventBridge Scheduler's ``rate(...)`` schedule, which moto never fires."""

    def __init__(self, trigger: Trigger, invoke: _Invoker, **kwargs: Any) -> None:
        super().__init__(f"{trigger.function}-{trigger.name}", **kwargs)
        expression = str(trigger.properties.get("ScheduleExpression", ""))
        match = _RATE.match(expression)
        if match is None:
            raise TemplateError(f"{trigger.function}.{trigger.name}: only rate() runs locally")
        self.interval_s = int(match.group(1)) * _UNIT_S[match.group(2).rstrip("s")]
        retry = trigger.properties.get("RetryPolicy", {})
        self._retries = int(retry.get("MaximumRetryAttempts", 0))
        text = trigger.properties.get("Input")
        self._event = json.loads(text) if isinstance(text, str) else {}
        self._invoke = invoke

    def step(self) -> None:
        if self.stopping.wait(self.interval_s):
            return
        for _ in range(self._retries + 1):
            errored, _result = self._invoke(self._event)
            if not errored or self.stopping.wait(_RETRY_WAIT_S):
                return


def _reachable(url: str) -> str:
    """``ok`` when ``url`` answers 2xx within two seconds, else what went wrong."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
            response.read()
            return "ok" if 200 <= response.status < 300 else f"answered {response.status}"
    except OSError as exc:
        return f"unreachable ({type(exc).__name__})"


def _forget_clients() -> None:
    """Drop the clients Powertools keeps per process, built for another endpoint."""
    powertools_parameters.DEFAULT_PROVIDERS.clear()


class Stack:
    """Finestra on 127.0.0.1: moto, the template's resources and their triggers.

    Parameters
    ----------
    root : Path, optional
        The repository, holding ``template.yaml``.
    port : int, optional
        Moto's port; ``MOTO_PORT`` when set, or a free port.
    out : IO[str], optional
        Where the start-up announcement goes; nowhere when ``None``.
    seed : callable, optional
        Called with the stack once its resources exist and before its triggers run,
        to fill it (the demo city) without starting a workflow per seeded item.
    public_url : str, optional
        Where the gateway serves the desktop and the citizen API: the origin of the
        links the functions put in messages (survey and unsubscribe pages), which in
        AWS is the desktop's distribution.

    Examples
    --------
    >>> with Stack(out=sys.stdout) as stack:  # doctest: +SKIP
    ...     boto3.client("sns", endpoint_url=stack.endpoint).publish(...)
    """

    def __init__(
        self,
        root: Path = ROOT,
        *,
        port: int | None = None,
        out: IO[str] | None = None,
        seed: Callable[[Stack], None] | None = None,
        public_url: str | None = None,
    ) -> None:
        self.root = root
        self._seed = seed
        self.public_url = public_url
        env_port = os.environ.get("MOTO_PORT")
        self.port = port or (int(env_port) if env_port else free_port())
        self.endpoint = f"http://{HOST}:{self.port}"
        self.template = load_template(root / "template.yaml")
        self.resources = Resources(self.template, self.client)
        self.environment: dict[str, str] = {}
        self.conflicts: dict[str, list[str]] = {}
        self._out = out
        self._saved: dict[str, str | None] = {}
        self._stopping = threading.Event()
        self._workers: list[_Worker] = []
        self._server: ThreadedMotoServer | None = None
        self._lambdas = InProcessLambdas(self.template, root)
        self.config_dir = root / "infra" / "config"
        self.backoffice = DemoBackOffice(self.config_dir)

    def __enter__(self) -> Stack:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def client(self, service: str, config: Config | None = None) -> Any:
        """A boto3 client of ``service`` talking to this stack's moto."""
        return boto3.session.Session().client(
            service,  # type: ignore[call-overload]
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",  # noqa: S106 - moto's fake credentials
            config=config,
        )

    def start(self) -> Stack:
        """Start moto, create the resources, start the triggers; stop all on failure."""
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        self._announce()
        return self

    def _start(self) -> None:
        moto_fixes.apply()
        botocore_models.share()
        verify_srp_passwords()
        self._set_environment(
            {
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_SESSION_TOKEN": "testing",
                "AWS_DEFAULT_REGION": REGION,
                "AWS_REGION": REGION,
                "AWS_ENDPOINT_URL": self.endpoint,
                "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
                "MOTO_PORT": str(self.port),
                "POWERTOOLS_TRACE_DISABLED": "true",
            }
        )
        # Moto's server thread dies silently on a taken port and its start() never returns.
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((HOST, self.port))
            except OSError as exc:
                raise RuntimeError(f"port {self.port} on {HOST} is already in use") from exc
        self._server = ThreadedMotoServer(ip_address=HOST, port=self.port, verbose=False)
        self._server.start()
        self._post("/moto-api/reset", {})
        self._post("/moto-api/config", dict(INTERPRETER_CONFIG))
        self._lambdas.install()
        self._create()
        create_staff(self.client, self.user_pool_id)
        self._start_backoffice()
        self.environment, self.conflicts = function_environment(self.resources)
        self.environment["FINESTRA_CONFIG_DIR"] = str(self.config_dir)
        self.environment["FINESTRA_SMS_BACKEND"] = "sns"
        self.environment["FINESTRA_SENTIMENT_SCORER"] = "lexicon"
        self.environment["FINESTRA_BACKOFFICE_BASE_URL"] = self.backoffice.base_url
        if self.public_url is not None:
            self.environment["FINESTRA_DESKTOP_ORIGIN"] = self.public_url
            self.environment["FINESTRA_PUBLIC_API_URL"] = self.public_url
        self._verify_senders()
        self._set_environment(self.environment)
        # Before the triggers: the stream pollers start at LATEST and skip what is seeded.
        if self._seed is not None:
            self._seed(self)
        for trigger in self.resources.triggers:
            self._workers.append(self._worker(trigger))
        for worker in self._workers:
            worker.thread.start()

    def _post(self, path: str, body: Mapping[str, Any]) -> None:
        request = urllib.request.Request(  # noqa: S310 - the local moto server
            self.endpoint + path, data=json.dumps(body).encode(), method="POST"
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            response.read()

    def _create(self) -> None:
        resources = self.resources
        first, subscriptions, _functions, machines = resources.plan()
        for logical_id in (*first, *subscriptions):
            resources.create(logical_id)
        role = self.client("iam").create_role(
            RoleName=_ROLE, AssumeRolePolicyDocument=_ASSUME_ROLE
        )["Role"]["Arn"]
        arns = self._lambdas.create_functions(self.client("lambda"), role)
        resources.functions_created(arns)
        for logical_id in machines:
            arn = create_state_machine(
                self.client("stepfunctions"),
                self.template,
                logical_id,
                self.root,
                resources.arns(),
                role_arn=role,
            )
            resources.record(logical_id, arn, Arn=arn, Name=logical_id)

    @property
    def user_pool_id(self) -> str:
        """The staff user pool's id, once the stack has started."""
        return self.resources.resolver.ref(STAFF_POOL)

    @property
    def client_id(self) -> str:
        """The desktop app client's id, once the stack has started."""
        return self.resources.resolver.ref(DESKTOP_CLIENT)

    @property
    def staff_sign_in(self) -> StaffSignIn:
        """The staff pool as the desktop reaches it, for the gateway."""
        writable = self.resources.properties(DESKTOP_CLIENT).get("WriteAttributes", [])
        return StaffSignIn(
            self.endpoint, REGION, self.user_pool_id, self.client_id, frozenset(writable)
        )

    def authorizers(self) -> dict[str, JwtVerifier]:
        """The template's JWT authorizers, checking tokens against this stack's pools."""
        return authorizers_of(self.template, self.resources.resolver.resolve, self.endpoint)

    def _start_backoffice(self) -> None:
        """Start the demo back office and keep its credentials where operators put them.

        In AWS each system's secret is created by the city's operators, outside the
        template; here the demo's tokens are stored under the registry's secret names.
        """
        secrets = self.client("secretsmanager")
        for name, value in demo_secrets(Registry.load(self.config_dir)).items():
            secrets.create_secret(Name=name, SecretString=json.dumps(value))
        self.backoffice.start()

    def _verify_senders(self) -> None:
        """Verify the domains the city sends mail from, as operators do in SES once."""
        domains = {
            value.rpartition("@")[2]
            for name, value in self.environment.items()
            if name == "FINESTRA_MAIL_FROM" and "@" in value
        }
        for domain in sorted(domains):
            self.client("sesv2").create_email_identity(EmailIdentity=domain)

    def _worker(self, trigger: Trigger) -> _Worker:
        timeout = self._lambdas.functions[trigger.function].timeout_s
        invoke = _Invoker(self.client, trigger.function, timeout)
        if trigger.kind == "SQS":
            url = self.client("sqs").get_queue_url(
                QueueName=str(trigger.properties["Queue"]).rsplit(":", 1)[1]
            )["QueueUrl"]
            return _SqsPoller(trigger, url, invoke, stopping=self._stopping)
        if trigger.kind == "DynamoDB":
            return _StreamPoller(trigger, invoke, stopping=self._stopping)
        if trigger.kind in ("Schedule", "ScheduleV2"):
            return _Timer(trigger, invoke, stopping=self._stopping)
        raise TemplateError(f"{trigger.function}.{trigger.name}: {trigger.kind} cannot run locally")

    def _set_environment(self, values: Mapping[str, str]) -> None:
        for name, value in values.items():
            self._saved.setdefault(name, os.environ.get(name))
            os.environ[name] = value
        _forget_clients()

    def stop(self) -> None:
        """Stop the triggers and moto, and give the process its environment back."""
        self._stopping.set()
        for worker in self._workers:
            if worker.thread.is_alive():
                worker.thread.join()
        self._workers.clear()
        self.backoffice.stop()
        if self._server is not None:
            self._server.stop()
            self._server = None
        self._lambdas.uninstall()
        for name, value in self._saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved.clear()
        _forget_clients()

    def _announce(self) -> None:
        if self._out is None:
            return
        lines = [
            f"moto (account {ACCOUNT_ID}, {REGION}) on {self.endpoint}",
            f"demo back office (16 systems) on {self.backoffice.base_url}",
            "created:",
        ]
        lines += [f"  {kind:<32} {name}" for name, kind in sorted(self.resources.created.items())]
        lines.append("triggers run locally:")
        lines += [f"  {w.thread.name.removeprefix(THREAD_PREFIX + '-')}" for w in self._workers]
        lines.append("demo staff (user name, password, roles, districts, groups):")
        lines += [
            f"  {m.username:<16} {m.password:<22} {','.join(m.roles):<18} "
            f"{','.join(m.districts):<5} {','.join(m.groups) or '-'}"
            for m in DEMO_STAFF
        ]
        lines.append("skipped (no local meaning):")
        lines += [f"  {name}: {why}" for name, why in sorted(self.resources.skipped.items())]
        if self.conflicts:
            lines.append("variables the functions disagree on, left unset:")
            lines += [f"  {name}: {', '.join(v)}" for name, v in sorted(self.conflicts.items())]
        print("\n".join(lines), file=self._out, flush=True)

    def health(self) -> dict[str, str]:
        """The state of each part: ``ok``, or what is wrong with it."""
        state = {"aws": _reachable(self.endpoint + "/moto-api/config")}
        try:
            state["backoffice"] = _reachable(self.backoffice.base_url + "/_calls")
        except RuntimeError:
            state["backoffice"] = "not running"
        for worker in self._workers:
            name = worker.thread.name.removeprefix(THREAD_PREFIX + "-")
            state[f"trigger:{name}"] = "ok" if worker.thread.is_alive() else "stopped"
        return state

    def request_stop(self) -> None:
        """Make :meth:`wait` return; safe to call from a signal handler."""
        self._stopping.set()

    def wait(self, deadline_s: float | None = None) -> None:
        """Block until :meth:`stop` is called or ``deadline_s`` has passed."""
        started = time.monotonic()
        while not self._stopping.wait(0.5):
            if deadline_s is not None and time.monotonic() - started > deadline_s:
                return
