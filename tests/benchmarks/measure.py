"""Runs the scenarios and sums up CPU per event, units per intake and where CPU goes."""

import cProfile
import pstats
import re
import statistics
import sys
import sysconfig
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.benchmarks.meter import Usage
from tests.benchmarks.scenarios import HANDLERS, Sample, Scenario, Workbench
from tests.conftest import ROOT

USAGE_FIGURES = ("item_writes", "index_writes", "writes", "reads", "moto_writes", "moto_reads")
HARNESS = frozenset({"benchmark harness", "profiler"})


class ScenarioFailed(RuntimeError):
    """A scenario's handler did not do what the scenario is about, so nothing it gave counts."""


@dataclass
class ScenarioRun:
    """The measured samples of one scenario."""

    scenario: Scenario
    samples: list[Sample] = field(default_factory=list)


def run(bench: Workbench, scenario: Scenario, *, warmup: int, iterations: int) -> ScenarioRun:
    """Stage and invoke the scenario ``warmup + iterations`` times; keep the last ones."""
    result = ScenarioRun(scenario)
    for i in range(warmup + iterations):
        sample = _checked(bench, scenario, i)
        if i >= warmup:
            result.samples.append(sample)
    return result


def profile(
    bench: Workbench, scenario: Scenario, profiler: cProfile.Profile, *, first: int, count: int
) -> None:
    """Invoke the scenario ``count`` more times under ``profiler``, paused inside AWS calls."""
    for i in range(first, first + count):
        _checked(bench, scenario, i, profiler)


def _checked(
    bench: Workbench, scenario: Scenario, i: int, profiler: cProfile.Profile | None = None
) -> Sample:
    event = scenario.stage(bench, i)
    if profiler is None:
        sample = bench.invoke(scenario.handler, event)
    else:
        bench.tap.profiler = profiler
        profiler.enable()
        try:
            sample = bench.invoke(scenario.handler, event)
        finally:
            profiler.disable()
            bench.tap.profiler = None
    problem = scenario.check(bench, i, sample.response)
    if problem:
        raise ScenarioFailed(f"{scenario.key}, iteration {i}: {problem}")
    bench.clear_tables()
    return sample


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 4)


def _spread(values: Sequence[float]) -> dict[str, float]:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return {"median_ms": _ms(statistics.median(ordered)), "p90_ms": _ms(p90)}


def cpu_summary(runs: Sequence[ScenarioRun], bench: Workbench) -> dict[str, Any]:
    """CPU per event outside AWS calls: per scenario, and pooled per handler."""
    scenarios = {}
    pooled: dict[str, list[float]] = defaultdict(list)
    for entry in runs:
        own = [s.own_seconds for s in entry.samples]
        pooled[entry.scenario.handler].extend(own)
        scenarios[entry.scenario.key] = {
            "label": entry.scenario.label,
            "handler": entry.scenario.handler,
            "events": len(own),
            **_spread(own),
            "total_median_ms": _ms(statistics.median(s.total_seconds for s in entry.samples)),
            "aws_median_ms": _ms(statistics.median(s.aws_seconds for s in entry.samples)),
            "aws_calls": statistics.median(s.aws_calls for s in entry.samples),
        }
    handlers = {}
    for name in HANDLERS:
        first = bench.first_calls.get(name)
        handlers[name] = {
            "events": len(pooled[name]),
            **_spread(pooled[name]),
            "first_call_ms": _ms(first.own_seconds) if first else None,
        }
    return {"scenarios": scenarios, "handlers": handlers}


def _median_usage(samples: Iterable[Sample], bucket: str) -> dict[str, Any]:
    parts = [s.usage.get(bucket, Usage()) for s in samples]
    figures: dict[str, Any] = {}
    for name in USAGE_FIGURES:
        values = [float(getattr(p, name)) for p in parts]
        figures[name] = statistics.median(values)
        if min(values) != max(values):
            figures.setdefault("varied", []).append(name)
    calls: Counter[str] = Counter()
    for part in parts:
        calls.update(part.calls)
    figures["calls"] = {op: round(n / len(parts), 2) for op, n in sorted(calls.items())}
    return figures


def unit_summary(runs: Sequence[ScenarioRun], counter: Usage, block: int) -> dict[str, Any]:
    """Units per intake, per scenario and part of the table, and the counter's share."""
    scenarios = {}
    for entry in runs:
        scenarios[entry.scenario.key] = {
            "label": entry.scenario.label,
            "handler": entry.scenario.handler,
            "intakes": len(entry.samples),
            "allocates_reference": entry.scenario.allocates_reference,
            "main": _median_usage(entry.samples, "main"),
            "idempotency": _median_usage(entry.samples, "idempotency"),
        }
    updates = counter.calls.get("UpdateItem", 0)
    per_update = counter.item_writes / updates if updates else None
    return {
        "scenarios": scenarios,
        "reference_counter": {
            "block": block,
            "updates_seen": updates,
            "write_units_per_update": per_update,
            "write_units_per_intake": per_update / block if per_update else None,
            "moto_writes_per_update": counter.moto_writes / updates if updates else None,
        },
    }


_STDLIB = Path(sysconfig.get_paths()["stdlib"]).resolve()
_OWNER = re.compile(r"of '([\w.]+)' objects")
_BUILTIN = re.compile(r"<built-in method ([\w.]+)>")


def package_of(filename: str, function: str) -> str:
    """The package a profiled function belongs to, for a breakdown of CPU."""
    if filename == "~":
        return _builtin_package(function)
    if filename.startswith("<frozen"):
        return "stdlib importlib"
    path = Path(filename).resolve()
    if "site-packages" in path.parts:
        return path.parts[path.parts.index("site-packages") + 1].removesuffix(".py")
    for folder, name in (
        ("layers", "finestra"),
        ("functions", "handlers"),
        ("tests", "benchmark harness"),
    ):
        if path.is_relative_to(ROOT / folder):
            return name
    if path.is_relative_to(_STDLIB):
        return "stdlib " + path.relative_to(_STDLIB).parts[0].removesuffix(".py")
    return "other"


def _builtin_package(function: str) -> str:
    match = _OWNER.search(function) or _BUILTIN.search(function)
    owner = match.group(1) if match else "builtins"
    top = owner.split(".")[0] if "." in owner else "builtins"
    if top == "_lsprof":
        return "profiler"
    return f"stdlib {top.lstrip('_')}" if top.startswith("_") else top


def breakdown(
    profiler: cProfile.Profile, events: int, enclosing: set[tuple[str, int, str]]
) -> dict[str, Any]:
    """Shares of profiled CPU (AWS calls paused) by package, and the heaviest functions.

    ``project_functions`` are the project's own functions by cumulative time, leaving
    out those that make an AWS call somewhere below them: pausing the profiler cuts
    their cumulative time short.
    """
    stats: dict[Any, Any] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    by_package: Counter[str] = Counter()
    hottest: list[tuple[float, str]] = []
    project: list[tuple[float, str, int]] = []
    for (filename, line, function), (_, calls, own, cumulative, _) in stats.items():
        package = package_of(filename, function)
        if package in HARNESS:
            continue
        by_package[package] += own
        where = function if filename == "~" else f"{_short(filename)}:{line} {function}"
        hottest.append((own, f"[{package}] {where}"))
        if package == "finestra" and (filename, line, function) not in enclosing:
            project.append((cumulative, where, calls))
    total = sum(by_package.values()) or 1.0
    hottest.sort(reverse=True)
    project.sort(reverse=True)
    return {
        "events": events,
        "packages": [
            {"package": name, "share": round(seconds / total, 4)}
            for name, seconds in by_package.most_common(8)
        ],
        "hottest_functions": [
            {"function": where, "own_share": round(seconds / total, 4)}
            for seconds, where in hottest[:8]
        ],
        "project_functions": [
            {
                "function": where,
                "cumulative_share": round(seconds / total, 4),
                "calls_per_event": round(calls / max(events, 1), 2),
            }
            for seconds, where, calls in project[:8]
        ],
    }


def _short(filename: str) -> str:
    path = Path(filename).resolve()
    if path.is_relative_to(ROOT):
        return str(path.relative_to(ROOT))
    for marker in ("site-packages", "python3.11"):
        if marker in path.parts:
            return "/".join(path.parts[path.parts.index(marker) + 1 :])
    return str(Path(*path.parts[-2:])) if len(path.parts) > 1 else filename


def python_version() -> str:
    """The interpreter measured."""
    return sys.version.split()[0]
