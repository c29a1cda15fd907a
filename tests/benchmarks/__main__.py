"""``python -m tests.benchmarks``: print every figure and keep them in ``.bench/results.json``."""

import argparse
import contextlib
import copy
import cProfile
import json
import os
import platform
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from moto.backends import get_backend

from tests.benchmarks import (
    campaigns,
    desk,
    insights,
    measure,
    report,
    segments,
    startup,
    workflow,
)
from tests.benchmarks.capacity import Attributes, table_shape
from tests.benchmarks.environment import IDEMPOTENCY_TABLE, TABLES, embedded_aws
from tests.benchmarks.meter import UnitMeter
from tests.benchmarks.scenarios import HANDLERS, SCENARIOS, Workbench
from tests.benchmarks.tap import ApiCallTap
from tests.conftest import REGION, ROOT
from tests.support.aws import ACCOUNT
from tests.support.cfn import load_template

RESULTS = ROOT / ".bench" / "results.json"
DESKTOP_BUILD = ROOT / "desktop" / "dist"
SECTIONS = ("startup", "scenarios", "workflow", "desk", "segments", "campaigns", "insights")


def bucket_of(table: str, key: Attributes) -> str:
    """The part of the bill an item is counted in."""
    if table == IDEMPOTENCY_TABLE:
        return "idempotency"
    partition = str(key.get("PK", {}).get("S", ""))
    return "counter" if partition.startswith("COUNTER#") else "main"


def stored_item(table: str, key: Attributes) -> Attributes | None:
    """The item as moto holds it now, copied, in DynamoDB's wire form."""
    item = get_backend("dynamodb")[ACCOUNT][REGION].get_item(table, dict(key))
    return copy.deepcopy(item.to_json()["Attributes"]) if item is not None else None


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_scenarios(args: argparse.Namespace, template: dict[str, Any]) -> dict[str, Any]:
    """Sections 2 and 3: every scenario under moto, timed, metered, then profiled."""
    from finestra.settings import FunctionSettings

    with embedded_aws(template), open(os.devnull, "w") as null:
        block = FunctionSettings().reference_block
        shapes = {name: table_shape(template, name) for name in TABLES}
        meter = UnitMeter(shapes, bucket_of, stored_item)
        tap = ApiCallTap()
        tap.meter = meter
        # Powertools writes its metric documents to stdout: keep them off the report.
        with tap.installed(), contextlib.redirect_stdout(null):
            bench = Workbench(tap, meter, shapes)
            runs = []
            for scenario in SCENARIOS:
                _progress(f"  running {scenario.key} ...")
                runs.append(
                    measure.run(bench, scenario, warmup=args.warmup, iterations=args.iterations)
                )
            profilers = {name: cProfile.Profile() for name in HANDLERS}
            profiled = dict.fromkeys(HANDLERS, 0)
            first = args.warmup + args.iterations
            for scenario in SCENARIOS:
                _progress(f"  profiling {scenario.key} ...")
                measure.profile(
                    bench,
                    scenario,
                    profilers[scenario.handler],
                    first=first,
                    count=args.profile_iterations,
                )
                profiled[scenario.handler] += args.profile_iterations
    cpu = measure.cpu_summary(runs, bench)
    if args.profile_iterations:
        cpu["breakdown"] = {
            name: measure.breakdown(profilers[name], profiled[name], tap.enclosing)
            for name in HANDLERS
        }
    return {"cpu": cpu, "dynamodb": measure.unit_summary(runs, bench.counter, block)}


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks", description=__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="fresh imports per target")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured events per scenario")
    parser.add_argument("--iterations", type=int, default=40, help="events per scenario")
    parser.add_argument(
        "--profile-iterations", type=int, default=8, help="profiled events per scenario"
    )
    parser.add_argument(
        "--workflow-iterations",
        type=int,
        default=3,
        help="measured requests per workflow scenario (0 leaves the section out)",
    )
    parser.add_argument(
        "--desk-calls",
        type=int,
        default=200,
        help="timed desk calls of each kind on the demo city (0 leaves the section out)",
    )
    parser.add_argument(
        "--desk-warmup", type=int, default=5, help="unmeasured desk calls before each kind"
    )
    parser.add_argument(
        "--desk-agent", default=desk.DEFAULT_AGENT, help="the demo staff account the calls use"
    )
    parser.add_argument(
        "--campaign-citizens",
        type=int,
        default=campaigns.DEFAULT_CITIZENS,
        help="the campaign's recipients to plan (the issue's figure: 100000)",
    )
    parser.add_argument(
        "--campaign-sends", type=int, default=campaigns.DEFAULT_SENDS, help="messages to send"
    )
    parser.add_argument(
        "--segment-sizes",
        type=lambda text: tuple(int(size) for size in text.split(",")),
        default=segments.CITY_SIZES,
        help="the city sizes segment previews are measured on, comma-separated",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=SECTIONS,
        help="run only this section (repeatable; the JSON holds only those); all by default",
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help="where the JSON goes")
    args = parser.parse_args(argv)
    if 0 < args.desk_calls < len(desk.MIX):
        parser.error(f"--desk-calls takes 0 or at least {len(desk.MIX)}")
    return args


def _chosen(args: argparse.Namespace) -> set[str]:
    sections = set(args.only or SECTIONS)
    if args.workflow_iterations <= 0:
        sections.discard("workflow")
    if args.desk_calls <= 0:
        sections.discard("desk")
    return sections


def main(argv: Sequence[str] | None = None) -> int:
    """Measure, print and save."""
    args = parse(argv)
    sections = _chosen(args)
    started = time.perf_counter()
    bundle = None
    if "desk" in sections:
        try:
            bundle = desk.measure_bundle(DESKTOP_BUILD)
            bundle["dir"] = str(DESKTOP_BUILD.relative_to(ROOT) / "assets")
        except desk.BundleMissing as missing:
            print(f"error: {missing}", file=sys.stderr)
            return 1
    template = load_template(ROOT / "template.yaml")
    results: dict[str, Any] = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": measure.python_version(),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
        "settings": {
            "import_repeat": args.repeat,
            "warmup": args.warmup,
            "iterations": args.iterations,
            "profile_iterations": args.profile_iterations,
            "workflow_iterations": args.workflow_iterations,
            "desk_calls": args.desk_calls,
            "desk_warmup": args.desk_warmup,
            "desk_agent": args.desk_agent,
            "sections": [name for name in SECTIONS if name in sections],
        },
    }
    if "startup" in sections:
        _progress("Start-up imports ...")
        results["startup"] = startup.measure(args.repeat)
        print(report.startup_section(results["startup"]), flush=True)
    if "scenarios" in sections:
        _progress("Scenarios under moto ...")
        results.update(run_scenarios(args, template))
        results["cost"] = report.costs(results["dynamodb"])
        print(report.cpu_section(results["cpu"]))
        print(report.units_section(results["dynamodb"]))
        print(report.cost_section(results["cost"]))
    if "workflow" in sections:
        _progress("Request workflow under moto ...")
        results["workflow"] = workflow.measure(
            template, bucket_of, stored_item, iterations=args.workflow_iterations
        )
        print(report.workflow_section(results["workflow"]))
    if bundle is not None:
        _progress("The desk API on the demo city ...")
        results["desk"] = {
            **desk.measure(
                calls=args.desk_calls, warmup=args.desk_warmup, agent=args.desk_agent, root=ROOT
            ),
            "bundle": bundle,
        }
        print(report.desk_section(results["desk"]), flush=True)
    if "segments" in sections:
        _progress("Segment previews under moto ...")
        results["segments"] = segments.measure(template, args.segment_sizes)
        print(segments.section(results["segments"]), flush=True)
    if "campaigns" in sections:
        _progress("A campaign planned and dispatched under moto ...")
        results["campaigns"] = campaigns.measure(
            template, args.campaign_citizens, args.campaign_sends
        )
        print(campaigns.section(results["campaigns"]), flush=True)
    if "insights" in sections:
        _progress("Segment insights under moto ...")
        results["insights"] = insights.measure(template)
        print(insights.section(results["insights"]), flush=True)
    results["elapsed_seconds"] = round(time.perf_counter() - started, 1)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"\nFigures saved to {args.output} ({results['elapsed_seconds']} s).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
