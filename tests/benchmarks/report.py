"""The benchmark figures as readable tables, and what they cost per 1,000 intakes."""

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
