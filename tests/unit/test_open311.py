"""What must hold of the Open311 GeoReport v2 mapping and its JSON and XML documents."""

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
import pytest
from jsonschema import Draft202012Validator
from pydantic import ValidationError
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from finestra.domain.catalogue import Catalogue
from finestra.domain.errors import Conflict, Forbidden, NotFound
from finestra.domain.request import Interaction, Location, Request
from finestra.domain.vocabulary import (
    FINAL_STATES,
    InputChannel,
    InteractionKind,
    Language,
    RequestState,
    ResponseChannel,
)
from finestra.open311 import mapping, render
from finestra.open311.clients import ClientApps
from finestra.open311.models import Error, ServiceRequest
from finestra.storage.table import Table
from tests.conftest import REGION
from tests.support.aws import table_dump, table_items

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = Catalogue.load(ROOT / "infra" / "config")
SCHEMAS = ROOT.parent / "shared" / "open311" / "schema"
"""The published GeoReport v2 schemas, kept beside the repository (``../shared``)."""
if not SCHEMAS.exists():
    SCHEMAS = Path("/work/shared/open311/schema")
CREATED = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC)


def validator(name: str) -> Draft202012Validator:
    """A validator of one schema file, its ``$ref`` to the other files resolved."""
    registry: Registry = Registry().with_resources(
        (path.name, DRAFT202012.create_resource(json.loads(path.read_text())))
        for path in SCHEMAS.glob("*.json")
    )
    schema = json.loads((SCHEMAS / name).read_text())
    return Draft202012Validator(schema, registry=registry, format_checker=_FORMATS)


_FORMATS = Draft202012Validator.FORMAT_CHECKER


def a_request(
    state: RequestState = RequestState.IN_RESOLUTION,
    theme: str | None = "lighting.streetlight-off",
    due: datetime | None = CREATED + timedelta(hours=72),
) -> Request:
    origin = Interaction(
        id="int_test",
        at=CREATED,
        kind=InteractionKind.INBOUND_MESSAGE,
        channel=InputChannel.OPEN311,
        actor="citizen:cit_test",
        text="El fanal davant del 12 no s'encén; truqueu-me al 600000000.",
    )
    return Request(
        reference="BCN-2026-000042",
        request_type=CATALOGUE.theme("lighting.streetlight-off").request_types[0],
        theme_code=theme,
        description=origin.text or "",
        location=Location(latitude=41.39, longitude=2.16, address="Carrer de Mallorca 12"),
        input_channel=InputChannel.OPEN311,
        response_channel=ResponseChannel.NONE,
        language=Language.CA,
        state=state,
        responsible_group="lighting",
        sla_due_at=due,
        created_at=CREATED,
        updated_at=CREATED + timedelta(hours=2),
        origin=origin,
        tracking_token_hash="0" * 64,
    )


def test_the_schemas_refuse_a_service_without_its_code() -> None:
    errors = list(validator("services.json").iter_errors([{"service_name": "x"}]))

    assert errors


def test_every_theme_is_a_service_valid_against_the_schema() -> None:
    found = mapping.services(CATALOGUE, Language.EN)

    body = json.loads(render.document("services", "service", found, "json"))

    validator("services.json").validate(body)
    assert [s["service_code"] for s in body] == [t.code for t in CATALOGUE.themes]


def test_a_service_is_named_in_the_language_asked_for() -> None:
    theme = CATALOGUE.theme("lighting.streetlight-off")

    named = {lang: mapping.services(CATALOGUE, lang)[0].service_name for lang in Language}

    assert named == {lang: theme.detail.in_(lang) for lang in Language}


def test_metadata_is_true_exactly_when_a_theme_asks_for_more_than_a_description() -> None:
    found = {s.service_code: s.metadata for s in mapping.services(CATALOGUE, Language.CA)}

    assert found == {
        t.code: t.requires_location or t.requires_identified_citizen for t in CATALOGUE.themes
    }


@pytest.mark.parametrize("theme", [t.code for t in CATALOGUE.themes])
def test_every_service_definition_is_valid_against_the_schema(theme: str) -> None:
    definition = mapping.service_definition(CATALOGUE, theme, Language.ES)

    validator("service-definition.json").validate(
        json.loads(render.single("service_definition", definition, "json"))
    )


def test_an_identified_citizen_theme_asks_for_a_document_id() -> None:
    theme = next(t for t in CATALOGUE.themes if t.requires_identified_citizen)

    definition = mapping.service_definition(CATALOGUE, theme.code, Language.EN)

    wanted = {a.code: a.required for a in definition.attributes}
    assert wanted["document_id"] is True


def test_an_unknown_service_code_has_no_definition() -> None:
    with pytest.raises(NotFound):
        mapping.service_definition(CATALOGUE, "no.such-theme", Language.EN)


@pytest.mark.parametrize("state", list(RequestState))
def test_every_state_maps_to_open_or_closed_with_a_note(state: RequestState) -> None:
    status, notes = mapping.status_of(state, Language.EN)

    assert status == ("closed" if state in FINAL_STATES else "open")
    assert all(mapping.status_of(state, lang)[1] for lang in Language)
    assert notes


def test_a_request_is_valid_against_the_schema_and_never_shows_its_description() -> None:
    found = mapping.service_request(a_request(), CATALOGUE, Language.EN)
    assert found is not None

    body = json.loads(render.document("service_requests", "request", [found], "json"))

    validator("requests.json").validate(body)
    assert body[0]["description"] is None
    assert body[0]["status"] == "open"
    assert body[0]["requested_datetime"] == "2026-03-02T09:30:15+00:00"
    assert body[0]["expected_datetime"] == "2026-03-05T09:30:15+00:00"


def test_a_request_without_a_theme_is_not_a_service_request() -> None:
    assert mapping.service_request(a_request(theme=None), CATALOGUE, Language.EN) is None


def test_a_request_hides_its_place_when_the_theme_keeps_it_private() -> None:
    theme = next(t for t in CATALOGUE.themes if not t.location_is_public)

    found = mapping.service_request(a_request(theme=theme.code), CATALOGUE, Language.EN)

    assert found is not None
    assert (found.address, found.lat, found.long) == (None, None, None)


def test_dates_are_written_to_the_second_with_their_offset() -> None:
    madrid = timezone(timedelta(hours=1))

    written = render.w3c_datetime(datetime(2026, 1, 5, 10, 0, 0, 999, tzinfo=madrid))

    assert written == "2026-01-05T09:00:00+00:00"
    assert render.parse_w3c_datetime("2026-01-05T10:00:00+01:00") == datetime(
        2026, 1, 5, 9, tzinfo=UTC
    )


def test_a_date_without_an_offset_is_refused() -> None:
    with pytest.raises(ValueError, match="offset"):
        render.parse_w3c_datetime("2026-01-05T10:00:00")


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ("services.json", ("services", "json")),
        ("lighting.streetlight-off.xml", ("lighting.streetlight-off", "xml")),
    ],
)
def test_the_format_is_the_path_suffix(document: str, expected: tuple[str, str]) -> None:
    assert render.split_format(document) == expected


@pytest.mark.parametrize("document", ["services", "services.html", ".json"])
def test_a_path_without_a_known_suffix_is_refused(document: str) -> None:
    with pytest.raises(ValueError, match="neither"):
        render.split_format(document)


def test_the_error_body_is_a_list_of_code_and_description_in_both_formats() -> None:
    found = [Error(code=400, description="service_code is required")]

    as_json = json.loads(render.errors(found, "json"))
    as_xml = ET.fromstring(render.errors(found, "xml"))

    assert as_json == [{"code": 400, "description": "service_code is required"}]
    assert as_xml.tag == "errors"
    assert [(e.findtext("code"), e.findtext("description")) for e in as_xml] == [
        ("400", "service_code is required")
    ]


def test_xml_uses_the_specification_element_names() -> None:
    definition = mapping.service_definition(CATALOGUE, "lighting.streetlight-off", Language.EN)
    request = mapping.service_request(a_request(), CATALOGUE, Language.EN)
    assert request is not None

    defined = ET.fromstring(render.single("service_definition", definition, "xml"))
    listed = ET.fromstring(render.document("service_requests", "request", [request], "xml"))

    attribute = defined.find("attributes/attribute")
    assert attribute is not None
    assert attribute.findtext("variable") == "true"
    assert defined.find("attributes/attribute/values/value/key") is not None
    assert [child.tag for child in listed[0]] == list(ServiceRequest.model_fields)
    assert listed.findtext("request/status_notes") == "Being resolved."


def test_the_xml_and_json_of_a_document_say_the_same() -> None:
    found = mapping.services(CATALOGUE, Language.CA)

    as_json: list[dict[str, Any]] = json.loads(
        render.document("services", "service", found, "json")
    )
    as_xml = ET.fromstring(render.document("services", "service", found, "xml"))

    assert [e.findtext("service_code") for e in as_xml] == [s["service_code"] for s in as_json]
    assert render.CONTENT_TYPES == {
        "json": "application/json; charset=utf-8",
        "xml": "text/xml; charset=utf-8",
    }


@pytest.fixture
def client_apps(aws: None) -> ClientApps:
    return ClientApps(Table(boto3.client("dynamodb", region_name=REGION), "FinestraTable"))


def test_client_apps_live_in_one_partition_keyed_by_their_id(client_apps: ClientApps) -> None:
    client_apps.register("fixmystreet", "FixMyStreet", CREATED)

    [item] = table_items("OPEN311APPS")

    assert (item["PK"], item["SK"]) == ("OPEN311APPS", "APP#fixmystreet")
    assert set(item) == {"PK", "SK", "type", "name", "key_digest", "registered_at"}


def test_the_list_holds_every_app_sorted_by_id_revoked_ones_with_their_time(
    client_apps: ClientApps,
) -> None:
    for app_id in ("zeta-app", "alpha-app", "mid-app"):
        client_apps.register(app_id, f"App {app_id}", CREATED)
    revoked_at = CREATED + timedelta(days=2)
    client_apps.revoke("mid-app", revoked_at)

    listed = client_apps.list()

    assert [app.id for app in listed] == ["alpha-app", "mid-app", "zeta-app"]
    assert [app.revoked_at for app in listed] == [None, revoked_at, None]
    assert listed[0].name == "App alpha-app"
    assert listed[0].registered_at == CREATED


def test_the_list_reads_every_page_with_a_query(aws: None) -> None:
    table = Table(boto3.client("dynamodb", region_name=REGION), "FinestraTable")
    apps = ClientApps(table)
    for number in range(105):
        apps.register(f"app-{number:03d}", "A", CREATED)
    table.meter.calls.clear()

    listed = apps.list()

    assert [app.id for app in listed] == [f"app-{number:03d}" for number in range(105)]
    assert table.meter.calls == {"Query": 2}


def test_the_list_is_empty_before_any_app_is_registered(client_apps: ClientApps) -> None:
    assert client_apps.list() == []


def test_a_taken_id_is_refused_naming_the_field(client_apps: ClientApps) -> None:
    client_apps.register("fixmystreet", "FixMyStreet", CREATED)

    with pytest.raises(Conflict) as refused:
        client_apps.register("fixmystreet", "Another", CREATED)

    assert refused.value.field == "id"
    assert [app.name for app in client_apps.list()] == ["FixMyStreet"]


def test_a_revoked_id_is_never_handed_out_again(client_apps: ClientApps) -> None:
    client_apps.register("fixmystreet", "FixMyStreet", CREATED)
    client_apps.revoke("fixmystreet", CREATED)

    with pytest.raises(Conflict):
        client_apps.register("fixmystreet", "FixMyStreet again", CREATED)


@pytest.mark.parametrize("app_id", ["ab", "Fix_My_Street", "x" * 41, "fix.my.street"])
def test_an_id_breaking_its_rule_is_refused_before_any_write(
    client_apps: ClientApps, app_id: str
) -> None:
    with pytest.raises(ValidationError):
        client_apps.register(app_id, "FixMyStreet", CREATED)

    assert table_items("OPEN311APPS") == []


def test_revoking_answers_the_app_and_a_second_revocation_keeps_the_first_time(
    client_apps: ClientApps,
) -> None:
    client_apps.register("fixmystreet", "FixMyStreet", CREATED)

    first = client_apps.revoke("fixmystreet", CREATED + timedelta(hours=1))
    second = client_apps.revoke("fixmystreet", CREATED + timedelta(hours=5))

    assert first.revoked_at == CREATED + timedelta(hours=1)
    assert second == first


def test_revoking_an_unknown_app_is_not_found(client_apps: ClientApps) -> None:
    with pytest.raises(NotFound) as refused:
        client_apps.revoke("nobody", CREATED)

    assert refused.value.field == "app_id"
    assert table_items("OPEN311APPS") == []


def test_the_key_handed_out_is_recognised_until_the_app_is_revoked(
    client_apps: ClientApps,
) -> None:
    registered, key = client_apps.register("fixmystreet", "FixMyStreet", CREATED)

    recognised = client_apps.caller(key, CREATED)
    client_apps.revoke("fixmystreet", CREATED)

    assert recognised == registered
    assert key not in table_dump()
    with pytest.raises(Forbidden):
        client_apps.caller(key, CREATED)


def test_an_unexpected_table_error_is_not_taken_for_a_taken_id(aws: None) -> None:
    client = boto3.client("dynamodb", region_name=REGION)
    apps = ClientApps(Table(client, "NoSuchTable"))

    with pytest.raises(client.exceptions.ResourceNotFoundException):
        apps.register("fixmystreet", "FixMyStreet", CREATED)
