"""The request workflow as deployed: the template's ASL run by moto's interpreter,
its Lambda tasks running the project's handlers in-process."""

import json
from collections.abc import Callable
from types import ModuleType
from typing import Any

import boto3
import pytest

from tests.conftest import REGION, ROOT, Deployed, FakeLambdaContext, load_event
from tests.support.aws import sent_sms, table_items


def sms_event(text: str, number: str, message_id: str) -> dict[str, Any]:
    event: dict[str, Any] = load_event("sms/new-request-ca.json")
    body = json.loads(event["Records"][0]["body"])
    inbound = json.loads(body["Message"])
    inbound.update(messageBody=text, originationNumber=number, inboundMessageId=message_id)
    body["Message"] = json.dumps(inbound)
    event["Records"][0]["body"] = json.dumps(body)
    return event


@pytest.fixture
def send_sms(function: Callable[[str], ModuleType]) -> Callable[..., str]:
    sms = function("sms_intake")
    count = iter(range(1, 10_000))

    def send(text: str, number: str = "+34612345678") -> str:
        before = {r["reference"] for r in requests()}
        sms.lambda_handler(sms_event(text, number, f"sms-{next(count):05d}"), FakeLambdaContext())
        [reference] = {r["reference"] for r in requests()} - before
        return str(reference)

    return send


def requests() -> list[dict[str, Any]]:
    return [i for i in table_items("REQUEST#") if i["type"] == "request"]


def request(reference: str) -> dict[str, Any]:
    [item] = [i for i in table_items(f"REQUEST#{reference}") if i["type"] == "request"]
    return item


def web_request(function: Callable[[str], ModuleType], key: str, **changes: Any) -> str:
    event = load_event("web/create-request.json")
    body = json.loads(event["body"])
    body.update(changes)
    event["body"] = json.dumps(body)
    event["headers"]["idempotency-key"] = key
    event["multiValueHeaders"]["idempotency-key"] = [key]
    response = function("citizen_api").app(event, FakeLambdaContext())
    assert response["statusCode"] == 201, response["body"]
    return str(json.loads(response["body"])["reference"])


def test_an_sms_is_classified_looked_up_routed_acknowledged_and_published(
    deployed: Deployed, send_sms: Callable[..., str]
) -> None:
    reference = send_sms("El fanal del carrer de Mallorca 250 no s'encén des de fa tres nits")

    execution = deployed.run(reference)

    assert execution.status == "SUCCEEDED", execution.cause
    entered = execution.history().states_entered()
    assert entered[0] == "Classify"
    assert {
        "Classify",
        "LookUpBackOffice",
        "RecordSnapshot",
        "FindDuplicates",
        "Route",
        "Acknowledge",
        "Publish",
    } <= set(entered)
    stored = request(reference)
    assert stored["theme_code"].startswith("lighting.")
    assert stored["backoffice"]["street-lighting"]["available"] is True
    assert stored["responsible_group"].startswith("lighting")
    assert "acknowledged_at" in stored
    [(number, text)] = sent_sms()
    assert number == "+34612345678"
    assert reference in text


LIGHTING = {"theme_code": "lighting.streetlight-off", "response_channel": "email"}


def test_a_system_that_fails_once_is_retried_and_answers(
    deployed: Deployed, function: Callable[[str], ModuleType]
) -> None:
    reference = web_request(function, "retried-lookup-0001", **LIGHTING)
    deployed.demo.set_fault("street-lighting", "fail")

    def heal_after_first_call() -> None:
        import threading
        import time

        def watch() -> None:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                if deployed.demo.calls().get("street-lighting", 0) >= 1:
                    deployed.demo.clear_faults()
                    return
                time.sleep(0.05)

        threading.Thread(target=watch, daemon=True).start()

    heal_after_first_call()
    execution = deployed.run(reference)

    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.history().retries_of("LookUp") >= 1
    assert request(reference)["backoffice"]["street-lighting"]["available"] is True


def test_a_lookup_that_keeps_failing_is_caught_and_the_request_goes_on(
    deployed: Deployed, function: Callable[[str], ModuleType]
) -> None:
    reference = web_request(function, "caught-lookup-00001", **LIGHTING)
    deployed.demo.set_fault("street-lighting", "garbage")

    execution = deployed.run(reference)

    assert execution.status == "SUCCEEDED", execution.cause
    stored = request(reference)
    assert stored["backoffice"]["street-lighting"]["available"] is False
    assert stored["backoffice"]["street-lighting"]["status"] == "unavailable"
    assert "routed_at" in stored


def test_every_system_down_at_once_still_routes_the_request(
    deployed: Deployed, function: Callable[[str], ModuleType]
) -> None:
    applicant = {"kind": "citizen", "email": "montse@example.org", "document_id": "12345678Z"}
    reference = web_request(
        function,
        "every-system-down-0001",
        theme_code="social.home-care",
        request_type="service_request",
        location=None,
        response_channel="email",
        applicant=applicant,
    )
    from finestra.domain.catalogue import Catalogue

    theme = Catalogue.load(ROOT / "infra" / "config").theme("social.home-care")
    for code in theme.back_office_systems:
        deployed.demo.set_fault(code, "fail")

    execution = deployed.run(reference)

    assert execution.status == "SUCCEEDED", execution.cause
    statuses = request(reference)["backoffice"]
    assert set(statuses) == set(theme.back_office_systems)
    assert all(not status["available"] for status in statuses.values())
    assert all(deployed.demo.calls()[code] >= 1 for code in theme.back_office_systems)
    assert "routed_at" in request(reference)


def test_a_second_report_of_the_same_problem_is_linked_and_the_citizen_told(
    deployed: Deployed, function: Callable[[str], ModuleType]
) -> None:
    first = web_request(function, "duplicate-first-0001")
    assert deployed.run(first).status == "SUCCEEDED"
    second = web_request(
        function,
        "duplicate-second-001",
        applicant={"kind": "citizen", "email": "other@example.org"},
    )

    execution = deployed.run(second)

    assert execution.status == "SUCCEEDED", execution.cause
    stored = request(second)
    assert stored["duplicate_of"] == first
    assert "possible_duplicate" in stored["flags"]
    outbound = [i for i in table_items(f"REQUEST#{second}") if i["type"] == "interaction"]
    assert first in outbound[0]["text"]


def test_text_the_classifier_cannot_place_goes_to_triage(
    deployed: Deployed, send_sms: Callable[..., str]
) -> None:
    reference = send_sms("Hola, bon dia, us volia comentar una cosa")

    execution = deployed.run(reference)

    assert execution.status == "SUCCEEDED", execution.cause
    stored = request(reference)
    assert stored["responsible_group"] == "triage"
    assert "low_confidence" in stored["flags"]
    assert execution.history().states_entered().count("LookUp") == 0


def test_a_failed_execution_leaves_the_request_flagged_for_triage(
    deployed: Deployed, send_sms: Callable[..., str]
) -> None:
    reference = send_sms("El fanal del carrer de Mallorca 250 no s'encén")
    events = boto3.client("events", region_name=REGION)
    events.delete_event_bus(Name="finestra-requests")

    execution = deployed.run(reference)

    assert execution.status == "FAILED"
    assert execution.error == "RequestNotRouted"
    stored = request(reference)
    assert stored["responsible_group"] == "triage"
    assert "workflow_failed" in stored["flags"]
    assert stored["triage_cause"]


def test_the_stream_starts_one_execution_per_new_request_and_a_replay_none(
    deployed: Deployed, send_sms: Callable[..., str], function: Callable[[str], ModuleType]
) -> None:
    reference = send_sms("El fanal del carrer de Mallorca 250 no s'encén")
    stream_event = {"Records": stream_records()}
    starter = function("workflow_starter")

    first = starter.lambda_handler(stream_event, FakeLambdaContext())
    again = starter.lambda_handler(stream_event, FakeLambdaContext())

    assert first == {"batchItemFailures": []}
    assert again == {"batchItemFailures": []}
    executions = deployed.sfn.list_executions(stateMachineArn=deployed.machine_arn)["executions"]
    assert [e["name"] for e in executions] == [reference]


def stream_records() -> list[dict[str, Any]]:
    """The table's stream records, as DynamoDB Streams hands them to Lambda."""
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    streams = boto3.client("dynamodbstreams", region_name=REGION)
    arn = dynamodb.describe_table(TableName="FinestraTable")["Table"]["LatestStreamArn"]
    records: list[dict[str, Any]] = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        for record in streams.get_records(ShardIterator=iterator)["Records"]:
            record["eventSourceARN"] = arn
            record["dynamodb"].pop("ApproximateCreationDateTime", None)
            records.append(record)
    return records
