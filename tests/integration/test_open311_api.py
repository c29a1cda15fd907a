"""The citizen API's Open311 GeoReport v2 read routes, on API Gateway events under moto."""

import copy
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from finestra import observability
from finestra.apps.open311 import georeport_endpoint
from finestra.domain.errors import Conflict
from finestra.domain.vocabulary import Language
from finestra.insights.counting import InsightImage
from finestra.insights.opendata import OpenDataLayout, OpenDataStore
from finestra.open311 import render
from finestra.open311.clients import ClientApps, RateLimited
from finestra.open311.reader import GeoReportReader, RequestQuery
from finestra.storage import keys
from finestra.storage.requests import RequestStore
from tests.conftest import FakeLambdaContext, Seeder, load_event
from tests.support.aws import table_dump, table_items

CA = Language.CA
SCHEMAS = Path(__file__).resolve().parents[3] / "shared" / "open311" / "schema"
"""The published GeoReport v2 schemas, kept beside the repository (``../shared``)."""
if not SCHEMAS.exists():
    SCHEMAS = Path("/work/shared/open311/schema")


def valid(name: str, body: Any) -> None:
    registry: Registry = Registry().with_resources(
        (path.name, DRAFT202012.create_resource(json.loads(path.read_text())))
        for path in SCHEMAS.glob("*.json")
    )
    schema = json.loads((SCHEMAS / name).read_text())
    Draft202012Validator(schema, registry=registry).validate(body)


def event(path: str, **query: str) -> dict[str, Any]:
    """The list-services event moved to ``path`` under ``/api/open311/v2/``."""
    found: dict[str, Any] = copy.deepcopy(load_event("open311/list-services.json"))
    parent, _, document = path.rpartition("/")
    resource = f"/api/open311/v2/{parent + '/' if parent else ''}{{document}}"
    found["path"] = found["requestContext"]["path"] = f"/api/open311/v2/{path}"
    found["resource"] = found["requestContext"]["resourcePath"] = resource
    found["pathParameters"] = {"document": document}
    params = {"jurisdiction_id": "bcn", **query}
    found["queryStringParameters"] = params
    found["multiValueQueryStringParameters"] = {k: [v] for k, v in params.items()}
    return found


MARCH: dict[str, str] = {
    "start_date": "2026-03-01T00:00:00+01:00",
    "end_date": "2026-03-31T00:00:00+02:00",
}
"""A window around the seeder's clock (14 March 2026); the API's own clock is the real one."""


def call(api: ModuleType, given: dict[str, Any]) -> tuple[int, str, str]:
    response = api.app(given, FakeLambdaContext())
    return response["statusCode"], response["headers"]["Content-Type"], response["body"]


@pytest.fixture
def api(function: Callable[[str], ModuleType]) -> ModuleType:
    return function("citizen_api")


def published(seed: Seeder, reference: str) -> None:
    """Write the open-data row the stream would write for a seeded request."""
    item = seed.runtime.table.get(keys.request(reference))
    assert item is not None
    layout = OpenDataLayout(seed.runtime.catalogue, ZoneInfo("Europe/Madrid"))
    OpenDataStore(seed.runtime.table).keep(
        InsightImage.model_validate(item), layout, ended_before=False
    )


def test_the_services_are_every_theme_in_json_valid_against_the_schema(api: ModuleType) -> None:
    expected = load_event("open311/list-services.expected.json")

    status, content_type, body = call(api, load_event("open311/list-services.json"))

    assert (status, content_type) == (expected["status_code"], expected["content_type"])
    services = json.loads(body)
    valid("services.json", services)
    assert set(expected["includes_services"]) <= {s["service_code"] for s in services}
    lighting = next(s for s in services if s["service_code"] == "lighting.streetlight-off")
    assert lighting["service_name"] == "Streetlight not working"


def test_the_services_in_xml_carry_the_same_codes(api: ModuleType) -> None:
    _, _, as_json = call(api, event("services.json"))

    status, content_type, body = call(api, event("services.xml"))

    assert (status, content_type) == (200, "text/xml; charset=utf-8")
    root = ET.fromstring(body)
    assert root.tag == "services"
    codes = [s["service_code"] for s in json.loads(as_json)]
    assert [e.findtext("service_code") for e in root.iter("service")] == codes


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_service_definition_is_answered_in_both_formats(api: ModuleType, fmt: str) -> None:
    status, _, body = call(api, event(f"services/lighting.streetlight-off.{fmt}"))

    assert status == 200
    if fmt == "json":
        valid("service-definition.json", json.loads(body))
    else:
        assert ET.fromstring(body).findtext("service_code") == "lighting.streetlight-off"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_discovery_names_this_endpoint(api: ModuleType, fmt: str) -> None:
    status, _, body = call(api, event(f"discovery.{fmt}"))

    assert status == 200
    url = "https://api.finestra.example.org/api/open311/v2/"
    if fmt == "json":
        assert json.loads(body)["endpoints"][0]["url"] == url
    else:
        assert ET.fromstring(body).findtext("endpoints/endpoint/url") == url


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_request_is_read_by_its_id(api: ModuleType, seed: Seeder, fmt: str) -> None:
    reference = seed.request(None, state="in_resolution")

    status, _, body = call(api, event(f"requests/{reference}.{fmt}"))

    assert status == 200
    if fmt == "json":
        [found] = json.loads(body)
        valid("requests.json", [found])
        assert (found["service_request_id"], found["status"]) == (reference, "open")
        assert found["description"] is None
    else:
        assert ET.fromstring(body).findtext("request/service_request_id") == reference


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_requests_of_a_date_window_are_listed(api: ModuleType, seed: Seeder, fmt: str) -> None:
    first = seed.request(None, reference="BCN-2026-000123", state="in_resolution")
    second = seed.request(None, reference="BCN-2026-000124", state="closed")
    for reference in (first, second):
        published(seed, reference)

    status, _, body = call(api, event(f"requests.{fmt}", **MARCH))

    assert status == 200
    if fmt == "json":
        found = json.loads(body)
        valid("requests.json", found)
        assert {r["service_request_id"]: r["status"] for r in found} == {
            first: "open",
            second: "closed",
        }
    else:
        ids = [e.findtext("service_request_id") or "" for e in ET.fromstring(body).iter("request")]
        assert sorted(ids) == [first, second]


def test_the_status_and_service_code_filters_narrow_the_list(api: ModuleType, seed: Seeder) -> None:
    open_one = seed.request(None, reference="BCN-2026-000123", state="in_resolution")
    closed = seed.request(None, reference="BCN-2026-000124", state="closed")
    other = seed.request(
        None, reference="BCN-2026-000125", state="in_resolution", theme_code="graffiti.wall"
    )
    for reference in (open_one, closed, other):
        published(seed, reference)

    query = {"status": "open", "service_code": "roads.pothole", **MARCH}

    _, _, body = call(api, event("requests.json", **query))

    assert [r["service_request_id"] for r in json.loads(body)] == [open_one]


def test_requests_are_listed_by_id_without_a_date_window(api: ModuleType, seed: Seeder) -> None:
    reference = seed.request(None)

    _, _, body = call(api, event("requests.json", service_request_id=f"{reference},nope"))

    assert [r["service_request_id"] for r in json.loads(body)] == [reference]


@pytest.mark.parametrize(
    ("path", "query", "status"),
    [
        ("requests.json", {"start_date": "2025-01-01T00:00:00+01:00"}, 400),
        ("requests.json", {**MARCH, "start_date": "2026-04-01T00:00:00+02:00"}, 400),
        ("requests.json", {"end_date": "2026-03-01T00:00:00"}, 400),
        ("requests.json", {"status": "pending"}, 400),
        ("requests/BCN-2026-999999.json", {}, 404),
        ("services/no.such-theme.json", {}, 404),
        ("services.json", {"jurisdiction_id": "elsewhere.example"}, 404),
        ("unknown.json", {}, 404),
        ("tokens/some-token.json", {}, 404),
    ],
)
def test_every_error_is_the_specification_error_body(
    api: ModuleType, path: str, query: dict[str, str], status: int
) -> None:
    got, content_type, body = call(api, event(path, **query))

    assert (got, content_type) == (status, "application/json; charset=utf-8")
    [error] = json.loads(body)
    assert error["code"] == status
    assert error["description"]


def test_an_error_in_xml_is_the_errors_element(api: ModuleType) -> None:
    status, content_type, body = call(api, event("services/no.such-theme.xml"))

    assert (status, content_type) == (404, "text/xml; charset=utf-8")
    root = ET.fromstring(body)
    assert root.tag == "errors"
    assert root.findtext("error/code") == "404"


LIST_ELEMENTS = {"services", "service_requests", "errors", "attributes", "values"}
LIST_ELEMENTS |= {"endpoints", "formats"}
"""The elements whose children are the items of a list, as the JSON has them."""


def xml_as_json_text(element: ET.Element) -> Any:
    """An XML document read back into the JSON's shape, every leaf as its text."""
    if element.tag in LIST_ELEMENTS:
        return [xml_as_json_text(child) for child in element] or ""
    if len(element):
        return {child.tag: xml_as_json_text(child) for child in element}
    return element.text or ""


def as_text(value: Any) -> Any:
    """A JSON document with every leaf written as the XML writes it."""
    if isinstance(value, dict):
        return {k: as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_text(v) for v in value] or ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("discovery", {}),
        ("services", {}),
        ("services/lighting.streetlight-off", {}),
        ("services/noise.neighbours", {}),
        ("requests", MARCH),
        ("requests/BCN-2026-000123", {}),
        ("requests", {"status": "pending"}),
        ("services/no.such-theme", {}),
    ],
)
def test_every_xml_document_holds_exactly_what_its_json_holds(
    api: ModuleType, seed: Seeder, path: str, query: dict[str, str]
) -> None:
    reference = seed.request(None, reference="BCN-2026-000123", state="in_resolution")
    published(seed, reference)

    json_status, _, as_json = call(api, event(f"{path}.json", **query))
    xml_status, _, as_xml = call(api, event(f"{path}.xml", **query))

    assert xml_status == json_status
    assert as_json not in ("[]", "{}")
    assert xml_as_json_text(ET.fromstring(as_xml)) == as_text(json.loads(as_json))


def test_a_path_without_a_format_is_not_found_in_json(api: ModuleType) -> None:
    status, content_type, body = call(api, event("services"))

    assert (status, content_type) == (404, "application/json; charset=utf-8")
    assert json.loads(body)[0]["code"] == 404


def test_a_request_outside_the_window_is_left_out(api: ModuleType, seed: Seeder) -> None:
    published(seed, seed.request(None))
    april = {"start_date": "2026-04-01T00:00:00+02:00", "end_date": "2026-04-30T00:00:00+02:00"}

    _, _, body = call(api, event("requests.json", **april))

    assert json.loads(body) == []


def posted(fields: dict[str, str], fmt: str = "json", request_id: str = "post-1") -> dict[str, Any]:
    """A form-encoded ``POST requests`` of a client app."""
    found = event(f"requests.{fmt}")
    found["httpMethod"] = found["requestContext"]["httpMethod"] = "POST"
    found["requestContext"]["requestId"] = f"rRKdoBD{request_id}"
    found["queryStringParameters"] = found["multiValueQueryStringParameters"] = None
    content = "application/x-www-form-urlencoded"
    found["headers"]["content-type"] = content
    found["multiValueHeaders"]["content-type"] = [content]
    found["body"] = urlencode(fields)
    return found


@pytest.fixture
def client_key(seed: Seeder) -> str:
    apps = ClientApps(seed.runtime.table, per_minute=3)
    _, key = apps.register("fixmystreet", "FixMyStreet", seed.clock())
    return key


def a_post(key: str, **changes: str) -> dict[str, str]:
    fields = {
        "api_key": key,
        "jurisdiction_id": "bcn",
        "service_code": "lighting.streetlight-off",
        "description": "The streetlight in front of number 12 does not come on.",
        "lat": "41.3935",
        "long": "2.1634",
        "email": "nuria@example.org",
        "attribute[request_type]": "incident",
    }
    fields.update(changes)
    return fields


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_client_app_files_a_request_through_the_web_intake(
    api: ModuleType, client_key: str, fmt: str
) -> None:
    status, _, body = call(api, posted(a_post(client_key), fmt))

    assert status == 201
    if fmt == "json":
        [opened] = json.loads(body)
        reference = opened["service_request_id"]
    else:
        reference = ET.fromstring(body).findtext("request/service_request_id") or ""
    stored = [i for i in table_items("REQUEST#") if i.get("type") == "request"]
    assert [(r["reference"], r["input_channel"]) for r in stored] == [(reference, "open311")]
    assert stored[0]["theme_code"] == "lighting.streetlight-off"
    assert stored[0]["response_channel"] == "email"
    got, _, read = call(api, event(f"requests/{reference}.json"))
    assert got == 200
    assert json.loads(read)[0]["status"] == "open"


def test_a_retried_post_with_the_same_idempotency_key_files_once(
    api: ModuleType, client_key: str
) -> None:
    first = posted(a_post(client_key))
    first["headers"]["idempotency-key"] = "app-retry-0001"
    second = copy.deepcopy(first)
    second["requestContext"]["requestId"] = "rRKdoBDother"

    _, _, one = call(api, first)
    _, _, two = call(api, second)

    assert json.loads(one) == json.loads(two)


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({"api_key": ""}, 403),
        ({"api_key": "fixmystreet.not-the-key"}, 403),
        ({"api_key": "nobody.at-all"}, 403),
        ({"service_code": "no.such-theme"}, 400),
        ({"description": ""}, 400),
        ({"lat": "", "long": ""}, 400),
        ({"jurisdiction_id": "elsewhere.example"}, 404),
    ],
)
def test_a_refused_post_answers_the_specification_error(
    api: ModuleType, client_key: str, changes: dict[str, str], status: int
) -> None:
    got, _, body = call(api, posted(a_post(client_key, **changes)))

    assert got == status
    assert json.loads(body)[0]["code"] == status
    assert [i for i in table_items("REQUEST#") if i.get("type") == "request"] == []


MEDIA = "https://photos.example.org/reports/7f3a/streetlight.jpg"


def the_stored_request() -> dict[str, Any]:
    [stored] = [i for i in table_items("REQUEST#") if i.get("type") == "request"]
    return stored


def test_a_media_link_is_kept_on_the_first_message_and_listed_where_the_place_is_public(
    api: ModuleType, client_key: str
) -> None:
    status, _, body = call(api, posted(a_post(client_key, media_url=MEDIA)))

    assert status == 201
    reference = json.loads(body)[0]["service_request_id"]
    assert the_stored_request()["origin"]["media_url"] == MEDIA
    _, _, read = call(api, event(f"requests/{reference}.json"))
    valid("requests.json", json.loads(read))
    assert json.loads(read)[0]["media_url"] == MEDIA
    _, _, xml = call(api, event(f"requests/{reference}.xml"))
    assert ET.fromstring(xml).findtext("request/media_url") == MEDIA


def test_a_media_link_is_not_listed_where_the_theme_keeps_the_place_private(
    api: ModuleType, client_key: str
) -> None:
    noise = a_post(
        client_key,
        media_url=MEDIA,
        service_code="noise.neighbours",
        **{"attribute[request_type]": "complaint"},
    )
    _, _, body = call(api, posted(noise))
    reference = json.loads(body)[0]["service_request_id"]

    _, _, read = call(api, event(f"requests/{reference}.json"))

    assert the_stored_request()["origin"]["media_url"] == MEDIA
    assert json.loads(read)[0]["media_url"] is None
    assert json.loads(read)[0]["lat"] is None


@pytest.mark.parametrize(
    "link",
    [
        "ftp://photos.example.org/streetlight.jpg",
        "javascript:alert(1)",
        "https://someone:secret@photos.example.org/streetlight.jpg",
        "photos.example.org/streetlight.jpg",
        "https://photos.example.org/a street light.jpg",
        "https://[::1/streetlight.jpg",
        "https://photos.example.org/" + "x" * 2000,
    ],
)
def test_a_media_url_that_is_not_a_plain_web_link_is_refused_by_name(
    api: ModuleType, client_key: str, link: str
) -> None:
    status, _, body = call(api, posted(a_post(client_key, media_url=link)))

    assert status == 400
    assert json.loads(body)[0]["description"].startswith("media_url ")
    assert [i for i in table_items("REQUEST#") if i.get("type") == "request"] == []


def test_the_account_and_device_ids_are_read_past_and_never_kept(
    api: ModuleType, client_key: str
) -> None:
    fields = a_post(client_key, account_id="acct-5521-nuria", device_id="device-88c1-fe02")

    status, _, body = call(api, posted(fields))

    assert status == 201
    assert json.loads(body)[0]["account_id"] is None
    dump = table_dump()
    assert "acct-5521-nuria" not in dump
    assert "device-88c1-fe02" not in dump


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_key_past_its_allowance_is_answered_429_in_the_posts_format(
    api: ModuleType, seed: Seeder, fmt: render.Format
) -> None:
    _, key = ClientApps(seed.runtime.table, per_minute=30).register(
        "busy-app", "Busy", seed.clock()
    )
    statuses = [
        call(api, posted(a_post(key), fmt, request_id=f"busy-{n:03d}"))[0] for n in range(30)
    ]

    status, content_type, body = call(api, posted(a_post(key), fmt, request_id="busy-030"))

    assert statuses == [201] * 30
    assert (status, content_type) == (429, render.CONTENT_TYPES[fmt])
    if fmt == "json":
        assert json.loads(body)[0]["code"] == 429
    else:
        assert ET.fromstring(body).findtext("error/code") == "429"
    filed = [i for i in table_items("REQUEST#") if i.get("type") == "request"]
    assert len(filed) == 30


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({"api_key": "fixmystreet.not-the-key"}, 403),
        ({"service_code": "no.such-theme"}, 400),
        ({"media_url": "javascript:alert(1)"}, 400),
        ({"jurisdiction_id": "elsewhere.example"}, 404),
    ],
)
def test_a_refused_post_in_xml_answers_the_errors_element(
    api: ModuleType, client_key: str, changes: dict[str, str], status: int
) -> None:
    got, content_type, body = call(api, posted(a_post(client_key, **changes), "xml"))

    assert (got, content_type) == (status, "text/xml; charset=utf-8")
    root = ET.fromstring(body)
    assert root.tag == "errors"
    assert root.findtext("error/code") == str(status)
    assert root.findtext("error/description")


def test_a_revoked_key_is_refused(api: ModuleType, seed: Seeder, client_key: str) -> None:
    ClientApps(seed.runtime.table, per_minute=3).revoke("fixmystreet", seed.clock())

    status, _, _ = call(api, posted(a_post(client_key)))

    assert status == 403


def test_a_key_is_held_to_its_allowance_a_minute(seed: Seeder, client_key: str) -> None:
    apps = ClientApps(seed.runtime.table, per_minute=3)
    for _ in range(3):
        apps.caller(client_key, seed.clock())

    with pytest.raises(RateLimited):
        apps.caller(client_key, seed.clock())
    seed.clock.advance(minutes=1)
    assert apps.caller(client_key, seed.clock()).id == "fixmystreet"


def test_an_app_id_is_registered_once(seed: Seeder, client_key: str) -> None:
    with pytest.raises(Conflict):
        ClientApps(seed.runtime.table, per_minute=3).register("fixmystreet", "Other", seed.clock())


def test_the_key_itself_is_never_stored(seed: Seeder, client_key: str) -> None:
    assert client_key not in table_dump()


def test_an_unexpected_error_is_a_500_in_the_specification_body() -> None:
    obs = observability.build("citizen_api")

    @georeport_endpoint(obs)
    def broken(name: str, fmt: render.Format) -> str:
        raise ValueError("an internal detail")

    response = broken("services.xml")

    assert response.status_code == 500
    assert "internal detail" not in response.body
    assert ET.fromstring(response.body).findtext("error/code") == "500"


def a_reader(seed: Seeder, most: int = 1000) -> GeoReportReader:
    runtime = seed.runtime
    return GeoReportReader(
        runtime.catalogue,
        OpenDataStore(runtime.table),
        RequestStore(runtime.table, shards=4),
        jurisdiction="bcn",
        zone=ZoneInfo("Europe/Madrid"),
        most=most,
    )


def test_without_dates_the_list_is_the_90_days_before_now(seed: Seeder) -> None:
    reference = seed.request(None)
    published(seed, reference)
    reader = a_reader(seed)

    now = [r.service_request_id for r in reader.requests(RequestQuery(), seed.clock(), CA)]
    seed.clock.advance(days=91)
    later = reader.requests(RequestQuery(), seed.clock(), CA)

    assert (now, later) == ([reference], [])


def test_the_list_stops_at_its_cap_keeping_the_newest(seed: Seeder) -> None:
    older = seed.request(None, reference="BCN-2026-000123")
    seed.clock.advance(hours=1)
    newer = seed.request(None, reference="BCN-2026-000124")
    for reference in (older, newer):
        published(seed, reference)

    found = a_reader(seed, most=1).requests(RequestQuery(), seed.clock(), CA)

    assert [r.service_request_id for r in found] == [newer]
