"""The workflow benchmark counts and prices what AWS bills, as AWS counts and prices it."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.benchmarks.workflow import (
    LINE_ITEMS,
    RequestUsage,
    access_log_line,
    bill,
    billed_gb_seconds,
    lambda_tasks,
    load_prices,
    map_iterations,
    sms_segments,
    span_ms,
    states_entered,
    transitions,
)
from tests.conftest import ROOT
from tests.support.cfn import load_template

START = datetime(2026, 3, 14, 19, 41, 8, tzinfo=UTC)


def history(*types: str) -> list[dict[str, Any]]:
    """Events of the given types, 10 ms apart, as GetExecutionHistory lists them."""
    return [
        {"id": i, "type": kind, "timestamp": START + timedelta(milliseconds=10 * (i - 1))}
        for i, kind in enumerate(types, start=1)
    ]


# A task, a Map of two lookups (the second failing once, retried, then caught into a
# Pass state), and the final Succeed state.
EVENTS = history(
    "ExecutionStarted",
    "TaskStateEntered",
    "LambdaFunctionScheduled",
    "LambdaFunctionSucceeded",
    "TaskStateExited",
    "MapStateEntered",
    "MapIterationStarted",
    "TaskStateEntered",
    "LambdaFunctionScheduled",
    "LambdaFunctionSucceeded",
    "MapIterationStarted",
    "TaskStateEntered",
    "LambdaFunctionScheduled",
    "LambdaFunctionFailed",
    "LambdaFunctionScheduled",
    "LambdaFunctionFailed",
    "PassStateEntered",
    "MapStateExited",
    "SucceedStateEntered",
    "ExecutionSucceeded",
)


def test_every_state_entered_is_a_transition_map_iterations_included_retries_not() -> None:
    assert states_entered(EVENTS) == {
        "TaskStateEntered": 3,
        "MapStateEntered": 1,
        "PassStateEntered": 1,
        "SucceedStateEntered": 1,
    }
    assert transitions(EVENTS) == 6
    assert map_iterations(EVENTS) == 2


def test_lambda_invocations_count_every_attempt_and_the_span_runs_first_to_last() -> None:
    assert lambda_tasks(EVENTS) == 4
    assert span_ms(EVENTS) == pytest.approx(190.0)
    assert span_ms([]) == 0.0


def test_duration_is_billed_in_whole_increments_and_never_less_than_one() -> None:
    assert billed_gb_seconds(12.3, 512, 1) == pytest.approx(0.013 * 0.5)
    assert billed_gb_seconds(250.0, 64, 100) == pytest.approx(0.3 * 64 / 1024)
    assert billed_gb_seconds(0.0, 64, 100) == pytest.approx(0.1 * 64 / 1024)


def test_the_price_table_is_dated_and_prices_every_line_of_the_bill() -> None:
    prices = load_prices()

    assert prices.as_of.year >= 2026
    assert {item.price for item in LINE_ITEMS} <= set(prices.prices)
    assert prices.prices["sms_segment"].placeholder
    assert prices.each("lambda_request") == pytest.approx(0.20 / 1_000_000)
    assert prices.each("ses_email") == pytest.approx(0.10 / 1000)


def test_a_bill_prices_each_line_and_keeps_delivery_and_standard_apart() -> None:
    prices = load_prices()
    usage = RequestUsage(
        lambda_invocations=10,
        lambda_gb_seconds=0.25,
        express_executions=1,
        express_gb_seconds=0.0375,
        standard_transitions=12,
        write_units=20,
        read_units=8,
        http_api_requests=1,
        eventbridge_events=1,
        log_bytes=prices.billing.bytes_per_gb / 100_000,
        emails=1,
        sms_segments=2,
    )

    cost = bill(usage, prices)

    lines = {key: line["usd"] for key, line in cost["lines"].items()}
    assert lines["lambda_requests"] == pytest.approx(2.00)
    assert lines["lambda_duration"] == pytest.approx(0.25 * 0.0000133334 * 1e6)
    assert lines["express_duration"] == pytest.approx(0.0375 * 0.00001667 * 1e6)
    assert lines["dynamodb_writes"] == pytest.approx(12.50)
    assert lines["dynamodb_reads"] == pytest.approx(1.00)
    assert lines["logs"] == pytest.approx(5.00)
    assert lines["standard"] == pytest.approx(300.00)
    assert cost["delivery_usd"] == pytest.approx(100.00 + 2 * 0.08 * 1e6)
    processing = sum(usd for key, usd in lines.items() if key not in {"email", "sms", "standard"})
    assert cost["processing_usd"] == pytest.approx(processing)
    assert cost["total_usd"] == pytest.approx(processing + cost["delivery_usd"])
    assert cost["express_usd"] == pytest.approx(
        lines["express_requests"] + lines["express_duration"]
    )


def test_an_sms_costs_its_segments_and_other_calls_none() -> None:
    one = {"PhoneNumber": "+34612345678", "Message": "Rebut: BCN-2026-000123"}
    accented = {"PhoneNumber": "+34612345678", "Message": "á" * 71}

    assert sms_segments("sns", "Publish", one) == 1
    assert sms_segments("sns", "Publish", accented) == 2
    assert sms_segments("sns", "Publish", {"TopicArn": "arn", "Message": "x"}) == 0
    assert sms_segments("pinpoint-sms-voice-v2", "SendTextMessage", {"MessageBody": "ok"}) == 1


def test_the_access_log_line_fills_every_variable_of_the_template_format() -> None:
    line = access_log_line(load_template(ROOT / "template.yaml"))

    assert "$context" not in line
    assert line.startswith("{")
