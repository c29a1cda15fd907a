"""Fixtures shared by every test: the embedded AWS (moto), tables from the template."""

import importlib.util
import io
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any, Final

import boto3
import pytest
from moto import mock_aws

from finestra_local import botocore_models, moto_fixes
from finestra_local.lambdas import InProcessLambdas
from finestra_local.stepfunctions import INTERPRETER_CONFIG, create_state_machine
from tests.support.cfn import load_template, table_create_kwargs
from tests.support.workflow import Execution, run_execution

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"
CONFIG = ROOT / "infra" / "config"
REGION: Final = "eu-west-1"
CONTACT_SECRET = "finestra/contact-key"
CONTACT_KEY = "test-only-contact-point-key-0123456789abcdef0123456789abcdef"
SOCIAL_SECRET = "finestra/social-webhook"
SOCIAL_APP_SECRET = "test-app-secret"
SOCIAL_VERIFY_TOKEN = "test-verify-token"
INBOUND_BUCKET = "finestra-inbound-mail"
ATTACHMENTS_BUCKET = "finestra-attachments"
EVENT_BUS = "finestra-requests"
CITY_MAIL = "bustia@finestra.example.org"

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "Finestra",
        "POWERTOOLS_DEV": "false",
    }
)

moto_fixes.apply()
botocore_models.share()

ENVIRONMENT = {
    "FINESTRA_TABLE": "FinestraTable",
    "FINESTRA_IDEMPOTENCY_TABLE": "IdempotencyTable",
    "FINESTRA_CONFIG_DIR": str(CONFIG),
    "FINESTRA_CONTACT_KEY_SECRET": CONTACT_SECRET,
    "FINESTRA_CITY_CODE": "BCN",
    "FINESTRA_SMS_BACKEND": "sns",
    "FINESTRA_SMS_ORIGINATION": "BCNCITY",
    "FINESTRA_INBOUND_MAIL_BUCKET": INBOUND_BUCKET,
    "FINESTRA_ATTACHMENTS_BUCKET": ATTACHMENTS_BUCKET,
    "FINESTRA_SOCIAL_SECRET": SOCIAL_SECRET,
    "FINESTRA_EVENT_BUS": EVENT_BUS,
    "FINESTRA_MAIL_FROM": CITY_MAIL,
    "FINESTRA_TRACKING_URL": "https://finestra.example.org/t",
}


@dataclass
class FakeLambdaContext:
    """The context object the Lambda runtime passes to a handler."""

    function_name: str = "finestra-test"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:123456789012:function:finestra-test"
    aws_request_id: str = "5f0c7a4e-6c5b-4a7e-9d3e-1f2a3b4c5d6e"
    log_group_name: str = "/aws/lambda/finestra-test"
    log_stream_name: str = "2026/03/14/[$LATEST]abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 3, 14, 19, 41, 8, tzinfo=UTC))


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    return load_template(ROOT / "template.yaml")


@pytest.fixture
def aws(template: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Moto with the tables, secrets and buckets of the template, and their settings."""
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    with mock_aws(config=INTERPRETER_CONFIG):
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        for logical_id in ("FinestraTable", "IdempotencyTable"):
            dynamodb.create_table(**table_create_kwargs(template, logical_id))
        secrets = boto3.client("secretsmanager", region_name=REGION)
        secrets.create_secret(
            Name=CONTACT_SECRET, SecretString="k" * 16 + "-local-test-key-" + "y" * 32
        )
        secrets.create_secret(
            Name=SOCIAL_SECRET,
            SecretString=json.dumps(
                {"app_secret": SOCIAL_APP_SECRET, "verify_token": SOCIAL_VERIFY_TOKEN}
            ),
        )
        boto3.client("events", region_name=REGION).create_event_bus(Name=EVENT_BUS)
        boto3.client("sesv2", region_name=REGION).create_email_identity(
            EmailIdentity="finestra.example.org"
        )
        s3 = boto3.client("s3", region_name=REGION)
        for bucket in (INBOUND_BUCKET, ATTACHMENTS_BUCKET):
            s3.create_bucket(
                Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
            )
        yield


def load_event(relative: str) -> Any:
    """An event file of ``events/``."""
    return json.loads((EVENTS / relative).read_text(encoding="utf-8"))


def load_function(name: str) -> ModuleType:
    """Import ``functions/<name>``'s handler module afresh, under a name of its own."""
    folder = ROOT / "functions" / name
    path = folder / "handler.py" if (folder / "handler.py").exists() else folder / "app.py"
    module_name = f"finestra_function_{name}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def log_stream() -> io.StringIO:
    """Where the handlers' loggers write during one test."""
    return io.StringIO()


@pytest.fixture
def function(aws: None, log_stream: io.StringIO) -> Callable[[str], ModuleType]:
    """A loader of handler modules whose lazily built apps see this test's moto."""

    def load(name: str) -> ModuleType:
        module = load_function(name)
        # Powertools keeps one stdlib logger per service across imports: point its
        # handler at this test's stream.
        for handler in logging.getLogger(module.obs.logger.service).handlers:
            if isinstance(handler, logging.StreamHandler):
                handler.stream = log_stream
        return module

    return load


@pytest.fixture
def logs(
    capsys: pytest.CaptureFixture[str], log_stream: io.StringIO
) -> Callable[[], list[dict[str, Any]]]:
    """The JSON log lines and the metric documents (EMF, on stdout) written so far."""
    metrics: list[dict[str, Any]] = []

    def read() -> list[dict[str, Any]]:
        out = capsys.readouterr().out
        metrics.extend(json.loads(line) for line in out.splitlines() if line.startswith("{"))
        lines = log_stream.getvalue().splitlines()
        return [json.loads(line) for line in lines if line.startswith("{")] + metrics

    return read


class Seeder:
    """Puts citizens and requests in the table through the project's own stores."""

    def __init__(self, clock: Clock) -> None:
        from finestra.runtime import IntakeRuntime
        from finestra.settings import FunctionSettings

        self.runtime = IntakeRuntime(FunctionSettings(), clock=clock)
        self.clock = clock

    def citizen(
        self,
        *,
        phone: str | None = None,
        email: str | None = None,
        verified: bool = False,
        given_name: str = "Núria",
        language: str = "ca",
    ) -> str:
        from finestra.domain.citizen import Citizen, ContactPoint
        from finestra.domain.ids import new_id
        from finestra.domain.vocabulary import ContactKind
        from finestra.storage.citizens import CitizenStore

        points = []
        if phone:
            points.append(ContactPoint(kind=ContactKind.PHONE, value=phone, verified=verified))
        if email:
            points.append(ContactPoint(kind=ContactKind.EMAIL, value=email, verified=verified))
        now = self.clock()
        citizen = Citizen(
            id=new_id("cit"),
            given_name=given_name,
            family_names="Ferrer Puig",
            language=language,
            contact_points=points,
            created_at=now,
            updated_at=now,
        )
        store = CitizenStore(self.runtime.table, self.runtime.vault)
        self.runtime.table.transact(store.creation(citizen))
        return citizen.id

    def request(
        self,
        citizen_id: str | None,
        *,
        reference: str = "BCN-2026-000123",
        state: str = "pending_answer",
        theme_code: str = "roads.pothole",
        token: str = "trk_4Qv8Zp2LmX7sN3wR9cK1",
        channel: str = "email",
    ) -> str:
        from finestra.domain.ids import new_id
        from finestra.domain.request import Interaction, Request
        from finestra.intake.service import hash_token
        from finestra.storage.requests import RequestStore

        now = self.clock()
        theme = self.runtime.catalogue.theme(theme_code)
        origin = Interaction(
            id=new_id("int"),
            at=now,
            kind="inbound_message",
            channel=channel,
            actor=f"citizen:{citizen_id}",
            provider_message_id=new_id("msg"),
            text="Hi ha un forat a la calçada del carrer de Balmes.",
        )
        request = Request(
            reference=reference,
            request_type=theme.request_types[0],
            theme_code=theme_code,
            description=origin.text or "",
            input_channel=channel,
            response_channel="email",
            language="ca",
            state=state,
            responsible_group=theme.responsible_group,
            created_at=now,
            updated_at=now,
            citizen_id=citizen_id,
            origin=origin,
            tracking_token_hash=hash_token(token),
        )
        RequestStore(self.runtime.table, shards=4).save(
            RequestStore(self.runtime.table, shards=4).creation(request)
        )
        return reference


@pytest.fixture
def seed(aws: None, clock: Clock) -> Seeder:
    return Seeder(clock)


@pytest.fixture
def backoffice(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The demo back-office systems on a free local port, their credentials in moto."""
    from finestra.backoffice.registry import Registry
    from finestra_local.demo_backoffice import DemoBackOffice, demo_secrets

    registry = Registry.load(CONFIG)
    secrets = boto3.client("secretsmanager", region_name=REGION)
    for name, value in demo_secrets(registry).items():
        secrets.create_secret(Name=name, SecretString=json.dumps(value))
    demo = DemoBackOffice(CONFIG)
    monkeypatch.setenv("FINESTRA_BACKOFFICE_BASE_URL", demo.start())
    try:
        yield demo
    finally:
        demo.stop()


@dataclass
class Deployed:
    """The workflow and what it needs, created from the template under moto."""

    machine_arn: str
    sfn: Any
    demo: Any

    def run(self, reference: str, deadline_s: float = 60) -> "Execution":
        return run_execution(
            self.sfn,
            self.machine_arn,
            {"reference": reference},
            name=reference,
            deadline_s=deadline_s,
        )


@pytest.fixture
def deployed(
    backoffice: Any, template: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Deployed]:
    with InProcessLambdas(template, ROOT, concurrency=24) as lambdas:
        iam = boto3.client("iam", region_name=REGION)
        role = iam.create_role(RoleName="finestra-local", AssumeRolePolicyDocument="{}")
        role_arn = role["Role"]["Arn"]
        arns = lambdas.create_functions(boto3.client("lambda", region_name=REGION), role_arn)
        sfn = boto3.client("stepfunctions", region_name=REGION)
        machine = create_state_machine(
            sfn, template, "RequestWorkflow", ROOT, arns, role_arn=role_arn
        )
        monkeypatch.setenv("FINESTRA_STATE_MACHINE_ARN", machine)
        yield Deployed(machine_arn=machine, sfn=sfn, demo=backoffice)
