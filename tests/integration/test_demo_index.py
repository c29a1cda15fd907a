"""The demo city reaches the segment index, as the table's stream would have put it there.

The demo city is seeded before the stream pollers start (at ``LATEST``), so the
statistics function never sees it; :func:`finestra_local.demo_index.segment_index_items`
writes the index with the city. A segment's preview over the seeded table must match
the city as drawn, and the index a stream-fed :class:`SegmentIndexer` builds from the
same items.
"""

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest
from botocore.config import Config

from finestra.domain.catalogue import Catalogue
from finestra.domain.citizen import Citizen
from finestra.domain.identity import ContactVault
from finestra.domain.segment import SegmentDefinition
from finestra.domain.vocabulary import ConsentPurpose, ContactKind, Language
from finestra.segments import SegmentEvaluator
from finestra.segments.indexer import SegmentIndexer
from finestra.storage.citizens import CitizenStore
from finestra.storage.requests import RequestStore
from finestra.storage.table import Table
from finestra_local.city import LocalCity
from finestra_local.demo_city import CitySize, city_items, plan_city, seed_city, write_items
from finestra_local.demo_index import inserted, segment_index_items
from tests.conftest import CONFIG, CONTACT_SECRET, REGION, ROOT
from tests.support.cfn import table_create_kwargs

NOW = datetime(2026, 3, 14, 19, 41, 8, tzinfo=UTC)
SIZE = CitySize(citizens=40, requests=200)
ZONE = ZoneInfo("Europe/Madrid")
TABLE = "FinestraTable"
STREAMED = "FinestraStreamed"
DEFINITIONS = (
    SegmentDefinition(),
    SegmentDefinition(reachable=["email"], consents=[ConsentPurpose.SURVEYS]),
    SegmentDefinition(reachable=["sms"], consents=[ConsentPurpose.CAMPAIGNS]),
    SegmentDefinition(districts=["2", "6"], languages=[Language.ES]),
)


def clients(service: str, config: Config | None = None) -> Any:
    return boto3.client(service, region_name=REGION, config=config)  # type: ignore[call-overload]


def evaluator(name: str) -> SegmentEvaluator:
    return SegmentEvaluator(Table(clients("dynamodb"), name), Catalogue.load(CONFIG))


def reachable_for(citizen: Citizen, kind: ContactKind, purpose: ConsentPurpose) -> bool:
    return citizen.contact(kind) is not None and citizen.consents_to(kind.value, purpose)


@pytest.fixture
def seeded(aws: None) -> None:
    seed_city(
        clients,
        table=TABLE,
        contact_key_secret=CONTACT_SECRET,
        config_dir=CONFIG,
        now=NOW,
        size=SIZE,
    )


def test_a_preview_of_the_seeded_city_counts_the_citizens_as_drawn(seeded: None) -> None:
    city = plan_city(Catalogue.load(CONFIG), size=SIZE, now=NOW)
    by_email = [
        c for c in city.citizens if reachable_for(c, ContactKind.EMAIL, ConsentPurpose.SURVEYS)
    ]

    whole = evaluator(TABLE).preview(DEFINITIONS[0])
    surveyed = evaluator(TABLE).preview(DEFINITIONS[1])

    assert whole.count == len(city.citizens) == SIZE.citizens
    assert 0 < surveyed.count == len(by_email) < whole.count
    assert surveyed.reachable["email:surveys"] == surveyed.count
    assert {m.citizen_id for m in surveyed.sample} <= {c.id for c in by_email}


def test_the_seeded_index_is_the_one_the_stream_would_have_built(
    aws: None, template: dict[str, Any]
) -> None:
    dynamodb = clients("dynamodb")
    dynamodb.create_table(
        **{**table_create_kwargs(template, "FinestraTable"), "TableName": STREAMED}
    )
    secret = clients("secretsmanager").get_secret_value(SecretId=CONTACT_SECRET)
    vault = ContactVault(str(secret["SecretString"]).encode())
    city = plan_city(Catalogue.load(CONFIG), size=SIZE, now=NOW)
    seeded, streamed = Table(dynamodb, TABLE), Table(dynamodb, STREAMED)
    items = city_items(
        city, citizens=CitizenStore(seeded, vault), requests=RequestStore(seeded, shards=4)
    )
    indexer = SegmentIndexer(streamed, ZONE)

    write_items(dynamodb, TABLE, [*items, *segment_index_items(items, ZONE)])
    for item in items:
        indexer.handle(inserted(item))

    for definition in DEFINITIONS:
        from_seed = evaluator(TABLE).preview(definition, sample=SIZE.citizens)
        from_stream = evaluator(STREAMED).preview(definition, sample=SIZE.citizens)
        assert from_seed.count == from_stream.count
        assert from_seed.reachable == from_stream.reachable
        assert from_seed.sample == from_stream.sample


def test_the_functions_link_to_the_gateway_the_city_serves_on() -> None:
    city = LocalCity(ROOT, port=0, seeded=False)

    assert city.port != 0
    assert city.stack.public_url == f"http://127.0.0.1:{city.port}"
