"""The desk API's segment routes through the Chalice app: roles, errors, store, preview."""

from collections.abc import Callable
from datetime import UTC, datetime
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from finestra.apps.desk import DeskApp
from finestra.campaigns.store import CampaignStore
from finestra.domain.campaign import Campaign, CampaignState
from finestra.domain.citizen import Citizen, Consent, ContactPoint
from finestra.domain.vocabulary import ConsentPurpose, ContactKind, Language
from finestra.segments import SegmentIndexer
from finestra.storage.citizens import CitizenStore
from finestra.storage.table import Put, serialise
from tests.support.desk_work import AGENT, CAMPAIGN_MANAGER, PREFIX, call, event

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
ADMINISTRATOR = {**AGENT, "cognito:groups": "[administrator]"}
SUPERVISOR = {**AGENT, "cognito:groups": "[supervisor]"}
SEGMENTS = f"{PREFIX}/segments"
SEGMENT = f"{PREFIX}/segments/{{segment_id}}"
PREVIEW = f"{PREFIX}/segments/preview"
DEFINITION = {"districts": ["2"], "consents": ["campaigns"]}


@pytest.fixture
def api(function: Callable[[str], ModuleType]) -> ModuleType:
    return function("desk_api")


@pytest.fixture
def desk(api: ModuleType) -> DeskApp:
    runtime: DeskApp = api.desk.get()
    return runtime


def settle(desk: DeskApp, number: int, district: str, *, consent: bool) -> None:
    """A citizen with a phone in ``district``, indexed from their profile's record."""
    grants = [
        Consent(
            channel="sms",
            purpose=ConsentPurpose.CAMPAIGNS,
            granted=True,
            recorded_at=NOW,
            source="web",
        )
    ]
    citizen = Citizen(
        id=f"cit_{number:03d}",
        given_name="Jordi",
        family_names="Vidal Roca",
        district_code=district,
        contact_points=[ContactPoint(kind=ContactKind.PHONE, value="+34612345678")],
        consents=grants if consent else [],
        created_at=NOW,
        updated_at=NOW,
    )
    writes = CitizenStore(desk.table, desk.vault).creation(citizen)
    profile = next(w.item for w in writes if w.item["SK"] == "PROFILE")
    desk.table.put(Put(item=profile))
    indexer = SegmentIndexer(desk.table, ZoneInfo("Europe/Madrid"))
    indexer.handle({"eventName": "INSERT", "dynamodb": {"NewImage": serialise(profile)}})


def create(api: ModuleType, body: Any, claims: dict[str, str] = CAMPAIGN_MANAGER) -> Any:
    return call(api, event("POST", SEGMENTS, claims=claims, body=body))


def one(api: ModuleType, method: str, segment_id: str, **sent: Any) -> tuple[int, Any]:
    claims = sent.pop("claims", CAMPAIGN_MANAGER)
    resource = event(method, SEGMENT, claims=claims, path={"segment_id": segment_id}, **sent)
    return call(api, resource)


def test_a_campaign_manager_creates_lists_reads_and_changes_a_segment(api: ModuleType) -> None:
    status, created = create(api, {"name": "Eixample", "definition": DEFINITION})

    listed = call(api, event("GET", SEGMENTS, claims=CAMPAIGN_MANAGER))
    read = one(api, "GET", created["id"])
    change = {"name": "Eixample SMS", "definition": {"districts": ["2", "3"]}, "version": 1}
    changed_status, changed = one(api, "PUT", created["id"], body=change)
    stale_status, stale = one(api, "PUT", created["id"], body=change)

    assert status == 201
    assert created["version"] == 1
    assert created["definition"]["districts"] == ["2"]
    assert listed[0] == 200
    assert [s["name"] for s in listed[1]["segments"]] == ["Eixample"]
    assert set(listed[1]["segments"][0]) == {"id", "name", "description", "updated_at"}
    assert read == (200, created)
    assert changed_status == 200
    assert (changed["version"], changed["name"]) == (2, "Eixample SMS")
    assert stale_status == 409
    assert stale["errors"] == [
        {"field": "version", "rule": "the segment changed meanwhile; reload it"}
    ]


@pytest.mark.parametrize("claims", [AGENT, SUPERVISOR])
def test_staff_without_the_campaign_role_are_refused_every_segment_route(
    api: ModuleType, claims: dict[str, str]
) -> None:
    _, created = create(api, {"name": "Tots", "definition": {}}, claims=ADMINISTRATOR)

    answers = [
        call(api, event("GET", SEGMENTS, claims=claims))[0],
        create(api, {"name": "Tots", "definition": {}}, claims=claims)[0],
        call(api, event("POST", PREVIEW, claims=claims, body={"definition": {}}))[0],
        one(api, "GET", created["id"], claims=claims)[0],
        one(api, "DELETE", created["id"], claims=claims)[0],
    ]

    assert answers == [403, 403, 403, 403, 403]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "X", "definition": {"districts": ["12"]}}, "definition.districts.0"),
        ({"name": "", "definition": {}}, "name"),
        ({"name": "X", "definition": {"satisfaction": [9]}}, "definition.satisfaction.0"),
        ({"name": "X", "definition": {"colour": "red"}}, "definition.colour"),
        ({"name": "X"}, "definition"),
        (
            {"name": "X", "definition": {"requests": {"themes": ["roads.tunnel"]}}},
            "definition.requests.themes.0",
        ),
    ],
)
def test_a_segment_breaking_a_rule_is_refused_naming_the_field(
    api: ModuleType, body: dict[str, Any], field: str
) -> None:
    status, answer = create(api, body)

    assert status == 422
    assert [error["field"] for error in answer["errors"]][:1] == [field]
    assert "tunnel" not in answer["message"]


def test_an_unknown_segment_is_not_found(api: ModuleType) -> None:
    assert one(api, "GET", "seg_missing")[0] == 404
    assert one(api, "DELETE", "seg_missing")[0] == 404


def test_a_segment_a_live_campaign_uses_cannot_be_deleted_and_an_ended_ones_can(
    api: ModuleType, desk: DeskApp
) -> None:
    _, used = create(api, {"name": "Gràcia", "definition": {"districts": ["6"]}})
    _, done = create(api, {"name": "Sants", "definition": {"districts": ["3"]}})
    campaigns = CampaignStore(desk.table)
    campaign = Campaign(
        id="cmp_1",
        name="Festa major",
        segment_id=used["id"],
        purpose=ConsentPurpose.CAMPAIGNS,
        channels=["sms"],
        messages={Language.CA: "Festa major: programa al web."},
        created_by="user",
        created_at=NOW,
        updated_at=NOW,
    )
    campaigns.create(campaign)
    ended = {"id": "cmp_2", "segment_id": done["id"], "state": CampaignState.COMPLETED}
    campaigns.create(campaign.model_copy(update=ended))

    refused, answer = one(api, "DELETE", used["id"])
    deleted, _ = one(api, "DELETE", done["id"])

    assert refused == 409
    assert answer["code"] == "conflict"
    assert deleted == 204
    assert one(api, "GET", done["id"])[0] == 404
    assert one(api, "GET", used["id"])[0] == 200


def test_a_preview_gives_the_count_a_sample_reach_and_cost_and_no_personal_data(
    api: ModuleType, desk: DeskApp
) -> None:
    for number in range(12):
        settle(desk, number, "2", consent=number % 3 == 0)
    settle(desk, 50, "5", consent=True)

    status, preview = call(
        api,
        event("POST", PREVIEW, claims=ADMINISTRATOR, body={"definition": DEFINITION, "sample": 2}),
    )

    assert status == 200
    assert preview["count"] == 4
    assert [m["citizen_id"] for m in preview["sample"]] == ["cit_000", "cit_003"]
    assert preview["sample"][0] == {
        "citizen_id": "cit_000",
        "language": "ca",
        "district": "2",
        "neighbourhood": None,
        "reach": ["sms:campaigns", "sms:service"],
    }
    assert preview["reachable"]["sms:campaigns"] == 4
    assert preview["reachable"]["email:campaigns"] == 0
    assert preview["reads"] >= 5
    assert preview["read_units"] > 0
    text = str(preview)
    assert "Jordi" not in text
    assert "612345678" not in text


def test_a_preview_of_a_broken_definition_names_the_field(api: ModuleType) -> None:
    status, answer = call(
        api,
        event("POST", PREVIEW, body={"definition": {"languages": ["fr"]}}, claims=ADMINISTRATOR),
    )

    assert status == 422
    assert answer["errors"][0]["field"] == "definition.languages.0"
