"""The benchmark figures as readable tables, and what they cost per 1,000 intakes."""

import textwrap
from collections.abc import Sequence
from typing import Any

# List prices, us-east-1, 2026.
PRICE_WRITE_UNIT = 0.625 / 1_000_000
PRICE_READ_UNIT = 0.125 / 1_000_000
PRICE_LAMBDA_REQUEST = 0.20 / 1_000_000
INTAKES_A_YEAR = 350_000


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table: the first column to the left, the others to the right."""
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [
        max(len(header), *(len(row[i]) for row in cells)) if cells else len(header)
        for i, header in enumerate(headers)
    ]

    def line(values: Sequence[str]) -> str:
        first = values[0].ljust(widths[0])
        rest = [value.rjust(width) for value, width in zip(values[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest]).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(list(headers)), rule, *(line(row) for row in cells)])


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:.0f}"
    return str(value)


def _title(text: str) -> str:
    return f"\n{text}\n{'=' * len(text)}"


def startup_section(startup: dict[str, Any]) -> str:
    """Section 1: import time of each handler against a bare ``import boto3``."""
    baseline = startup["baseline"]
    rows: list[list[object]] = [
        [
            "import boto3 (baseline)",
            baseline["median_ms"],
            "1.00",
            baseline["cpu_median_ms"],
            "1.00",
            baseline["modules"],
            "",
        ]
    ]
    for name, entry in startup["handlers"].items():
        rows.append(
            [
                name,
                entry["median_ms"],
                f"{entry['ratio']:.2f}",
                entry["cpu_median_ms"],
                f"{entry['cpu_ratio']:.2f}",
                entry["modules"],
                entry["extra_modules"],
            ]
        )
    lines = [
        _title("1. Start-up import time (ratio to a bare `import boto3`; aim <= 1.5)"),
        f"Median of {startup['repeat']} fresh interpreters each; only the import is timed,",
        "by the clock (the ratio that counts) and by process CPU (steadier on a busy machine).",
        "",
        table(
            ["target", "median ms", "ratio", "CPU ms", "CPU ratio", "modules", "beyond boto3's"],
            rows,
        ),
        "",
        "Heaviest packages beyond boto3's (self time under -X importtime; who imports them):",
    ]
    for name, entry in startup["handlers"].items():
        heavy = ", ".join(
            f"{item['package']} {item['self_ms_under_importtime']:.0f} ms ({item['imported_by']})"
            for item in entry["heaviest_extra"]
        )
        lines.append(f"  {name}: {heavy}")
    return "\n".join(lines)


def cpu_section(cpu: dict[str, Any]) -> str:
    """Section 2: CPU per event outside the AWS calls."""
    scenario_rows = [
        [
            entry["label"],
            entry["handler"],
            entry["events"],
            entry["median_ms"],
            entry["p90_ms"],
            entry["aws_calls"],
            entry["aws_median_ms"],
        ]
        for entry in cpu["scenarios"].values()
    ]
    handler_rows = [
        [name, entry["events"], entry["median_ms"], entry["p90_ms"], entry["first_call_ms"]]
        for name, entry in cpu["handlers"].items()
    ]
    lines = [
        _title("2. Handler CPU per event, AWS calls excluded (aim <= 0.5 ms)"),
        "time.process_time() around each invocation, minus the process time spent inside",
        "botocore's BaseClient._make_api_call. EXCLUDED: every AWS call (botocore building,",
        "signing and parsing the request, and moto answering it in-process). INCLUDED: all",
        "else the handler runs: event parsing and pydantic validation, Powertools logging,",
        "metrics, batch and idempotency, identity hashing and sealing, the project's code and",
        "its DynamoDB (de)serialisation. Warm invocations only: 'first call' is the process's",
        "first invocation, which also validates settings, builds clients, loads the catalogue.",
        "",
        table(
            ["scenario", "handler", "events", "median ms", "p90 ms", "AWS calls", "excl. ms"],
            scenario_rows,
        ),
        "",
        table(
            ["handler", "events", "median ms", "p90 ms", "first call ms"],
            handler_rows,
        ),
        "",
        "Where the included CPU goes (cProfile, paused inside AWS calls; share of own time):",
    ]
    for name, entry in cpu.get("breakdown", {}).items():
        shares = ", ".join(
            f"{item['package']} {item['share']:.0%}" for item in entry["packages"][:6]
        )
        lines.append(f"  {name}: {shares}")
        heavy = ", ".join(
            f"{_function_name(item['function'])} x{item['calls_per_event']:g} "
            f"{item['cumulative_share']:.0%}"
            for item in entry["project_functions"][:4]
        )
        lines.append(f"    project functions (calls per event, cumulative share): {heavy}")
    return "\n".join(lines)


def _function_name(where: str) -> str:
    location, _, function = where.rpartition(" ")
    module = location.rsplit(":", 1)[0].removeprefix("layers/finestra/").removesuffix(".py")
    return f"{module.replace('/', '.')}.{function}"


def _calls(calls: dict[str, float]) -> str:
    short = {
        "GetItem": "Get",
        "Query": "Query",
        "PutItem": "Put",
        "UpdateItem": "Update",
        "DeleteItem": "Delete",
        "TransactPut": "TxPut",
        "TransactUpdate": "TxUpdate",
        "TransactDelete": "TxDelete",
        "TransactConditionCheck": "TxCheck",
        "BatchGetItem": "BatchGet",
        "TransactWriteItems": "TxWrite",
    }
    return " ".join(f"{short.get(op, op)}x{n:g}" for op, n in calls.items())


def units_section(units: dict[str, Any]) -> str:
    """Section 3: DynamoDB units per intake, computed and as moto reports them."""
    rows = []
    call_rows = []
    for entry in units["scenarios"].values():
        main, idem = entry["main"], entry["idempotency"]
        call_rows.append([entry["label"], _calls(main["calls"]), _calls(idem["calls"])])
        rows.append(
            [
                entry["label"],
                main["item_writes"],
                main["index_writes"],
                main["writes"],
                idem["writes"],
                main["writes"] + idem["writes"],
                main["reads"],
                idem["reads"],
                main["moto_writes"] + idem["moto_writes"],
                main["moto_reads"] + idem["moto_reads"],
            ]
        )
    counter = units["reference_counter"]
    lines = [
        _title("3. DynamoDB units per intake (aim <= 3 writes on the main table)"),
        "Computed from each item before and after the write (DynamoDB's size rules, 1 KB",
        "write units doubled in transactions, 4 KB read units halved when eventually",
        "consistent, GSI entries from template.yaml's projections). moto's own figures are",
        "constants: 1 per put or query, 0.5 per get or update, nothing for a transaction.",
        "",
        table(
            [
                "scenario",
                "item W",
                "GSI W",
                "main W",
                "idem W",
                "total W",
                "main R",
                "idem R",
                "moto W",
                "moto R",
            ],
            rows,
        ),
        "",
        table(
            ["scenario", "main-table calls per intake", "idempotency-table calls"],
            call_rows,
        ),
        "",
        (
            f"Reference counter: one UpdateItem of {_cell(counter['write_units_per_update'])} "
            f"WCU per block of {counter['block']} references (moto says "
            f"{_cell(counter['moto_writes_per_update'])}),"
        ),
        (
            f"so {_cell(counter['write_units_per_intake'])} WCU per intake that opens a request; "
            "not in the rows above, added in section 4."
        ),
        "GSI writes are charged at the standard rate inside transactions too. The reply's",
        "pending request is seeded as the tests seed it, before any routing, so it has no",
        "due-date or map index entry that the reply's flag would also rewrite.",
    ]
    return "\n".join(lines)


def costs(units: dict[str, Any]) -> dict[str, Any]:
    """DynamoDB and Lambda request charges per 1,000 intakes of each scenario."""
    share = units["reference_counter"]["write_units_per_intake"] or 0.0
    result = {}
    for key, entry in units["scenarios"].items():
        main, idem = entry["main"], entry["idempotency"]
        writes = main["writes"] + idem["writes"] + (share if entry["allocates_reference"] else 0)
        reads = main["reads"] + idem["reads"]
        dynamodb = 1000 * (writes * PRICE_WRITE_UNIT + reads * PRICE_READ_UNIT)
        requests = 1000 * PRICE_LAMBDA_REQUEST
        result[key] = {
            "label": entry["label"],
            "write_units": round(writes, 4),
            "read_units": round(reads, 4),
            "dynamodb_usd": dynamodb,
            "lambda_requests_usd": requests,
            "total_usd": dynamodb + requests,
        }
    return {
        "per": 1000,
        "prices_usd": {
            "write_unit": PRICE_WRITE_UNIT,
            "read_unit": PRICE_READ_UNIT,
            "lambda_request": PRICE_LAMBDA_REQUEST,
        },
        "scenarios": result,
    }


def cost_section(cost: dict[str, Any]) -> str:
    """Section 4: cost per 1,000 intakes."""
    entries = list(cost["scenarios"].values())
    rows = [
        [
            entry["label"],
            entry["write_units"],
            entry["read_units"],
            f"{entry['dynamodb_usd']:.5f}",
            f"{entry['lambda_requests_usd']:.5f}",
            f"{entry['total_usd']:.5f}",
        ]
        for entry in entries
    ]
    dearest = max(entries, key=lambda entry: entry["total_usd"])
    yearly = dearest["total_usd"] * INTAKES_A_YEAR / 1000
    return "\n".join(
        [
            _title("4. Cost per 1,000 intakes (DynamoDB on demand and Lambda requests)"),
            "$0.625 per million write units, $0.125 per million read units, $0.20 per million",
            "Lambda requests; Lambda duration, API Gateway, SNS, SQS, S3 and logs are left out.",
            "",
            table(["scenario", "W/intake", "R/intake", "DynamoDB $", "Lambda $", "$"], rows),
            "",
            (
                f"At {INTAKES_A_YEAR:,} intakes a year, all like the dearest row "
                f"({dearest['label']}): ${yearly:.2f} a year."
            ),
        ]
    )


def _usd(value: float) -> str:
    return f"{value:,.2f}"


def workflow_section(workflow: dict[str, Any]) -> str:
    """Section 5: the request workflow per request, and what a million requests cost."""
    lines = [
        _title("5. The request workflow per request (aim: processing <= $10 per million)"),
        "Each request goes through its intake function, then the workflow starter (fed the",
        "INSERT stream record), then the template's state machine run by moto's interpreter,",
        "every task in-process against the demo back office on loopback. Median of",
        f"{workflow['iterations']} requests per scenario, each from a new citizen, on empty "
        "tables.",
        "",
        *_transitions_part(workflow),
        "",
        *_backoffice_part(workflow),
        "",
        *_dynamodb_part(workflow),
        "",
        *_logs_part(workflow),
        "",
        *_bill_part(workflow),
    ]
    return "\n".join(lines)


def _transitions_part(workflow: dict[str, Any]) -> list[str]:
    rows = [
        [
            entry["label"],
            entry["systems"],
            entry["transitions"]["total"],
            entry["lambda_invocations"]["workflow"],
            entry["lambda_invocations"]["total"],
            round(entry["execution_ms"]),
            _usd(entry["cost"]["express_usd"]),
            _usd(entry["cost"]["standard_usd"]),
        ]
        for entry in workflow["scenarios"].values()
    ]
    tasks = [
        [name, entry["per_request"], entry["median_ms"]]
        for name, entry in workflow["tasks"].items()
    ]
    return [
        "State transitions and Lambda invocations per request:",
        table(
            [
                "request",
                "systems",
                "states",
                "tasks",
                "Lambda",
                "exec ms",
                "Express $/M",
                "Standard $/M",
            ],
            rows,
        ),
        "'states' counts every *StateEntered event of the history, Map iterations included:",
        "what Standard bills per transition ($25 per million). Express bills the execution",
        "($1 per million) and its duration in 64 MB, 100 ms steps, here moto's span of the",
        "execution. 'tasks' are the workflow's Lambda invocations; 'Lambda' adds the intake",
        "and the starter.",
        "",
        "Lambda duration stand-in: wall-clock time of each in-process invocation (moto",
        "answers its AWS calls in-process; a Map's lookups run at once on a shared CPU):",
        table(["function or task", "per request", "median ms"], tasks),
    ]


def _backoffice_part(workflow: dict[str, Any]) -> list[str]:
    rows = [
        [
            entry["label"],
            entry["systems"],
            entry["backoffice_calls"],
            " ".join(f"{code} x{n:g}" for code, n in entry["backoffice_by_system"].items()),
        ]
        for entry in workflow["scenarios"].values()
    ]
    pairs = workflow["cache"].values()
    cache_rows = [
        [
            f"{pair['short']}: {pair['label'].partition(': ')[2]}",
            pair["first"]["backoffice_calls"],
            pair["second"]["backoffice_calls"],
            f"{pair['first']['lookup_read_units']:g} / {pair['second']['lookup_read_units']:g}",
            _usd(pair["first"]["processing_usd_per_million"]),
            _usd(pair["second"]["processing_usd_per_million"]),
        ]
        for pair in pairs
    ]
    lines = [
        "Back-office calls per request (the demo service's call counts before and after):",
        table(["request", "systems", "calls", "by system"], rows),
        "",
        "The same citizen's second request straight after the first (the snapshot cache;",
        "medians of as many pairs; lookup R: the lookup tasks' read units, 1st / 2nd):",
        table(
            ["second request", "1st calls", "2nd calls", "lookup R", "1st $/M", "2nd $/M"],
            cache_rows,
        ),
    ]
    if any(pair["moved"] and not pair["second"]["backoffice_calls"] for pair in pairs):
        lines += [
            "The request 2 km away asked no system either: snapshots are kept per citizen,",
            "so the systems looked up by place answered with what they said of the first.",
        ]
    return lines


def _units(task: dict[str, Any]) -> str:
    return f"{task['item_writes']:g}+{task['index_writes']:g}/{task['reads']:g}"


def _dynamodb_part(workflow: dict[str, Any]) -> list[str]:
    entries = list(workflow["scenarios"].values())
    names = list(dict.fromkeys(name for entry in entries for name in entry["dynamodb"]))
    detail = workflow["scenarios"].get("most-systems", entries[-1])
    rows: list[list[object]] = [
        [
            name,
            *(_units(e["dynamodb"][name]) if name in e["dynamodb"] else "" for e in entries),
            _calls(detail["dynamodb"].get(name, {}).get("calls", {})),
        ]
        for name in names
    ]
    totals = []
    for entry in entries:
        tasks = entry["dynamodb"].values()
        writes = sum(task["item_writes"] + task["index_writes"] for task in tasks)
        totals.append(f"{writes:g}/{sum(task['reads'] for task in tasks):g}")
    rows.append(["all (W/R)", *totals, ""])
    return [
        "DynamoDB units per request by function or task (section 3's rules), as item W +",
        "GSI W / R; the reference counter's share is added in the bill:",
        table(
            ["function or task", *(e["short"] for e in entries), f"calls ({detail['short']})"],
            rows,
        ),
    ]


def _logs_part(workflow: dict[str, Any]) -> list[str]:
    sources = list(dict.fromkeys(s for e in workflow["scenarios"].values() for s in e["log_bytes"]))
    rows = [
        [
            entry["short"],
            *(entry["log_bytes"].get(source, 0) for source in sources),
            sum(entry["log_bytes"].values()),
            sum(entry["log_lines"].values()),
        ]
        for entry in workflow["scenarios"].values()
    ]
    return [
        "CloudWatch Logs bytes per request, by source (lines as captured; the runtime's",
        "lines as the in-process runner writes them, AWS's REPORT line is longer; the HTTP",
        "API access log line rendered from the template's format with typical values):",
        table(["request", *sources, "bytes", "lines"], rows),
    ]


def _bill_part(workflow: dict[str, Any]) -> list[str]:
    columns = [*workflow["scenarios"].values(), workflow["mean"]]
    headers = ["$ per million requests", *(e.get("short", "mean") for e in columns)]
    first = columns[0]["cost"]["lines"]
    rows: list[list[object]] = [
        [line["label"], *(_usd(e["cost"]["lines"][key]["usd"]) for e in columns)]
        for key, line in first.items()
        if line["part"] != "comparison"
    ]
    for part in ("processing", "delivery", "total"):
        rows.append([part.upper(), *(_usd(e["cost"][f"{part}_usd"]) for e in columns)])
    prices = workflow["prices"]
    processing = [e["cost"]["processing_usd"] for e in workflow["scenarios"].values()]
    placeholder = ", a PLACEHOLDER price" if prices["sms_segment_is_placeholder"] else ""
    legend = "; ".join(f"{e['short']} = {e['label']}" for e in workflow["scenarios"].values())
    return [
        f"Cost per million requests, {prices['region']} list prices of {prices['as_of']} "
        f"({prices['file']}):",
        table(headers, rows),
        *textwrap.wrap(f"{legend}; mean = {workflow['mean']['label']}.", width=88),
        "Processing is everything but message delivery: SES email, and SMS segments at",
        f"${prices['sms_segment_usd']:.2f} each{placeholder}. Lambda duration is the stand-in "
        "above.",
        f"Processing: ${min(processing):.2f} to ${max(processing):.2f} per million requests"
        " against an aim of $10.",
        "Not counted: X-Ray (tracing is Active; "
        f"${prices['xray_trace_usd'] * 1_000_000:.2f} per million traces, and a request",
        "makes at least two: the intake's, and the starter's that the execution joins),",
        "storage, KMS, inbound SMS, the SQS pollers' empty receives, the secrets fetched",
        "when a five-minute cache runs out.",
    ]


def _kb(size: float) -> str:
    return f"{size / 1000:,.1f}"


def desk_section(desk: dict[str, Any]) -> str:
    """Section 6: the desk API's latency and read units on the demo city, and the bundle."""
    city, chosen = desk["city"], desk["chosen"]
    intro = (
        f"As {desk['agent']} (groups {', '.join(desk['groups'])}; districts "
        f"{', '.join(desk['districts'])}), signed in with a token of the local user pool, on "
        f"the demo city of {city['citizens']:,} citizens and {city['requests']:,} requests "
        f"({city['items']:,} items): group {chosen['group']}'s worklist, {chosen['page_size']} "
        "a page as the desktop asks."
    )
    lines = [
        _title("6. The desk API on the demo city (aim: desktop JavaScript < 300 kB gzipped)"),
        *textwrap.wrap(intro, width=88),
        "",
        *_desk_latency_part(desk),
        "",
        *_desk_units_part(desk),
        "",
        *_bundle_part(desk["bundle"]),
    ]
    return "\n".join(lines)


def _desk_latency_part(desk: dict[str, Any]) -> list[str]:
    latency, chosen = desk["latency"], desk["chosen"]
    named = {
        "worklist_first": "worklist, first page",
        "worklist_mix": "worklist, mix of the three below",
        "worklist_state": f"  state filter ({chosen['state']})",
        "worklist_sla": f"  SLA filter ({chosen['sla']})",
        "worklist_next": f"  next page ({chosen['next_page_size']} a page)",
        "citizen": f"citizen 360 ({chosen['citizens']} citizens in turn)",
    }
    figures = ("calls", "median_ms", "p95_ms", "max_ms")
    rows = [
        [label, *(latency[kind][figure] for figure in figures)]
        for kind, label in named.items()
        if kind in latency
    ]
    lines = [
        f"Wall-clock time of each HTTP call at the client, after {desk['warmup']} warm-up calls "
        "of each of",
        "the first page, the mix and the citizen 360: the gateway's JWT check, Lambda Invoke on",
        "moto's server, the desk handler in-process, each DynamoDB call over HTTP to moto.",
        table(["call", "calls", "median ms", "p95 ms", "max ms"], rows),
    ]
    if chosen["next_page_size"] != chosen["page_size"]:
        lines.append(
            f"The list fits one page of {chosen['page_size']}, so the next page is the second "
            f"of pages of {chosen['next_page_size']}."
        )
    lines += [
        "Each DynamoDB call is an HTTP round trip to moto, which filters, sorts and projects",
        "in Python what it keeps for the call ('moto ms' below): these are the local stack's",
        "times, not DynamoDB's, to compare runs on one machine.",
    ]
    return lines


def _desk_units_part(desk: dict[str, Any]) -> list[str]:
    units = desk["dynamodb"]
    rows = [
        [
            entry["label"],
            entry["measured_calls"],
            entry["dynamodb_calls"],
            _calls(entry["calls"]),
            entry["items_read"],
            entry["items_returned"],
            entry["read_units"],
            entry["read_units_max"],
            entry["write_units"],
            round(sum(entry["dynamodb_ms"].values()), 1),
        ]
        for entry in units.values()
    ]
    agreed = all(entry["scanned_matches"] for entry in units.values())
    lines = [
        "DynamoDB per desk call, medians of a metered pass after the timed one ('metered':",
        "each distinct worklist call several times, each citizen's view once; 'R max' the",
        "dearest of them):",
        table(
            [
                "call",
                "metered",
                "calls",
                "by operation",
                "read",
                "returned",
                "RCU",
                "R max",
                "WCU",
                "moto ms",
            ],
            rows,
        ),
        "RCU by DynamoDB's rules: a Query (Select=COUNT too) is charged on the summed size of",
        "every item its key condition read, those its FilterExpression drops included, as",
        "index entries (keys and projected attributes) on an index, rounded up to 4 KB once;",
        "GetItem and BatchGetItem per stored item, each rounded up to 4 KB, a missing one at",
        "the minimum; half a unit per 4 KB unless the code asks for a consistent read. The",
        "items a Query read ('read'; 'returned' is what passed its filter, a count for COUNT)",
        "come from the same Query run again without filter, projection and Select (same key",
        "condition, index, Limit and start key); moto's ScannedCount "
        + ("agreed on every call." if agreed else "DISAGREED on some call: see results.json."),
        "WCU by section 3's rules (the citizen 360 records the read in the access log). 'moto",
        "ms': wall-clock time inside the DynamoDB calls, by operation below. DynamoDB calls",
        f"made meanwhile by the rest of the stack, not counted: "
        f"{desk['dynamodb_calls_elsewhere']}.",
    ]
    for entry in units.values():
        spent = ", ".join(f"{op} {ms:.0f}" for op, ms in entry["dynamodb_ms"].items())
        lines.append(f"  {entry['label']}: {spent}")
    return lines


def _bundle_part(bundle: dict[str, Any]) -> list[str]:
    rows: list[list[object]] = [
        [entry["file"], _kb(entry["raw_bytes"]), _kb(entry["gzip_bytes"])]
        for entry in bundle["files"]
    ]
    rows.append(["all JavaScript", _kb(bundle["raw_bytes"]), _kb(bundle["gzip_bytes"])])
    margin = bundle["aim_gzip_bytes"] - bundle["gzip_bytes"]
    verdict = (
        f"within the aim by {_kb(margin)} kB"
        if bundle["within_aim"]
        else f"OVER the aim by {_kb(-margin)} kB"
    )
    return [
        f"The desktop's production build ({bundle['dir']}, *.js; source maps left out):",
        table(["file", "raw kB", "gzip kB"], rows),
        f"Python's gzip at level {bundle['gzip_level']}, each file on its own; 1 kB = 1,000 bytes;",
        f"aim < {bundle['aim_gzip_bytes'] / 1000:g} kB gzipped: {verdict}.",
    ]
