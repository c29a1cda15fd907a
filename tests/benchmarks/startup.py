"""Start-up import time of each handler, against a bare ``import boto3``, in fresh processes.

Each measurement is a new interpreter that times, with ``time.perf_counter``, only
the import itself: ``import boto3`` for the baseline, or the handler module loaded by
file path as Lambda loads it. A first run per target writes the bytecode caches; one
under ``-X importtime`` tells which packages beyond boto3's the handler pulls in, and
which project module imports each first. The timed rounds interleave the targets, so
a slow moment of the machine weighs on all of them alike.
"""

import json
import os
import statistics
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from typing import Any

from tests.benchmarks.scenarios import HANDLER_FILES, HANDLERS
from tests.conftest import ENVIRONMENT, ROOT

BASELINE = "boto3"

_CHILD = """
import importlib.util, json, sys, time
target = sys.argv[1]
start, cpu = time.perf_counter(), time.process_time()
if target == "boto3":
    import boto3
else:
    spec = importlib.util.spec_from_file_location("finestra_handler", target)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
print(json.dumps({"seconds": elapsed, "cpu_seconds": cpu, "modules": sorted(sys.modules)}))
"""


def _environment() -> dict[str, str]:
    environment = {**os.environ, **ENVIRONMENT}
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    return environment


def _run(target: str, *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *flags, "-c", _CHILD, target],
        cwd=ROOT,
        env=_environment(),
        capture_output=True,
        text=True,
        check=True,
    )


def _targets() -> dict[str, str]:
    return {BASELINE: BASELINE, **{name: str(ROOT / HANDLER_FILES[name]) for name in HANDLERS}}


@dataclass(frozen=True)
class _Import:
    name: str
    self_us: int
    parent: int | None


def parse_importtime(stderr: str) -> list[_Import]:
    """The ``-X importtime`` lines, each with the index of the module that imported it."""
    rows: list[tuple[int, str, int]] = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "imported package" in line:
            continue
        head, _, name = line.split("|", 2)
        own = int(head.removeprefix("import time:").strip())
        depth = (len(name) - len(name.lstrip(" ")) - 1) // 2
        rows.append((depth, name.strip(), own))
    parents: list[int | None] = [None] * len(rows)
    pending: list[int] = []
    for index, (depth, _, _) in enumerate(rows):
        while pending and rows[pending[-1]][0] > depth:
            parents[pending.pop()] = index
        pending.append(index)
    return [
        _Import(name=name, self_us=own, parent=parents[index])
        for index, (_, name, own) in enumerate(rows)
    ]


def _importer(imports: list[_Import], index: int) -> str:
    """The nearest project module above the first import of a package."""
    parent = imports[index].parent
    while parent is not None:
        name = imports[parent].name
        if name.split(".")[0] == "finestra":
            return name
        parent = imports[parent].parent
    return "handler module body"


def heaviest_extra(stderr: str, baseline: set[str], top: int = 6) -> list[dict[str, Any]]:
    """Packages the handler imports that a bare boto3 does not, heaviest first."""
    imports = parse_importtime(stderr)
    weight: Counter[str] = Counter()
    first: dict[str, int] = {}
    for index, entry in enumerate(imports):
        if entry.name in baseline:
            continue
        package = entry.name.split(".")[0]
        weight[package] += entry.self_us
        parent = entry.parent
        if parent is None or imports[parent].name.split(".")[0] != package:
            first.setdefault(package, index)
    return [
        {
            "package": package,
            "self_ms_under_importtime": round(us / 1000, 1),
            "imported_by": _importer(imports, first[package]),
        }
        for package, us in weight.most_common(top)
    ]


def measure(repeat: int) -> dict[str, Any]:
    """Median import time of each handler and of boto3, and the handler's ratio to it."""
    targets = _targets()
    modules: dict[str, list[str]] = {}
    traces: dict[str, str] = {}
    for name, target in targets.items():
        _run(target)
        done = _run(target, "-X", "importtime")
        modules[name] = json.loads(done.stdout)["modules"]
        traces[name] = done.stderr
    runs: dict[str, list[float]] = {name: [] for name in targets}
    cpu: dict[str, list[float]] = {name: [] for name in targets}
    for _ in range(repeat):
        for name, target in targets.items():
            timing = json.loads(_run(target).stdout)
            runs[name].append(timing["seconds"])
            cpu[name].append(timing["cpu_seconds"])
    baseline_ms = statistics.median(runs[BASELINE]) * 1000
    baseline_cpu_ms = statistics.median(cpu[BASELINE]) * 1000
    baseline_modules = set(modules[BASELINE])
    handlers = {}
    for name in HANDLERS:
        median_ms = statistics.median(runs[name]) * 1000
        cpu_ms = statistics.median(cpu[name]) * 1000
        handlers[name] = {
            "file": HANDLER_FILES[name],
            "median_ms": round(median_ms, 1),
            "ratio": round(median_ms / baseline_ms, 2),
            "cpu_median_ms": round(cpu_ms, 1),
            "cpu_ratio": round(cpu_ms / baseline_cpu_ms, 2),
            "runs_ms": [round(s * 1000, 1) for s in runs[name]],
            "modules": len(modules[name]),
            "extra_modules": len(set(modules[name]) - baseline_modules),
            "heaviest_extra": heaviest_extra(traces[name], baseline_modules),
        }
    return {
        "repeat": repeat,
        "baseline": {
            "target": "import boto3",
            "median_ms": round(baseline_ms, 1),
            "cpu_median_ms": round(baseline_cpu_ms, 1),
            "runs_ms": [round(s * 1000, 1) for s in runs[BASELINE]],
            "modules": len(baseline_modules),
        },
        "handlers": handlers,
    }
