"""``events/digest/`` replayed through the digest function, under moto.

The template invokes ``DigestFunction`` from an EventBridge Scheduler schedule
(``ScheduleV2``, so ``AWS::Scheduler::Schedule``) that sets no ``Input``: the function
receives Scheduler's default notification, whose ``detail`` is the string ``"{}"``.
The city here has one subscribed group with one request waiting for validation.
"""

import json
import shutil
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from moto.backends import get_backend

from finestra.apps.digest import DigestApp, DigestSettings
from finestra.domain.vocabulary import RequestState
from tests.conftest import CONFIG, REGION, Clock, FakeLambdaContext, load_event
from tests.integration.test_digest import store
from tests.support.aws import ACCOUNT, table_items

SCENARIO = "scheduled-morning"


def scenario() -> dict[str, Any]:
    data: dict[str, Any] = load_event(f"digest/{SCENARIO}.json")
    return data


def expected() -> dict[str, Any]:
    data: dict[str, Any] = load_event(f"digest/{SCENARIO}.expected.json")
    return data


def sent_email() -> list[Any]:
    return list(get_backend("ses")[ACCOUNT][REGION].sent_messages)


@pytest.fixture
def clock() -> Clock:
    fired = EventBridgeModel.model_validate(scenario()).time
    return Clock(fired + timedelta(seconds=3))


@pytest.fixture
def config(aws: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The city's configuration with one digest subscription: the sidecar's group."""
    folder = tmp_path / "config"
    shutil.copytree(CONFIG, folder)
    given = expected()["given"]
    subscription = {"group": given["group"], "to": [given["to"]], "languages": ["ca"]}
    (folder / "digests.json").write_text(json.dumps({"digests": [subscription]}))
    monkeypatch.setenv("FINESTRA_CONFIG_DIR", str(folder))
    return folder


@pytest.fixture
def digest(
    config: Path,
    function: Callable[[str], ModuleType],
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> ModuleType:
    module = function("digest")
    runtime = DigestApp(DigestSettings(), clock=clock)
    monkeypatch.setattr(module.app, "get", lambda: runtime)
    store(
        runtime.runtime.table,
        runtime.runtime.catalogue,
        501,
        state=RequestState.PENDING_VALIDATION,
        now=clock.now,
    )
    return module


def test_the_event_is_scheduler_s_default_notification_for_the_template_s_schedule(
    template: dict[str, Any],
) -> None:
    event = EventBridgeModel.model_validate(scenario())
    function = template["Resources"]["DigestFunction"]
    [(name, source)] = function["Properties"]["Events"].items()

    assert source["Type"] == "ScheduleV2"
    assert "Input" not in source["Properties"]
    assert scenario()["detail"] == "{}"
    assert event.detail == {}
    assert (event.source, event.detail_type) == ("aws.scheduler", "Scheduled Event")
    assert (event.account, event.region) == (ACCOUNT, REGION)
    schedule = f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/default/DigestFunction{name}"
    assert event.resources == [schedule]
    assert event.time.year == 2026


def test_replaying_the_event_sends_the_group_one_digest_and_a_second_replay_none(
    digest: ModuleType, clock: Clock
) -> None:
    want = expected()

    first = digest.lambda_handler(scenario(), FakeLambdaContext())

    assert first == want["returns"]
    [mail] = sent_email()
    assert mail.destinations["ToAddresses"] == [want["given"]["to"]]
    assert f"Pendents de validar: {want['given']['pending_validation']}\n" in mail.body
    clock.advance(minutes=15)

    again = digest.lambda_handler(scenario(), FakeLambdaContext())

    assert again == want["returns_on_replay"]
    assert len(sent_email()) == 1
    day = datetime.fromisoformat(scenario()["time"]).date().isoformat()
    claims = table_items(f"DIGEST#{want['given']['group']}")
    assert [(c["SK"], c["status"]) for c in claims] == [(f"DAY#{day}", "sent")]
