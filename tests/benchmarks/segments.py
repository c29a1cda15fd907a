"""Segment previews on a city of 16,000 and of 160,000 citizens, under embedded moto.

Each city is built afresh from a fixed rule per citizen number (district, neighbourhood,
language, channels, consents, a staff tag on a fixed panel, none to six requests (about
three a citizen: 500,000 in a city of 160,000), a rating for one in five), as the segment
indexer's own states, and loaded with the indexer's own item shapes
(:func:`finestra.segments.bulk_items`): member items, index items and counts. Loading
writes into moto's table directly (moto's item objects, no API round trip, no stream),
which is what makes a 160,000-citizen city fit in the run; every evaluation then goes
through boto3 to moto like any other call.

Three definitions are previewed on each city:

- ``panel``: a staff tag carried by the same 200 citizens in either city, among those
  whose language is Catalan or Spanish (its size is fixed: its cost should be flat);
- ``district``: district 2 with a campaign consent (a tenth of the city and more: its
  cost should grow with it, linearly);
- ``requests``: district 2 with a pothole request since March (the driver is the
  theme's index; each candidate's member item is read to check the window).

For each: the members found, the ``Query``/``BatchGetItem`` calls (``reads``), the read
units DynamoDB's rules charge for them (moto's ``ConsumedCapacity`` charges a ``Query``
one unit whatever it reads, so :class:`Weighing` weighs every answer by the rules of
:mod:`tests.benchmarks.capacity`, a ``BatchGetItem`` by its stored items' full size),
and the wall time per evaluation, then the ratio of each from the small city to the
big. Moto serialises every item it returns in Python (about a millisecond each), so the
times compare runs on one machine, not DynamoDB's latency; the reads and read units are
the figures that carry over.

The default run is a city of 1,600 and one of 16,000 (the same tenfold growth, within
three minutes); ``--segment-sizes 16000,160000`` measures the issue's sizes, in about
ten minutes, most of it moto loading and serialising.
"""

import statistics
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, timedelta
from typing import Any, Final, cast

import boto3
from moto.backends import get_backend
from moto.dynamodb.models.dynamo_type import DynamoType, Item

from finestra.domain.catalogue import Catalogue
from finestra.domain.segment import RequestCriterion, SegmentDefinition, reach_key
from finestra.domain.vocabulary import ConsentPurpose, Language
from finestra.segments import SegmentEvaluator, bulk_items
from finestra.segments.facets import MemberState, Profile, Projection, Rating, RequestEntry
from finestra.storage.table import Table
from tests.benchmarks.capacity import item_size, read_units
from tests.benchmarks.environment import MAIN_TABLE, embedded_aws
from tests.conftest import CONFIG, REGION
from tests.support.aws import ACCOUNT

CITY_SIZES: Final = (1_600, 16_000)
"""The default run's cities; the issue's are 16,000 and 160,000 (``--segment-sizes``)."""
PANEL: Final = 200
REQUESTS_SPREAD: Final = 7
"""Each citizen has 0 to 6 requests, about 3 on average: 500,000 in a city of 160,000."""
"""How many citizens carry the panel tag, whatever the city's size."""
REPEATS: Final = 2
THEMES: Final = (
    "roads.pothole",
    "lighting.streetlight-off",
    "waste.container-full",
    "noise.neighbours",
)
STATES: Final = ("closed", "pending_validation")
CHANNELS: Final = ("web", "sms", "phone")
LANGUAGES: Final = (Language.CA, Language.CA, Language.ES, Language.EN)
FIRST_DAY: Final = date(2026, 1, 1)

DEFINITIONS: Final = {
    "panel": SegmentDefinition(tags=["panel"], languages=[Language.CA, Language.ES]),
    "district": SegmentDefinition(districts=["2"], consents=[ConsentPurpose.CAMPAIGNS]),
    "requests": SegmentDefinition(
        districts=["2"],
        requests=RequestCriterion(themes=["roads.pothole"], since=date(2026, 3, 1)),
    ),
}
FIXED: Final = "panel"
"""The definition whose size does not change with the city's."""


def _bits(number: int) -> int:
    return (number * 2654435761 + 97) % 2**32


def citizen(number: int, size: int, places: Sequence[tuple[str, str]]) -> MemberState:
    """Citizen ``number`` of a city of ``size``, always the same."""
    bits = _bits(number)
    neighbourhood, district = places[bits % len(places)]
    channels = [c for c, has in (("sms", bits & 0x300 != 0), ("email", bits & 0x400 != 0)) if has]
    reach = [reach_key(c, ConsentPurpose.SERVICE) for c in channels]
    if "sms" in channels and bits & 0x800:
        reach.append(reach_key("sms", ConsentPurpose.CAMPAIGNS))
    if "email" in channels and bits & 0x1000:
        reach.append(reach_key("email", ConsentPurpose.SURVEYS))
    projection = Projection(
        language=LANGUAGES[(bits >> 13) % 4],
        district=district,
        neighbourhood=neighbourhood,
        channels=tuple(channels),
        reach=tuple(sorted(reach)),
    )
    tags = ("panel",) if number % (size // PANEL) == 0 else ()
    state = MemberState(
        citizen_id=f"cit_{number:07d}", profile=Profile(projection=projection, tags=tags)
    )
    for made in range((bits >> 15) % REQUESTS_SPREAD):
        drawn = _bits(number * REQUESTS_SPREAD + made + 1)
        state.requests[f"BCN-2026-{number:07d}-{made}"] = RequestEntry(
            theme=THEMES[(drawn >> 17) % 4],
            state=STATES[(drawn >> 19) % 2],
            channel=CHANNELS[(drawn >> 20) % 3],
            opened_on=FIRST_DAY + timedelta(days=(drawn >> 22) % 180),
            version=1,
        )
    if (bits >> 24) % 5 == 0:
        state.ratings["srv_1"] = Rating(rating=(bits >> 27) % 5 + 1, at="2026-03-01", key="r")
    return state


def city(size: int, catalogue: Catalogue) -> Iterator[MemberState]:
    """Every citizen of a city of ``size``."""
    places = [(n.code, n.district_code) for n in catalogue.neighbourhoods]
    return (citizen(number, size, places) for number in range(size))


def _wire(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int):
        return {"N": str(value)}
    if isinstance(value, Mapping):
        return {"M": {k: _wire(v) for k, v in value.items() if v is not None}}
    return {"L": [_wire(v) for v in value]}


def load(size: int, catalogue: Catalogue) -> int:
    """Put a city's segment index into moto's table; returns how many items it holds."""
    table = get_backend("dynamodb")[ACCOUNT][REGION].get_table(MAIN_TABLE)
    written = 0
    for item in bulk_items(city(size, catalogue)):
        attributes = {k: _wire(v) for k, v in item.items() if v is not None}
        partition, sort = DynamoType(attributes["PK"]), DynamoType(attributes["SK"])
        table.items[partition][sort] = Item(partition, sort, attributes)
        written += 1
    return written


class Weighing:
    """A DynamoDB client that weighs the reads it answers by DynamoDB's rules."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.units = 0.0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def query(self, **params: Any) -> Any:
        """A ``Query``: the page's items' sizes added, then rounded up to 4 KB blocks."""
        answer = self._client.query(**params)
        self.units += read_units(sum(item_size(i) for i in answer["Items"]), consistent=False)
        return answer

    def batch_get_item(self, **params: Any) -> Any:
        """A ``BatchGetItem``: each item read whole, whatever the projection keeps."""
        answer = self._client.batch_get_item(**params)
        table = get_backend("dynamodb")[ACCOUNT][REGION].get_table(MAIN_TABLE)
        for key in params["RequestItems"][MAIN_TABLE]["Keys"]:
            stored = table.get_item(DynamoType(key["PK"]), DynamoType(key["SK"]))
            if stored is not None:
                self.units += read_units(
                    item_size(stored.to_json()["Attributes"]), consistent=False
                )
        return answer


def evaluate(
    evaluator: SegmentEvaluator, weighing: Weighing, definition: SegmentDefinition
) -> dict[str, Any]:
    """One definition previewed :data:`REPEATS` times: its size, reads, units and time."""
    seconds = []
    units = []
    for _ in range(REPEATS):
        before = weighing.units
        started = time.perf_counter()
        preview = evaluator.preview(definition)
        seconds.append(time.perf_counter() - started)
        units.append(weighing.units - before)
    return {
        "count": preview.count,
        "reads": preview.reads,
        "read_units": round(units[-1], 1),
        "seconds": round(statistics.median(seconds), 4),
    }


def measure(template: dict[str, Any], sizes: Sequence[int] = CITY_SIZES) -> dict[str, Any]:
    """Every definition on every city size, and the growth from the first size to the last."""
    catalogue = Catalogue.load(CONFIG)
    cities: dict[str, Any] = {}
    for size in sizes:
        with embedded_aws(template):
            started = time.perf_counter()
            items = load(size, catalogue)
            loaded = time.perf_counter() - started
            weighing = Weighing(boto3.client("dynamodb", region_name=REGION))
            evaluator = SegmentEvaluator(Table(cast(Any, weighing), MAIN_TABLE), catalogue)
            cities[str(size)] = {
                "items": items,
                "requests": sum(len(state.requests) for state in city(size, catalogue)),
                "load_seconds": round(loaded, 1),
                "definitions": {
                    name: evaluate(evaluator, weighing, definition)
                    for name, definition in DEFINITIONS.items()
                },
            }
    return {"sizes": list(sizes), "cities": cities, "growth": growth(cities, sizes)}


def growth(cities: Mapping[str, Any], sizes: Sequence[int]) -> dict[str, dict[str, float]]:
    """Per definition, each figure on the biggest city over the same on the smallest."""
    small = cities[str(sizes[0])]["definitions"]
    big = cities[str(sizes[-1])]["definitions"]
    return {
        name: {
            figure: round(big[name][figure] / small[name][figure], 2)
            if small[name][figure]
            else 0.0
            for figure in ("count", "reads", "read_units", "seconds")
        }
        for name in DEFINITIONS
    }


def section(results: Mapping[str, Any]) -> str:
    """The figures as the report prints them."""
    sizes = results["sizes"]
    lines = ["", "Segment previews (embedded moto)", ""]
    header = f"{'definition':<10} {'citizens':>9} {'members':>8} {'reads':>6} {'RCU':>8} {'ms':>8}"
    lines.append(header)
    for size in sizes:
        for name, figures in results["cities"][str(size)]["definitions"].items():
            lines.append(
                f"{name:<10} {size:>9,} {figures['count']:>8,} {figures['reads']:>6} "
                f"{figures['read_units']:>8.1f} {figures['seconds'] * 1000:>8.1f}"
            )
    lines.append("")
    lines.append(f"growth {sizes[0]:,} -> {sizes[-1]:,} citizens (members, reads, RCU, time):")
    for name, ratios in results["growth"].items():
        aim = "flat" if name == FIXED else "linear"
        lines.append(
            f"  {name:<10} x{ratios['count']:<6} x{ratios['reads']:<6} "
            f"x{ratios['read_units']:<6} x{ratios['seconds']:<6} (aim: {aim})"
        )
    for size in sizes:
        city_figures = results["cities"][str(size)]
        lines.append(
            f"  city of {size:,} with {city_figures['requests']:,} requests: "
            f"{city_figures['items']:,} index items loaded in {city_figures['load_seconds']} s"
        )
    return "\n".join(lines)
