"""The desk API on the demo city: latency through the local gateway, read units, bundle.

The city is started as ``make run`` starts it (:class:`~finestra_local.city.LocalCity`:
moto's server on loopback with every resource of the template, the demo city seeded,
the gateway in front), and an agent signs in with a real token from the local user
pool. Every call then takes the deployed path: HTTP to the gateway, its JWT check,
Lambda ``Invoke`` on moto's server, the desk handler in this process, and each of the
handler's DynamoDB calls over HTTP to moto.

Two passes over the same calls:

- timed: wall-clock time of each HTTP call at the client, nothing instrumented;
- metered: each distinct worklist call :data:`METERED_ROUNDS` times and each citizen's
  view once more, with :class:`DeskTap` weighing the DynamoDB calls the desk function
  makes (and only those) by DynamoDB's rules.

Each DynamoDB call is an HTTP round trip to moto, which filters, sorts and projects in
Python what it keeps, so the latencies are the local stack's, not DynamoDB's: they
compare runs on one machine, and the metered pass says how much of each call moto took.

The arithmetic (:func:`percentile`, :func:`query_read_units`, :func:`item_read_units`,
:func:`unfiltered`, :func:`measure_bundle`) is pure, and
``tests/benchmarks/test_desk_bench.py`` checks it.
"""

import contextlib
import copy
import gzip
import json
import logging
import math
import os
import re
import statistics
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

from botocore.client import BaseClient
from moto.awslambda.models import LambdaFunction
from moto.backends import get_backend

from finestra_local.lambdas import MOTO_METHOD
from tests.benchmarks.capacity import (
    Attributes,
    Index,
    TableShape,
    item_size,
    read_units,
    table_shape,
)
from tests.benchmarks.meter import UnitMeter, Usage
from tests.benchmarks.tap import ApiCallTap

DESK_FUNCTION: Final = "DeskApiFunction"
WORKLIST_PATH: Final = "/api/desk/v1/worklist"
REQUEST_PATH: Final = "/api/desk/v1/requests/{}"
CITIZEN_PATH: Final = "/api/desk/v1/citizens/{}"
DEFAULT_AGENT: Final = "agent.triage"
PAGE_SIZE: Final = 25
"""The desktop's worklist page (``PAGE_SIZE`` in ``desktop/src/screens/Worklist.tsx``)."""
CITIZENS: Final = 20
"""How many citizens the citizen 360 calls go round."""
METERED_ROUNDS: Final = 5
"""How many times each distinct worklist call is metered (each citizen's view once)."""
SLA_PREFERENCE: Final = ("breached", "at_risk", "on_time")
"""The SLA filter measured: the first of these the first page counts any request in."""
GZIP_LEVEL: Final = 9
BUNDLE_AIM_BYTES: Final = 300_000
"""The desktop's JavaScript, gzipped, stays under 300 kB (1 kB = 1,000 bytes)."""
CALL_TIMEOUT_S: Final = 120
MAIN_TABLE: Final = "FinestraTable"

KINDS: Final = {
    "worklist_first": "worklist, first page",
    "worklist_state": "worklist, state filter",
    "worklist_sla": "worklist, SLA filter",
    "worklist_next": "worklist, next page",
    "citizen": "citizen 360",
}
MIX: Final = ("worklist_state", "worklist_sla", "worklist_next")
"""The worklist calls that take turns in the mix, one after the other."""

_PLACEHOLDER = re.compile(r"[#:][A-Za-z0-9_]+")
_NOT_READING = frozenset(
    {
        "FilterExpression",
        "ProjectionExpression",
        "Select",
        "AttributesToGet",
        "QueryFilter",
        "ScanFilter",
        "ConditionalOperator",
        "ReturnConsumedCapacity",
    }
)

Shadow = Callable[[str, dict[str, Any]], list[Attributes]]
"""Runs a ``Query`` or ``Scan`` unmetered and answers its page of items."""


class DeskBenchFailed(RuntimeError):
    """The desk did not answer as the benchmark needs, so no figure of it counts."""


class BundleMissing(DeskBenchFailed):
    """The desktop's production build is not there to weigh."""


# ------------------------------------------------------------------ pure figures


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile: the smallest value with ``fraction`` of all at or below it.

    Raises
    ------
    ValueError
        When ``values`` is empty or ``fraction`` is not in (0, 1].
    """
    if not values:
        raise ValueError("no values")
    if not 0 < fraction <= 1:
        raise ValueError("the fraction lies in (0, 1]")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def spread(seconds: Sequence[float]) -> dict[str, float]:
    """Median, 95th percentile and slowest of call durations, in milliseconds."""
    ms = [value * 1000 for value in seconds]
    return {
        "calls": len(ms),
        "median_ms": round(statistics.median(ms), 2),
        "p95_ms": round(percentile(ms, 0.95), 2),
        "max_ms": round(max(ms), 2),
    }


def query_read_units(
    items: Sequence[Attributes], *, index: Index | None, consistent: bool
) -> float:
    """Read units of one ``Query`` or ``Scan`` page that read ``items``.

    The items are the ones the key condition read, before any filter; on an index each
    weighs its index entry (keys and projected attributes). Their sizes are added up
    and rounded up to 4 KB once.
    """
    entries = [index.entry(item) for item in items] if index is not None else list(items)
    return read_units(sum(item_size(entry) for entry in entries), consistent=consistent)


def item_read_units(items: Sequence[Attributes | None], *, consistent: bool) -> float:
    """Read units of ``GetItem`` or ``BatchGetItem`` reads: each item rounded up alone.

    An absent item (``None``) costs the minimum, as DynamoDB charges a read that
    finds nothing.
    """
    return sum(read_units(item_size(item), consistent=consistent) for item in items)


def unfiltered(params: Mapping[str, Any]) -> dict[str, Any]:
    """The same ``Query`` or ``Scan`` without what narrows its answer but not its read.

    Filter, projection and ``Select`` go, and with them the placeholders that only they
    used; the key condition, index, ``Limit`` and start key stay, so the answer is the
    page of items the original call read (``Limit`` counts items before the filter).
    """
    kept = {name: value for name, value in params.items() if name not in _NOT_READING}
    used = set(_PLACEHOLDER.findall(str(params.get("KeyConditionExpression", ""))))
    for part in ("ExpressionAttributeNames", "ExpressionAttributeValues"):
        if part not in kept:
            continue
        narrowed = {name: value for name, value in kept[part].items() if name in used}
        if narrowed:
            kept[part] = narrowed
        else:
            del kept[part]
    return kept


def measure_bundle(dist: Path, *, level: int = GZIP_LEVEL) -> dict[str, Any]:
    """Bytes of the production build's JavaScript (``assets/*.js``), raw and gzipped.

    Each file is compressed on its own, as a server sends it, with Python's ``gzip`` at
    ``level``.

    Raises
    ------
    BundleMissing
        When ``dist`` holds no built desktop or no JavaScript.
    """
    if not (dist / "index.html").is_file():
        raise BundleMissing(f"{dist} holds no built desktop: run `make desktop`")
    scripts = sorted((dist / "assets").glob("*.js"))
    if not scripts:
        raise BundleMissing(f"{dist / 'assets'} holds no JavaScript: run `make desktop`")
    raw: dict[str, int] = {}
    packed: dict[str, int] = {}
    for script in scripts:
        data = script.read_bytes()
        raw[script.name] = len(data)
        packed[script.name] = len(gzip.compress(data, compresslevel=level, mtime=0))
    packed_total = sum(packed.values())
    return {
        "dir": str(dist / "assets"),
        "files": [
            {"file": name, "raw_bytes": raw[name], "gzip_bytes": packed[name]} for name in raw
        ],
        "raw_bytes": sum(raw.values()),
        "gzip_bytes": packed_total,
        "gzip_level": level,
        "aim_gzip_bytes": BUNDLE_AIM_BYTES,
        "within_aim": packed_total < BUNDLE_AIM_BYTES,
    }


@dataclass
class CallTally:
    """What the DynamoDB calls of one desk call did, beside the units they cost."""

    api_calls: Counter[str] = field(default_factory=Counter)
    """API calls by operation: a transaction of two puts is one ``TransactWriteItems``."""
    seconds: dict[str, float] = field(default_factory=dict)
    """Wall-clock time inside each operation's calls, moto answering them."""
    items_read: int = 0
    """Items the key conditions of ``Query`` and ``Scan`` calls read, filter or not."""
    items_returned: int = 0
    scanned_count: int = 0
    """What moto answered as ``ScannedCount``: it should equal :attr:`items_read`."""


@dataclass(frozen=True)
class CallUnits:
    """What one desk call cost in DynamoDB."""

    read_units: float
    write_units: float
    calls: Mapping[str, int]
    dynamodb_ms: Mapping[str, float]
    items_read: int
    items_returned: int
    scanned_count: int

    @classmethod
    def of(cls, usage: Mapping[str, Usage], tally: CallTally) -> "CallUnits":
        """The call's figures from every part of the bill and its tally."""
        return cls(
            read_units=sum(part.reads for part in usage.values()),
            write_units=sum(part.writes for part in usage.values()),
            calls=dict(tally.api_calls),
            dynamodb_ms={op: seconds * 1000 for op, seconds in tally.seconds.items()},
            items_read=tally.items_read,
            items_returned=tally.items_returned,
            scanned_count=tally.scanned_count,
        )


def unit_summary(label: str, measured: Sequence[CallUnits]) -> dict[str, Any]:
    """Medians (and the largest read) of the calls of one kind, each metered once."""
    operations = sorted({op for units in measured for op in units.calls})

    def median(values: Iterable[float]) -> float:
        return float(statistics.median(values))

    return {
        "label": label,
        "measured_calls": len(measured),
        "read_units": median(u.read_units for u in measured),
        "read_units_max": max(u.read_units for u in measured),
        "write_units": median(u.write_units for u in measured),
        "calls": {op: median(u.calls.get(op, 0) for u in measured) for op in operations},
        "dynamodb_calls": median(sum(u.calls.values()) for u in measured),
        "dynamodb_ms": {
            op: round(median(u.dynamodb_ms.get(op, 0.0) for u in measured), 2) for op in operations
        },
        "items_read": median(u.items_read for u in measured),
        "items_returned": median(u.items_returned for u in measured),
        "scanned_matches": all(u.items_read == u.scanned_count for u in measured),
    }


# ------------------------------------------------------------------ metering


class DeskMeter(UnitMeter):
    """:class:`UnitMeter` with every read weighed as DynamoDB weighs it.

    ``GetItem`` and ``BatchGetItem`` are charged per item on the stored item (a
    projection does not make a read cheaper); ``Query`` and ``Scan`` on every item the
    key condition read, filtered out or not, which ``shadow`` finds by running the
    call again without its filter, projection and ``Select``. Writes are the parent's.
    """

    def __init__(
        self,
        shapes: Mapping[str, TableShape],
        bucket: Callable[[str, Attributes], str],
        read: Callable[[str, Attributes], Attributes | None],
        shadow: Shadow,
    ) -> None:
        super().__init__(shapes, bucket, read)
        self._table_shapes = shapes
        self._stored = read
        self._shadow = shadow
        self.tally = CallTally()

    def reset(self) -> None:
        """Forget what was counted so far, the tally too."""
        super().reset()
        self.tally = CallTally()

    def observe(self, operation: str, params: Mapping[str, Any], call: Callable[[], Any]) -> Any:
        """Run ``call`` (the API call itself), timed, and count what it consumed."""
        tally = self.tally

        def timed_call() -> Any:
            started = time.perf_counter()
            try:
                return call()
            finally:
                spent = time.perf_counter() - started
                tally.seconds[operation] = tally.seconds.get(operation, 0.0) + spent
                tally.api_calls[operation] += 1

        if operation in ("Query", "Scan"):
            response = timed_call()
            self._searched(operation, params, response)
            return response
        if operation == "GetItem":
            response = timed_call()
            self._got(params["TableName"], [params["Key"]], params, operation)
            return response
        if operation == "BatchGetItem":
            response = timed_call()
            unprocessed = response.get("UnprocessedKeys") or {}
            for table, wanted in params["RequestItems"].items():
                left = unprocessed.get(table, {}).get("Keys", [])
                keys = [key for key in wanted["Keys"] if key not in left]
                self._got(table, keys, wanted, operation)
            return response
        return super().observe(operation, params, timed_call)

    def _searched(
        self, operation: str, params: Mapping[str, Any], response: Mapping[str, Any]
    ) -> None:
        table = params["TableName"]
        read = self._shadow(operation, unfiltered(params))
        shape = self._table_shapes.get(table)
        index = None
        if shape is not None and "IndexName" in params:
            index = next((i for i in shape.indexes if i.name == params["IndexName"]), None)
        consistent = bool(params.get("ConsistentRead", False))
        part = self._part(table, {})
        part.reads += query_read_units(read, index=index, consistent=consistent)
        part.calls[operation] += 1
        self.tally.items_read += len(read)
        self.tally.items_returned += int(response.get("Count", 0))
        self.tally.scanned_count += int(response.get("ScannedCount", 0))

    def _got(
        self, table: str, keys: Sequence[Attributes], params: Mapping[str, Any], operation: str
    ) -> None:
        consistent = bool(params.get("ConsistentRead", False))
        stored = [self._stored(table, key) for key in keys]
        part = self._part(table, keys[0] if keys else {})
        part.reads += item_read_units(stored, consistent=consistent)
        part.calls[operation] += 1


class DeskTap(ApiCallTap):
    """:class:`ApiCallTap` that meters only the calls one Lambda function makes.

    Moto's server runs each invocation in the thread that serves the ``Invoke``, and the
    handler's AWS calls are made in that thread, so an invocation marks its thread while
    it runs. DynamoDB calls made meanwhile by anything else (the stack's triggers) are
    counted in :attr:`elsewhere`, not metered.
    """

    def __init__(self, function: str) -> None:
        super().__init__()
        self.function = function
        self.elsewhere = 0
        self._running = threading.local()

    @contextlib.contextmanager
    def acting_as(self, function: str) -> Iterator[None]:
        """Mark this thread as running ``function`` for the duration of the block."""
        outer = getattr(self._running, "function", None)
        self._running.function = function
        try:
            yield
        finally:
            self._running.function = outer

    @contextlib.contextmanager
    def installed(self) -> Iterator["DeskTap"]:
        """Wrap botocore's API calls and moto's Lambda invocations for the block."""
        current = LambdaFunction.__dict__[MOTO_METHOD]
        tap = self

        def invoke(function: Any, event: Any = None) -> Any:
            with tap.acting_as(str(function.function_name)):
                return current(function, event)

        with super().installed():
            setattr(LambdaFunction, MOTO_METHOD, invoke)
            try:
                yield self
            finally:
                setattr(LambdaFunction, MOTO_METHOD, current)

    def call(self, client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        """Meter the call if this thread runs the function, else just make it."""
        if getattr(self._running, "function", None) == self.function:
            return super().call(client, operation, params)
        if self.active and client.meta.service_model.service_name == "dynamodb":
            self.elsewhere += 1
        return self._original(client, operation, params)


# ------------------------------------------------------------------ the desk over HTTP


class DeskClient:
    """GETs the desk API through the gateway with a staff member's ID token."""

    def __init__(self, url: str, token: str) -> None:
        self._url = url
        self._headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def get(self, path: str) -> tuple[Any, float]:
        """The answer to ``GET path`` and the seconds the HTTP exchange took.

        Raises
        ------
        DeskBenchFailed
            When the desk answers anything but 200 (the error code, never its body).
        """
        request = urllib.request.Request(self._url + path, headers=self._headers)
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=CALL_TIMEOUT_S) as response:
                body = response.read()
        except urllib.error.HTTPError as refused:
            code = _error_code(refused.read())
            raise DeskBenchFailed(
                f"GET {path.partition('?')[0]} answered {refused.code} ({code})"
            ) from None
        elapsed = time.perf_counter() - started
        return json.loads(body), elapsed


def _error_code(body: bytes) -> str:
    try:
        answer = json.loads(body)
    except ValueError:
        return "no JSON"
    return str(answer.get("code") or answer.get("message") or "no code")


@dataclass(frozen=True)
class Plan:
    """The distinct calls measured: one path per worklist kind, one per citizen."""

    group: str
    page_size: int
    next_page_size: int
    state: str
    sla: str
    first_page_items: int
    paths: Mapping[str, str]
    citizens: tuple[str, ...]

    def distinct(self) -> list[tuple[str, str]]:
        """Every distinct call as (kind, path)."""
        calls = list(self.paths.items())
        return calls + [("citizen", CITIZEN_PATH.format(c)) for c in self.citizens]


def worklist_path(**query: object) -> str:
    """The worklist's path with ``query`` as its query string, in the order given."""
    return f"{WORKLIST_PATH}?{urllib.parse.urlencode(query)}" if query else WORKLIST_PATH


def _busiest(desk: DeskClient, groups: Sequence[str], page_size: int) -> tuple[str, Any]:
    """The group whose first page is fullest (one with a next page first), and that page."""
    pages = {group: desk.get(worklist_path(group=group, limit=page_size))[0] for group in groups}

    def fullness(group: str) -> tuple[bool, int, int]:
        page = pages[group]
        return bool(page["next_cursor"]), len(page["items"]), sum(page["counts"].values())

    group = max(groups, key=fullness)
    return group, pages[group]


def _next_page(
    desk: DeskClient, group: str, page_size: int, first: Mapping[str, Any]
) -> tuple[int, str]:
    """The page size and path of a second page: the desktop's when the list runs that long.

    A list that fits one page of ``page_size`` is read in pages of half its length.
    """
    if first["next_cursor"]:
        return page_size, worklist_path(group=group, limit=page_size, cursor=first["next_cursor"])
    if len(first["items"]) < 2:
        raise DeskBenchFailed("the agent's worklist is too short to have a next page")
    size = math.ceil(len(first["items"]) / 2)
    halved, _ = desk.get(worklist_path(group=group, limit=size))
    if not halved["next_cursor"]:
        raise DeskBenchFailed("the agent's worklist handed out no cursor for a next page")
    return size, worklist_path(group=group, limit=size, cursor=halved["next_cursor"])


def plan(
    desk: DeskClient, groups: Sequence[str], *, page_size: int, citizens: int = CITIZENS
) -> Plan:
    """Choose the calls from what the agent's own worklist answers.

    The worklist is the agent's busiest group's. The state filter takes the state most
    requests of its first page are in, the SLA filter the first of
    :data:`SLA_PREFERENCE` the page counts any request in, the next page the first
    page's cursor; the citizens are those of the requests these pages list, read
    through the request detail, in the order the pages list them.

    Raises
    ------
    DeskBenchFailed
        When the agent has no group, or its worklist is empty, one request long, or
        names no citizen.
    """
    if not groups:
        raise DeskBenchFailed("the agent's account names no group")
    group, first = _busiest(desk, groups, page_size)
    items = first["items"]
    if not items:
        raise DeskBenchFailed("the agent's worklist is empty")
    state = Counter(item["state"] for item in items).most_common(1)[0][0]
    counts = first["counts"]
    sla = next((name for name in SLA_PREFERENCE if counts.get(name)), SLA_PREFERENCE[-1])
    next_size, next_path = _next_page(desk, group, page_size, first)
    paths = {
        "worklist_first": worklist_path(group=group, limit=page_size),
        "worklist_state": worklist_path(group=group, state=state, limit=page_size),
        "worklist_sla": worklist_path(group=group, sla=sla, limit=page_size),
        "worklist_next": next_path,
    }
    references = [item["reference"] for item in items]
    for kind in MIX:
        page, _ = desk.get(paths[kind])
        references += [item["reference"] for item in page["items"]]
    found: list[str] = []
    for reference in dict.fromkeys(references):
        detail, _ = desk.get(REQUEST_PATH.format(reference))
        citizen = detail["request"].get("citizen_id")
        if citizen and citizen not in found:
            found.append(citizen)
        if len(found) == citizens:
            break
    if not found:
        raise DeskBenchFailed("no request of the agent's worklist names a citizen")
    return Plan(group, page_size, next_size, state, sla, len(items), paths, tuple(found))


def timed(
    desk: DeskClient, calls: Sequence[tuple[str, str]], count: int, *, warmup: int = 0
) -> dict[str, list[float]]:
    """``warmup + count`` calls taking ``calls`` in turn; the seconds of the last ``count``."""
    seconds: dict[str, list[float]] = {}
    for n in range(warmup + count):
        kind, path = calls[n % len(calls)]
        _, elapsed = desk.get(path)
        if n >= warmup:
            seconds.setdefault(kind, []).append(elapsed)
    return seconds


def metered(
    desk: DeskClient, tap: DeskTap, meter: DeskMeter, calls: Sequence[tuple[str, str]]
) -> dict[str, list[CallUnits]]:
    """Each of ``calls`` with the tap on; what each cost, by kind."""
    found: dict[str, list[CallUnits]] = {}
    for kind, path in calls:
        meter.reset()
        tap.active = True
        try:
            desk.get(path)
        finally:
            tap.active = False
        found.setdefault(kind, []).append(CallUnits.of(meter.snapshot(), meter.tally))
    return found


# ------------------------------------------------------------------ the run


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _shapes(template: dict[str, Any], names: Mapping[str, str]) -> dict[str, TableShape]:
    """The template's tables, keyed by the names the local stack gave them."""
    return {
        names[logical_id]: replace(table_shape(template, logical_id), name=names[logical_id])
        for logical_id in names
    }


def stored_items(account: str, region: str) -> Callable[[str, Attributes], Attributes | None]:
    """Reads an item as moto holds it now, copied, in DynamoDB's wire form."""

    def read(table: str, key: Attributes) -> Attributes | None:
        item = get_backend("dynamodb")[account][region].get_item(table, dict(key))
        return copy.deepcopy(item.to_json()["Attributes"]) if item is not None else None

    return read


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Keep moto's request log and the handlers' JSON lines off the report."""
    server_log = logging.getLogger("werkzeug")
    level = server_log.level
    server_log.setLevel(logging.WARNING)
    with open(os.devnull, "w") as null, contextlib.redirect_stdout(null):
        try:
            yield
        finally:
            server_log.setLevel(level)


def measure(
    *, calls: int, warmup: int, agent: str, root: Path, page_size: int = PAGE_SIZE
) -> dict[str, Any]:
    """Start the demo city, time and meter the agent's desk calls, then stop it.

    Parameters
    ----------
    calls : int
        Timed calls of each of the first page, the worklist mix and the citizen 360.
    warmup : int
        Unmeasured calls before each of the three, taking their calls in the same turns.
    agent : str
        The demo staff account whose token the calls carry.
    root : Path
        The repository.
    page_size : int, optional
        The worklist's ``limit``, the desktop's by default.
    """
    from finestra_local.city import LocalCity
    from finestra_local.resources import ACCOUNT_ID, REGION
    from finestra_local.staff import DEMO_STAFF, sign_in

    account = next((m for m in DEMO_STAFF if m.username == agent), None)
    if account is None:
        raise DeskBenchFailed(f"no demo staff account is called {agent}")
    with _quiet(), LocalCity(root, port=0) as city:
        stack = city.stack
        _progress("  signing in and choosing the calls ...")
        tokens = sign_in(
            stack.client, stack.user_pool_id, stack.client_id, account.username, account.password
        )
        desk = DeskClient(city.url, tokens.id_token)
        chosen = plan(desk, account.groups, page_size=page_size)
        distinct = chosen.distinct()
        first = [("worklist_first", chosen.paths["worklist_first"])]
        mix = [(kind, chosen.paths[kind]) for kind in MIX]
        views = [(kind, path) for kind, path in distinct if kind == "citizen"]
        seconds: dict[str, list[float]] = {}
        for name, turns in (("first page", first), ("mix", mix), ("citizen 360", views)):
            _progress(f"  {name}: {warmup} warm-up and {calls} timed calls ...")
            seconds.update(timed(desk, turns, calls, warmup=warmup))
        _progress("  metering the distinct calls ...")
        names = {
            logical_id: stack.resources.resolver.ref(logical_id)
            for logical_id, resource in stack.template["Resources"].items()
            if resource.get("Type") == "AWS::DynamoDB::Table"
        }
        main_table = names[MAIN_TABLE]
        shadow_client = stack.client("dynamodb")

        def shadow(operation: str, params: dict[str, Any]) -> list[Attributes]:
            search = shadow_client.query if operation == "Query" else shadow_client.scan
            items: list[Attributes] = search(**params)["Items"]
            return items

        meter = DeskMeter(
            _shapes(stack.template, names),
            lambda table, _key: "main" if table == main_table else table,
            stored_items(ACCOUNT_ID, REGION),
            shadow,
        )
        tap = DeskTap(DESK_FUNCTION)
        tap.meter = meter
        worklist = [(kind, path) for kind, path in distinct if kind != "citizen"]
        with tap.installed():
            units = metered(desk, tap, meter, worklist * METERED_ROUNDS + views)
        report = city.report
    latency = {kind: {"label": KINDS[kind], **spread(seconds[kind])} for kind in seconds}
    latency["worklist_mix"] = {
        "label": "worklist, mix",
        **spread([s for kind in MIX for s in seconds[kind]]),
    }
    return {
        "agent": agent,
        "districts": list(account.districts),
        "groups": list(account.groups),
        "city": {
            "citizens": report.citizens if report else None,
            "requests": report.requests if report else None,
            "items": report.items if report else None,
        },
        "calls": calls,
        "warmup": warmup,
        "chosen": {
            "group": chosen.group,
            "page_size": chosen.page_size,
            "next_page_size": chosen.next_page_size,
            "state": chosen.state,
            "sla": chosen.sla,
            "citizens": len(chosen.citizens),
            "first_page_items": chosen.first_page_items,
        },
        "latency": latency,
        "dynamodb": {kind: unit_summary(KINDS[kind], found) for kind, found in units.items()},
        "dynamodb_calls_elsewhere": tap.elsewhere,
    }
