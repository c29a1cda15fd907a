"""What must hold of the statistics function in ``template.yaml``."""

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from finestra.stats.app import StatsSettings
from tests.support.cfn import load_template

ROOT = Path(__file__).resolve().parents[2]
RESOURCES: dict[str, dict[str, Any]] = load_template(ROOT / "template.yaml")["Resources"]
FUNCTION = RESOURCES["StatsFunction"]["Properties"]
TRIGGER = FUNCTION["Events"]["RequestChanges"]


def alarms_on(namespace: str, metric: str, dimension: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        resource["Properties"]
        for resource in RESOURCES.values()
        if resource["Type"] == "AWS::CloudWatch::Alarm"
        and resource["Properties"].get("Namespace") == namespace
        and resource["Properties"].get("MetricName") == metric
        and dimension in resource["Properties"].get("Dimensions", [])
    ]


def test_the_stats_function_reads_the_table_stream_with_partial_batch_failures() -> None:
    properties = TRIGGER["Properties"]

    assert TRIGGER["Type"] == "DynamoDB"
    assert properties["Stream"] == {"Fn::GetAtt": ["FinestraTable", "StreamArn"]}
    assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert properties["MaximumRetryAttempts"] == 3
    assert properties["BisectBatchOnFunctionError"] is True
    assert FUNCTION["CodeUri"] == "functions/stats/"
    assert FUNCTION["Handler"] == "handler.lambda_handler"


def test_the_stream_trigger_passes_only_what_its_consumers_read() -> None:
    patterns = [
        json.loads(f["Pattern"]) for f in TRIGGER["Properties"]["FilterCriteria"]["Filters"]
    ]

    assert patterns == [
        {
            "eventName": ["INSERT", "MODIFY"],
            "dynamodb": {
                "NewImage": {"type": {"S": ["request", "citizen", "survey_answer", "opinion"]}}
            },
        },
        {"eventName": ["REMOVE"], "dynamodb": {"OldImage": {"type": {"S": ["citizen"]}}}},
    ]


def test_changes_given_up_go_to_a_queue_the_stats_function_may_send_to_and_an_alarm_watches() -> (
    None
):
    destination = TRIGGER["Properties"]["DestinationConfig"]["OnFailure"]

    assert destination == {"Type": "SQS", "Destination": {"Fn::GetAtt": ["StatsDLQ", "Arn"]}}
    assert RESOURCES["StatsDLQ"]["Type"] == "AWS::SQS::Queue"
    assert {"SQSSendMessagePolicy": {"QueueName": {"Fn::GetAtt": ["StatsDLQ", "QueueName"]}}} in (
        FUNCTION["Policies"]
    )
    watching = alarms_on(
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["StatsDLQ", "QueueName"]}},
    )
    assert [(a["Threshold"], a["ComparisonOperator"]) for a in watching] == [
        (0, "GreaterThanThreshold")
    ]


def test_a_record_that_fails_raises_the_alarm_on_the_metric_the_handler_counts() -> None:
    handler = (ROOT / "functions" / "stats" / "handler.py").read_text(encoding="utf-8")

    watching = alarms_on("Finestra", "StatsRecordFailed", {"Name": "service", "Value": "stats"})

    assert len(watching) == 1
    assert watching[0]["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    assert 'obs.count("StatsRecordFailed")' in handler
    assert 'observability.build("stats")' in handler
    assert alarms_on(
        "AWS/Lambda", "Errors", {"Name": "FunctionName", "Value": {"Ref": "StatsFunction"}}
    )


FIELDS = {
    "table": "t-1",
    "idempotency_table": "i-1",
    "config_dir": "/opt/finestra-config",
    "contact_key_secret": "s",
    "city_code": "BCN",
}


def test_the_stats_function_counts_days_in_a_time_zone_the_settings_accept() -> None:
    variables = FUNCTION["Environment"]["Variables"]

    settings = StatsSettings.model_validate(
        {**FIELDS, "city_time_zone": variables["FINESTRA_CITY_TIME_ZONE"]}
    )

    assert variables["POWERTOOLS_SERVICE_NAME"] == "stats"
    assert settings.city_time_zone == "Europe/Madrid"


def test_a_time_zone_the_runtime_does_not_know_stops_the_function_at_start() -> None:
    with pytest.raises(ValidationError, match="city_time_zone"):
        StatsSettings.model_validate({**FIELDS, "city_time_zone": "Europe/Atlantis"})
