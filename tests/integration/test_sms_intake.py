"""The SMS intake Lambda on End User Messaging's events, under moto."""

import copy
import json
from collections.abc import Callable
from types import ModuleType
from typing import Any

import boto3
import pytest

from tests.conftest import REGION, FakeLambdaContext, load_event


def run(handler: ModuleType, event: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = handler.lambda_handler(event, FakeLambdaContext())
    return result


def table_items(prefix: str) -> list[dict[str, Any]]:
    """Every item whose PK starts with ``prefix`` (a test may scan; the code may not)."""
    client = boto3.client("dynamodb", region_name=REGION)
    items = client.scan(TableName="FinestraTable")["Items"]
    return [i for i in items if i["PK"]["S"].startswith(prefix)]


@pytest.fixture
def sms(function: Callable[[str], ModuleType]) -> ModuleType:
    return function("sms_intake")


def test_a_new_number_opens_a_request_for_a_provisional_citizen(sms: ModuleType) -> None:
    result = run(sms, load_event("sms/new-request-ca.json"))

    assert result == {"batchItemFailures": []}
    requests = table_items("REQUEST#")
    assert len(requests) == 1
    request = requests[0]
    assert request["input_channel"]["S"] == "sms"
    assert request["response_channel"]["S"] == "sms"
    assert request["state"]["S"] == "pending_validation"
    assert request["responsible_group"]["S"] == "triage"
    assert len(table_items("CITIZEN#")) == 1
    assert len(table_items("CONTACT#phone#")) == 1


def test_the_contact_point_key_does_not_reveal_the_number(sms: ModuleType) -> None:
    run(sms, load_event("sms/new-request-ca.json"))

    client = boto3.client("dynamodb", region_name=REGION)
    dump = json.dumps(client.scan(TableName="FinestraTable")["Items"])
    assert "612345678" not in dump


def test_a_replayed_sms_creates_nothing_new(sms: ModuleType) -> None:
    event = load_event("sms/new-request-ca.json")

    run(sms, event)
    run(sms, copy.deepcopy(event))

    assert len(table_items("REQUEST#")) == 1
    assert len(table_items("CITIZEN#")) == 1
