"""Insights of a segment on a city of 16,000 and one of 160,000 citizens, under moto.

Each city's counters are drawn for a year of requests, a day at a time, and written
straight into the table with the items' own shapes: the consumer's transactions add
nothing to what a read costs, and moto copies the whole table for each one. Then a
district, a neighbourhood and the differences between neighbourhoods are read over a
month and over a year, with the ``Query`` calls, the read units they would cost in
DynamoDB (eventually consistent, 4 KB a unit, per page) and the wall time.

Pairs (a neighbourhood and a theme) are not kept: the counters are one dimension at a
time, so the segments here are single values.
"""

import random
import time
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any, Final, cast

from moto.backends import get_backend

from finestra.domain.catalogue import Catalogue
from finestra.insights.counting import (
    BUCKETS,
    CLOSED,
    CLOSED_LATE,
    CLOSED_WITHIN_SLA,
    OPENED,
    REPEAT,
    Dimension,
    InsightKey,
    bucket_counter,
)
from finestra.insights.reader import InsightReader, Metric
from finestra.insights.store import InsightStore, increment_item
from finestra.storage.table import Table, serialise
from tests.benchmarks.capacity import item_size, read_units
from tests.benchmarks.environment import MAIN_TABLE, embedded_aws
from tests.conftest import REGION, ROOT
from tests.support.aws import ACCOUNT

_PAGE_BYTES: Final = 1024 * 1024
CITIES: Final = ((16_000, 50_000), (160_000, 500_000))
"""Citizens and a year's requests of the small and the large city."""
YEAR: Final = (date(2025, 1, 1), date(2025, 12, 31))
MONTH: Final = (date(2025, 6, 1), date(2025, 6, 30))


class _MeteredClient:
    """Queries answered by moto's table itself, each 1 MB page counted with its read units.

    Moto's HTTP layer serialises each returned attribute against the service model,
    some 15 ms an item: a year of neighbourhood counters would take minutes to come
    back. The items, the key condition and the order are moto's; only the wire is
    skipped, and DynamoDB's paging (a page per megabyte read) is counted here instead.
    """

    def __init__(self) -> None:
        self._backend: Any = get_backend("dynamodb")[ACCOUNT][REGION]
        self.queries = 0
        self.units = 0.0

    def query(self, **params: Any) -> Any:
        values = params["ExpressionAttributeValues"]
        items, _, _ = self._backend.query(
            params["TableName"],
            values[":pk"],
            "BETWEEN",
            [values[":from"], values[":to"]],
            None,
            None,
            params.get("ScanIndexForward", True),
            None,
        )
        found = [item.to_json()["Attributes"] for item in items]
        page = 0
        for item in found:
            page += item_size(item)
            if page >= _PAGE_BYTES:
                self._count(page, params)
                page = 0
        if page or not found:
            self._count(page, params)
        return {"Items": found}

    def _count(self, size: int, params: Mapping[str, Any]) -> None:
        self.queries += 1
        self.units += read_units(size, consistent=bool(params.get("ConsistentRead")))


def _counters(catalogue: Catalogue, requests: int, seed: int) -> dict[InsightKey, dict[str, int]]:
    """A year of ``requests`` as counter increments, drawn a day at a time.

    Each request is one closed request counted on its first sight, as
    :func:`~finestra.insights.counting.count_request` counts it: opened, closed, its
    closing-time bucket, within SLA or late, repeat contacts, under its district and
    neighbourhood; opening and closing fall on the same day here, which changes no
    item's shape. Drawing per day keeps a year of 500,000 requests to seconds.
    """
    draws = random.Random(seed)
    places = [(n.code, n.district_code) for n in catalogue.neighbourhoods]
    buckets = [bucket_counter(index) for index in range(BUCKETS)]
    weights = [4, 4, 6, 8, 14, 12, 10, 10, 8, 7, 6, 6, 3, 2]
    sums: dict[InsightKey, dict[str, int]] = {}
    day, per_day = YEAR[0], requests // 365
    while day <= YEAR[1]:
        chosen = draws.choices(places, k=per_day)
        closings = draws.choices(buckets, weights=weights, k=per_day)
        for (neighbourhood, district), bucket in zip(chosen, closings, strict=True):
            late = draws.random() < 0.2
            amounts = {
                OPENED: 1,
                CLOSED: 1,
                bucket: 1,
                CLOSED_LATE if late else CLOSED_WITHIN_SLA: 1,
            }
            if draws.random() < 0.1:
                amounts[REPEAT] = 1
            for key in (
                (Dimension.DISTRICT, day, district),
                (Dimension.NEIGHBOURHOOD, day, neighbourhood),
            ):
                total = sums.setdefault(key, {})
                for name, amount in amounts.items():
                    total[name] = total.get(name, 0) + amount
        day += timedelta(days=1)
    return sums


def _load(counters: Mapping[InsightKey, dict[str, int]]) -> int:
    """Put the counter items straight into moto's table (its HTTP layer would take minutes)."""
    backend = get_backend("dynamodb")[ACCOUNT][REGION]
    for key, amounts in counters.items():
        backend.put_item(MAIN_TABLE, serialise(increment_item(key, amounts)))
    return len(counters)


def _timed(client: _MeteredClient, read: Any) -> dict[str, float]:
    client.queries, client.units = 0, 0.0
    started = time.perf_counter()
    read()
    return {
        "queries": client.queries,
        "read_units": client.units,
        "ms": round((time.perf_counter() - started) * 1000, 1),
    }


def _city(template: dict[str, Any], citizens: int, requests: int) -> dict[str, Any]:
    catalogue = Catalogue.load(ROOT / "infra" / "config")
    with embedded_aws(template):
        started = time.perf_counter()
        items = _load(_counters(catalogue, requests, seed=citizens))
        loaded = time.perf_counter() - started
        client = _MeteredClient()
        reader = InsightReader(InsightStore(Table(cast(Any, client), MAIN_TABLE)), catalogue)
        reads = {
            "district_month": _timed(
                client, lambda: reader.segment(Dimension.DISTRICT, "2", *MONTH)
            ),
            "district_year": _timed(client, lambda: reader.segment(Dimension.DISTRICT, "2", *YEAR)),
            "neighbourhood_month": _timed(
                client, lambda: reader.segment(Dimension.NEIGHBOURHOOD, "7", *MONTH)
            ),
            "neighbourhood_year": _timed(
                client, lambda: reader.segment(Dimension.NEIGHBOURHOOD, "7", *YEAR)
            ),
            "neighbourhood_differences_year": _timed(
                client,
                lambda: reader.differences(Dimension.NEIGHBOURHOOD, *YEAR, Metric.BREACH_RATE),
            ),
        }
    return {
        "citizens": citizens,
        "requests": requests,
        "counter_items": items,
        "load_seconds": round(loaded, 1),
        "reads": reads,
    }


def measure(template: dict[str, Any]) -> dict[str, Any]:
    """Both cities' figures, and the large city's over the small one's for each read."""
    small, large = (_city(template, citizens, requests) for citizens, requests in CITIES)
    ratios = {
        name: {
            "queries": large["reads"][name]["queries"] / small["reads"][name]["queries"],
            "read_units": large["reads"][name]["read_units"] / small["reads"][name]["read_units"],
            "ms": large["reads"][name]["ms"] / max(small["reads"][name]["ms"], 0.1),
        }
        for name in small["reads"]
    }
    return {"cities": [small, large], "ratio_160k_16k": ratios}


def section(results: Mapping[str, Any]) -> str:
    """The figures as the runner prints them."""
    small, large = results["cities"]
    lines = [
        "",
        "Insights of a segment (counters per day and value; no request is read)",
        f"  counter items: {small['counter_items']:,} for {small['citizens']:,} citizens / "
        f"{small['requests']:,} requests; {large['counter_items']:,} for "
        f"{large['citizens']:,} / {large['requests']:,}",
        f"  {'read':<32} {'queries':>8} {'RCU':>8} {'ms':>8}   {'160k/16k':>24}",
    ]
    for name, ratio in results["ratio_160k_16k"].items():
        for city in (small, large):
            read = city["reads"][name]
            label = f"{name} ({city['citizens'] // 1000}k)"
            lines.append(
                f"  {label:<32} {read['queries']:>8} {read['read_units']:>8.1f} {read['ms']:>8.1f}"
            )
        lines.append(
            f"  {'':<32} {'':>8} {'':>8} {'':>8}   queries x{ratio['queries']:.2f} "
            f"RCU x{ratio['read_units']:.2f} time x{ratio['ms']:.2f}"
        )
    return "\n".join(lines)


def main() -> None:
    """Run the insight benchmark alone: ``python -m tests.benchmarks.insights``."""
    from tests.support.cfn import load_template

    print(section(measure(load_template(ROOT / "template.yaml"))))


if __name__ == "__main__":
    main()
