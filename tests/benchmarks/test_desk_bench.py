"""The desk benchmark's figures: percentiles, read units as DynamoDB charges them, bundle."""

import copy
import gzip
import os
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from moto.awslambda.models import LambdaFunction

from tests.benchmarks import __main__ as bench
from tests.benchmarks import report
from tests.benchmarks.capacity import TableShape, item_size, table_shape
from tests.benchmarks.desk import (
    DESK_FUNCTION,
    BundleMissing,
    CallUnits,
    DeskMeter,
    DeskTap,
    item_read_units,
    measure_bundle,
    percentile,
    query_read_units,
    spread,
    stored_items,
    unfiltered,
    unit_summary,
    worklist_path,
)
from tests.conftest import REGION
from tests.support.aws import ACCOUNT

KB = 1024


def shapes(template: dict[str, Any]) -> dict[str, TableShape]:
    shape = table_shape(template, "FinestraTable")
    return {shape.name: shape}


def request_item(number: int, description_bytes: int) -> dict[str, Any]:
    """A request as the worklist index holds it, with a description GSI2 does not project."""
    reference = f"BCN-2026-{number:06d}"
    return {
        "PK": {"S": f"REQUEST#{reference}"},
        "SK": {"S": "REQUEST"},
        "GSI2PK": {"S": "QUEUE#lighting#0"},
        "GSI2SK": {"S": f"open#2026-03-14T19:41:{number:02d}Z#{reference}"},
        "reference": {"S": reference},
        "state": {"S": "planned" if number % 2 else "in_resolution"},
        "description": {"S": "x" * description_bytes},
    }


def meter_for(template: dict[str, Any]) -> tuple[DeskMeter, Any]:
    client = boto3.client("dynamodb", region_name=REGION)

    def shadow(operation: str, params: dict[str, Any]) -> list[Any]:
        items: list[Any] = client.query(**params)["Items"]
        return items

    meter = DeskMeter(
        shapes(template), lambda _t, _k: "main", stored_items(ACCOUNT, REGION), shadow
    )
    return meter, client


# ------------------------------------------------------------------ percentiles


def test_the_95th_percentile_of_200_calls_is_the_190th_fastest() -> None:
    values = [float(n) for n in range(200, 0, -1)]

    assert percentile(values, 0.95) == 190
    assert percentile(values, 0.5) == 100
    assert percentile(values, 1.0) == 200


def test_a_single_call_is_its_own_percentile_and_no_call_has_none() -> None:
    assert percentile([7.0], 0.95) == 7.0
    with pytest.raises(ValueError, match="no values"):
        percentile([], 0.95)
    with pytest.raises(ValueError, match="fraction"):
        percentile([1.0], 0)


def test_the_spread_is_in_milliseconds_with_the_median_of_an_even_count_averaged() -> None:
    figures = spread([0.004, 0.001, 0.002, 0.003])

    assert figures == {"calls": 4, "median_ms": 2.5, "p95_ms": 4.0, "max_ms": 4.0}


# ------------------------------------------------------------------ read units


def test_a_query_rounds_the_sum_of_its_items_once() -> None:
    items = [request_item(n, 1500) for n in range(3)]

    units = query_read_units(items, index=None, consistent=False)

    assert sum(item_size(item) for item in items) < 8 * KB
    assert units == 1.0


def test_a_query_on_an_index_weighs_the_index_entries_only(template: dict[str, Any]) -> None:
    gsi2 = next(i for i in shapes(template)["FinestraTable"].indexes if i.name == "GSI2")
    items = [request_item(n, 10 * KB) for n in range(3)]

    assert query_read_units(items, index=gsi2, consistent=False) == 0.5
    assert query_read_units(items, index=None, consistent=False) == 4.0


def test_item_reads_round_each_item_and_a_missing_one_costs_the_minimum() -> None:
    items = [request_item(n, 1500) for n in range(3)]

    assert item_read_units(items, consistent=False) == 1.5
    assert item_read_units(items, consistent=True) == 3.0
    assert item_read_units([None], consistent=False) == 0.5


def test_the_unfiltered_query_keeps_what_reads_and_drops_what_only_narrows() -> None:
    params = {
        "TableName": "FinestraTable",
        "IndexName": "GSI2",
        "KeyConditionExpression": "GSI2PK = :pk AND GSI2SK BETWEEN :low AND :high",
        "FilterExpression": "#t = :theme AND attribute_exists(sla_due_at)",
        "ProjectionExpression": "#r",
        "Select": "SPECIFIC_ATTRIBUTES",
        "ExpressionAttributeNames": {"#t": "theme_code", "#r": "reference"},
        "ExpressionAttributeValues": {
            ":pk": {"S": "QUEUE#lighting#0"},
            ":low": {"S": "open#"},
            ":high": {"S": "open#~"},
            ":theme": {"S": "lighting.streetlight-off"},
        },
        "Limit": 6,
        "ExclusiveStartKey": {"PK": {"S": "REQUEST#BCN-2026-000001"}},
        "ReturnConsumedCapacity": "TOTAL",
    }

    shadow = unfiltered(params)

    assert shadow == {
        "TableName": "FinestraTable",
        "IndexName": "GSI2",
        "KeyConditionExpression": "GSI2PK = :pk AND GSI2SK BETWEEN :low AND :high",
        "ExpressionAttributeValues": {
            ":pk": {"S": "QUEUE#lighting#0"},
            ":low": {"S": "open#"},
            ":high": {"S": "open#~"},
        },
        "Limit": 6,
        "ExclusiveStartKey": {"PK": {"S": "REQUEST#BCN-2026-000001"}},
    }


def test_a_filtered_query_is_charged_for_every_item_its_key_condition_read(
    aws: None, template: dict[str, Any]
) -> None:
    meter, client = meter_for(template)
    items = [
        {**request_item(n, 2000), "PK": {"S": "CITIZEN#C1"}, "SK": {"S": f"REQUEST#{n}"}}
        for n in range(3)
    ]
    for item in items:
        client.put_item(TableName="FinestraTable", Item=item)
    params = {
        "TableName": "FinestraTable",
        "KeyConditionExpression": "PK = :pk",
        "FilterExpression": "#s = :planned",
        "ExpressionAttributeNames": {"#s": "state"},
        "ExpressionAttributeValues": {":pk": {"S": "CITIZEN#C1"}, ":planned": {"S": "planned"}},
    }

    answer = meter.observe("Query", params, lambda: client.query(**params))

    assert answer["Count"] == 1
    assert 4 * KB < sum(item_size(item) for item in items) <= 8 * KB
    assert meter.usage["main"].reads == 1.0
    assert meter.tally.items_read == meter.tally.scanned_count == 3
    assert meter.tally.items_returned == 1


def test_a_count_on_an_index_is_charged_for_the_entries_it_counted(
    aws: None, template: dict[str, Any]
) -> None:
    meter, client = meter_for(template)
    items = [request_item(n, 2 * KB) for n in range(40)]
    for item in items:
        client.put_item(TableName="FinestraTable", Item=item)
    gsi2 = next(i for i in shapes(template)["FinestraTable"].indexes if i.name == "GSI2")
    entries = sum(item_size(gsi2.entry(item)) for item in items)
    params = {
        "TableName": "FinestraTable",
        "IndexName": "GSI2",
        "KeyConditionExpression": "GSI2PK = :pk",
        "FilterExpression": "#s = :planned",
        "ExpressionAttributeNames": {"#s": "state"},
        "ExpressionAttributeValues": {
            ":pk": {"S": "QUEUE#lighting#0"},
            ":planned": {"S": "planned"},
        },
        "Select": "COUNT",
    }

    answer = meter.observe("Query", params, lambda: client.query(**params))

    assert answer["Count"] == 20
    assert entries > 4 * KB
    assert meter.usage["main"].reads == 0.5 * -(-entries // (4 * KB))
    assert meter.tally.items_read == 40
    assert dict(meter.tally.api_calls) == {"Query": 1}


def test_batch_and_single_gets_are_charged_on_the_stored_items_one_by_one(
    aws: None, template: dict[str, Any]
) -> None:
    meter, client = meter_for(template)
    for n in range(2):
        client.put_item(TableName="FinestraTable", Item=request_item(n, 5 * KB))
    keys = [{"PK": {"S": f"REQUEST#BCN-2026-{n:06d}"}, "SK": {"S": "REQUEST"}} for n in range(3)]
    batch = {
        "RequestItems": {
            "FinestraTable": {
                "Keys": keys,
                "ProjectionExpression": "#r",
                "ExpressionAttributeNames": {"#r": "reference"},
            }
        }
    }
    single = {"TableName": "FinestraTable", "Key": keys[0], "ConsistentRead": True}

    meter.observe("BatchGetItem", batch, lambda: client.batch_get_item(**batch))
    meter.observe("GetItem", single, lambda: client.get_item(**single))

    assert meter.usage["main"].reads == (1.0 + 1.0 + 0.5) + 2.0
    assert dict(meter.tally.api_calls) == {"BatchGetItem": 1, "GetItem": 1}


def test_a_summary_takes_medians_and_the_dearest_read() -> None:
    cheap = CallUnits(2.0, 4.0, {"Query": 2, "GetItem": 1}, {"Query": 3.0}, 3, 3, 3)
    middle = CallUnits(3.5, 4.0, {"Query": 2, "GetItem": 1}, {"Query": 5.0}, 5, 5, 5)
    dear = CallUnits(9.0, 4.0, {"Query": 3, "GetItem": 1}, {"Query": 9.0}, 40, 12, 39)

    summary = unit_summary("citizen 360", [cheap, middle, dear])

    assert summary["read_units"] == 3.5
    assert summary["read_units_max"] == 9.0
    assert summary["calls"] == {"GetItem": 1, "Query": 2}
    assert summary["dynamodb_calls"] == 3
    assert summary["dynamodb_ms"] == {"GetItem": 0.0, "Query": 5.0}
    assert summary["scanned_matches"] is False


# ------------------------------------------------------------------ the tap


def test_the_tap_meters_only_what_the_desk_function_calls(
    aws: None, template: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    meter, client = meter_for(template)
    client.put_item(TableName="FinestraTable", Item=request_item(1, 100))
    key = {"PK": {"S": "REQUEST#BCN-2026-000001"}, "SK": {"S": "REQUEST"}}

    def runner(function: Any, event: Any = None) -> tuple[str, bool, str]:
        """Stands in for the local stack's in-process runner: the handler reads one item."""
        client.get_item(TableName="FinestraTable", Key=key)
        return "null", False, ""

    monkeypatch.setattr(LambdaFunction, "_invoke_lambda", runner)
    tap = DeskTap(DESK_FUNCTION)
    tap.meter = meter
    with tap.installed():
        tap.active = True
        invoke = LambdaFunction.__dict__["_invoke_lambda"]
        invoke(SimpleNamespace(function_name=DESK_FUNCTION))
        invoke(SimpleNamespace(function_name="SlaWatchFunction"))
        client.get_item(TableName="FinestraTable", Key=key)

    assert dict(meter.tally.api_calls) == {"GetItem": 1}
    assert meter.usage["main"].reads == 0.5
    assert tap.elsewhere == 2
    assert LambdaFunction.__dict__["_invoke_lambda"] is runner


# ------------------------------------------------------------------ bundle


def built(tmp_path: Path, scripts: dict[str, bytes]) -> Path:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<script type=module src=/assets/index.js></script>")
    for name, data in scripts.items():
        (dist / "assets" / name).write_bytes(data)
    return dist


def test_the_bundle_counts_every_script_and_nothing_else(tmp_path: Path) -> None:
    repetitive = b"export const worklist = () => fetch('/api/desk/v1/worklist');\n" * 2000
    dist = built(
        tmp_path,
        {
            "index.js": repetitive,
            "vendor.js": b"var a=1;",
            "index.js.map": b"{}" * 50_000,
            "index.css": b"body{}" * 1000,
        },
    )

    bundle = measure_bundle(dist)

    assert [entry["file"] for entry in bundle["files"]] == ["index.js", "vendor.js"]
    assert bundle["raw_bytes"] == len(repetitive) + 8
    assert bundle["gzip_bytes"] < len(repetitive) / 20
    assert bundle["gzip_level"] == 9
    assert bundle["within_aim"] is True


def test_a_bundle_over_300_kb_gzipped_is_not_within_the_aim(tmp_path: Path) -> None:
    incompressible = os.urandom(320_000)
    dist = built(tmp_path, {"index.js": incompressible})

    bundle = measure_bundle(dist)

    assert bundle["gzip_bytes"] > 300_000
    assert len(gzip.compress(incompressible, compresslevel=1)) > 300_000
    assert bundle["within_aim"] is False


def test_a_missing_build_fails_loudly(tmp_path: Path) -> None:
    with pytest.raises(BundleMissing, match="make desktop"):
        measure_bundle(tmp_path / "dist")
    with pytest.raises(BundleMissing, match="no JavaScript"):
        measure_bundle(built(tmp_path, {"index.css": b"body{}"}))


def test_the_bench_stops_before_measuring_anything_when_the_build_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(bench, "DESKTOP_BUILD", tmp_path / "dist")
    output = tmp_path / "results.json"

    status = bench.main(["--output", str(output)])

    assert status == 1
    assert "make desktop" in capsys.readouterr().err
    assert not output.exists()


# ------------------------------------------------------------------ report


def test_the_worklist_path_encodes_a_cursor_whole() -> None:
    path = worklist_path(group="triage", limit=25, cursor="a+b/c==")

    assert path == "/api/desk/v1/worklist?group=triage&limit=25&cursor=a%2Bb%2Fc%3D%3D"


def _units(label: str, reads: float, scanned: bool = True) -> dict[str, Any]:
    return {
        "label": label,
        "measured_calls": 1,
        "read_units": reads,
        "read_units_max": reads,
        "write_units": 0.0,
        "calls": {"BatchGetItem": 1, "Query": 3},
        "dynamodb_calls": 4,
        "dynamodb_ms": {"BatchGetItem": 20.0, "Query": 90.5},
        "items_read": 48,
        "items_returned": 30,
        "scanned_matches": scanned,
    }


DESK_RESULTS: dict[str, Any] = {
    "agent": "agent.triage",
    "districts": ["*"],
    "groups": ["triage", "information"],
    "city": {"citizens": 1500, "requests": 3000, "items": 24779},
    "calls": 200,
    "warmup": 5,
    "chosen": {
        "group": "triage",
        "page_size": 25,
        "next_page_size": 12,
        "state": "pending_validation",
        "sla": "breached",
        "citizens": 20,
        "first_page_items": 24,
    },
    "latency": {
        kind: {"label": kind, "calls": 200, "median_ms": 412.25, "p95_ms": 977.5, "max_ms": 1200.0}
        for kind in (
            "worklist_first",
            "worklist_state",
            "worklist_sla",
            "worklist_next",
            "citizen",
            "worklist_mix",
        )
    },
    "dynamodb": {
        "worklist_first": _units("worklist, first page", 15.5),
        "citizen": _units("citizen 360", 3.5),
    },
    "dynamodb_calls_elsewhere": 0,
    "bundle": {
        "dir": "desktop/dist/assets",
        "files": [{"file": "index-DDKUywUK.js", "raw_bytes": 397_713, "gzip_bytes": 121_340}],
        "raw_bytes": 397_713,
        "gzip_bytes": 121_340,
        "gzip_level": 9,
        "aim_gzip_bytes": 300_000,
        "within_aim": True,
    },
}


def test_the_desk_section_prints_latency_units_and_bundle_rows() -> None:
    text = report.desk_section(DESK_RESULTS)

    assert "6. The desk API on the demo city" in text
    assert "24,779 items" in text
    first = [line.split() for line in text.splitlines() if line.startswith("worklist, first")]
    assert ["200", "412.25", "977.5", "1200"] in [row[-4:] for row in first]
    assert "SLA filter (breached)" in text
    assert "second of pages of 12" in text
    assert "BatchGetx1 Queryx3" in text
    assert "15.5" in text
    assert re.search(r"^index-DDKUywUK\.js +397\.7 +121\.3$", text, re.MULTILINE)
    assert "within the aim by 178.7 kB" in text
    assert "agreed on every call" in text


def test_the_desk_section_says_when_the_bundle_is_over_and_counts_disagree() -> None:
    results = copy.deepcopy(DESK_RESULTS)
    results["bundle"].update(gzip_bytes=312_000, within_aim=False)
    results["dynamodb"]["citizen"] = _units("citizen 360", 3.5, scanned=False)
    results["chosen"]["next_page_size"] = 25

    text = report.desk_section(results)

    assert "OVER the aim by 12.0 kB" in text
    assert "DISAGREED" in text
    assert "second of pages" not in text
