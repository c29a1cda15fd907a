"""The city as ``make run`` starts it: a request on every channel, end to end.

One :class:`~finestra_local.city.LocalCity` (the stack, a small demo city, the outside
world and the gateway) serves the whole module. Each channel's request is delivered
from outside as AWS would deliver it, then read back as staff read it, through the
desk API with a Cognito token: stored, routed to a group with a due time, its
back-office snapshot taken, and its acknowledgement sent on the citizen's channel.
"""

import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest

from finestra.domain.catalogue import Catalogue
from finestra_local.city import LocalCity
from finestra_local.demo_city import CitySize
from finestra_local.staff import DEMO_STAFF, sign_in
from tests.conftest import ROOT, load_event

T = TypeVar("T")
DEADLINE_S = 90
REFERENCE = re.compile(r"\b[A-Z]{2,5}-\d{4}-\d{6}\b")
SMALL_CITY = CitySize(citizens=60, requests=240)

SMS_FROM = "+34611000001"
SMS_TEXT = "Fanal apagat al carrer de Mallorca 250: no s'encén des de fa tres nits."
MAIL_FROM = "nuria.vidal@example.org"
MAIL_TEXT = (
    "Buenos días, hay un bache muy peligroso en la calle de Aribau, 30, delante del "
    "portal. Ayer se cayó una moto."
)
CALL_FROM = "+34611000002"
CALL_TEXT = "La farola de delante del portal está apagada desde el lunes."
POST_TEXT = "Hi ha pintades i grafitis a la paret de l'escola del carrer de Joan Blanques, 20."
VISIT_PHONE = "+34611000003"
VISIT_TEXT = "Un arbre del parc té una branca trencada que penja sobre el camí."


def eventually(probe: Callable[[], T | None], deadline_s: float = DEADLINE_S) -> T:
    """The first answer of ``probe`` that is not ``None``, polled until a deadline."""
    ends = time.monotonic() + deadline_s
    while time.monotonic() < ends:
        found = probe()
        if found is not None:
            return found
        time.sleep(0.5)
    raise AssertionError(f"nothing came within {deadline_s} s")


@pytest.fixture(scope="module")
def city() -> Iterator[LocalCity]:
    with LocalCity(ROOT, port=0, size=SMALL_CITY) as started:
        yield started


def token(city: LocalCity, username: str) -> str:
    account = next(member for member in DEMO_STAFF if member.username == username)
    stack = city.stack
    return sign_in(
        stack.client, stack.user_pool_id, stack.client_id, account.username, account.password
    ).id_token


def http(
    city: LocalCity,
    method: str,
    path: str,
    body: Any = None,
    *,
    bearer: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    sent = {"Content-Type": "application/json", **(headers or {})}
    if bearer is not None:
        sent["Authorization"] = f"Bearer {bearer}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(city.url + path, data=data, method=method, headers=sent)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read() or b"null")


def acknowledged(city: LocalCity, to: str) -> str:
    """The reference the city's acknowledgement to ``to`` names."""
    sent = eventually(lambda: city.world.outbox(to=to) or None)
    found = REFERENCE.search(sent[0].text)
    assert found is not None, "the acknowledgement names no reference"
    return found.group(0)


def stored_with(city: LocalCity, channel: str, description: str) -> str:
    """The reference of the request of ``channel`` whose description is ``description``."""

    def probe() -> str | None:
        items = city.stack.client("dynamodb").scan(
            TableName=city.stack.environment["FINESTRA_TABLE"],
            FilterExpression="SK = :request AND input_channel = :channel",
            ExpressionAttributeValues={":request": {"S": "REQUEST"}, ":channel": {"S": channel}},
        )["Items"]
        return next(
            (i["reference"]["S"] for i in items if i["description"]["S"] == description), None
        )

    return eventually(probe)


def deliver_web(city: LocalCity) -> tuple[str, str | None]:
    form = json.loads(load_event("web/create-request.json")["body"])
    status, created = http(
        city, "POST", "/api/v1/requests", form, headers={"Idempotency-Key": "city-e2e-web"}
    )
    assert status == 201, created
    return created["reference"], form["applicant"]["email"]


def deliver_sms(city: LocalCity) -> tuple[str, str | None]:
    city.world.sms(SMS_FROM, SMS_TEXT)
    return acknowledged(city, SMS_FROM), SMS_FROM


def deliver_email(city: LocalCity) -> tuple[str, str | None]:
    city.world.email(MAIL_FROM, MAIL_TEXT, subject="Bache en Aribau")
    return acknowledged(city, MAIL_FROM), MAIL_FROM


def deliver_call(city: LocalCity) -> tuple[str, str | None]:
    answer = city.world.call(
        CALL_FROM,
        theme="lighting.streetlight-off",
        transcript=CALL_TEXT,
        language="es",
        address="Carrer de Pau Claris, 120",
        district_code="2",
        neighbourhood_code="7",
        response_channel="sms",
    )
    assert answer["outcome"] == "request_created", answer
    assert acknowledged(city, CALL_FROM) == answer["reference"]
    return answer["reference"], CALL_FROM


def deliver_social(city: LocalCity) -> tuple[str, str | None]:
    answer = city.world.social("@veina_gracia", POST_TEXT)
    assert answer.status == 200
    return stored_with(city, "social", POST_TEXT), None


def deliver_visit(city: LocalCity) -> tuple[str, str | None]:
    status, created = http(
        city,
        "POST",
        "/api/desk/v1/requests",
        {
            "channel": "in_person",
            "phone": VISIT_PHONE,
            "given_name": "Pau",
            "family_names": "Serra",
            "language": "ca",
            "theme": "parks.maintenance",
            "description": VISIT_TEXT,
            "location": {
                "latitude": 41.4036,
                "longitude": 2.1744,
                "address": "Passeig de Sant Joan, 150",
                "district_code": "2",
                "neighbourhood_code": "7",
            },
            "response_channel": "sms",
        },
        bearer=token(city, "agent.triage"),
        headers={"Idempotency-Key": "city-e2e-visit"},
    )
    assert status == 201, created
    return created["reference"], VISIT_PHONE


OPEN311_MEDIA = "https://photos.example.org/reports/e2e/fanal-200.jpg"


def deliver_open311(city: LocalCity) -> tuple[str, str | None]:
    assert city.open311_key is not None, "the local city registered no Open311 client app"
    email = "open311.e2e@example.org"
    form = urllib.parse.urlencode(
        {
            "api_key": city.open311_key,
            "service_code": "lighting.streetlight-off",
            "lat": "41.3935",
            "long": "2.1634",
            "address_string": "Carrer de Mallorca, 200",
            "description": "El fanal davant del número 200 no s'encén.",
            "email": email,
            "media_url": OPEN311_MEDIA,
        }
    ).encode()
    request = urllib.request.Request(
        city.url + "/api/open311/v2/requests.json",
        data=form,
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        assert response.status == 201
        [opened] = json.loads(response.read())
    return opened["service_request_id"], email


CHANNELS = {
    "web": deliver_web,
    "open311": deliver_open311,
    "sms": deliver_sms,
    "email": deliver_email,
    "phone": deliver_call,
    "social": deliver_social,
    "in_person": deliver_visit,
}


@pytest.mark.parametrize("channel", sorted(CHANNELS))
def test_a_request_on_every_channel_is_stored_routed_looked_up_and_acknowledged(
    city: LocalCity, channel: str
) -> None:
    reference, recipient = CHANNELS[channel](city)
    admin = token(city, "admin")

    def routed() -> dict[str, Any] | None:
        status, detail = http(city, "GET", f"/api/desk/v1/requests/{reference}", bearer=admin)
        assert status == 200, detail
        outbound = [e for e in detail["timeline"] if e["kind"] == "outbound"]
        done = detail["request"]["due_at"] and (outbound or recipient is None)
        return detail if done else None

    detail = eventually(routed)

    assert detail["request"]["channel"] == channel
    assert detail["request"]["theme"], "the request went to triage unclassified"
    assert detail["request"]["group"]
    assert detail["request"]["state"] not in ("closed", "cancelled")
    assert detail["timeline"][0]["kind"] == "inbound"
    if channel == "open311":
        assert detail["timeline"][0]["media_url"] == OPEN311_MEDIA
    theme = Catalogue.load(city.stack.config_dir).theme(detail["request"]["theme"])
    if theme.back_office_systems:
        assert detail["snapshots"], "no back-office system was asked about the request"
    if recipient is not None:
        sent = city.world.outbox(to=recipient)
        assert any(reference in message.text for message in sent)


def test_health_names_every_part_and_all_are_well(city: LocalCity) -> None:
    status, health = http(city, "GET", "/api/health")

    assert status == 200
    assert {"aws", "backoffice", "desktop", "demo_city"} <= set(health)
    assert set(health.values()) == {"ok"}


def test_the_desktop_and_its_configuration_are_served_at_the_root(city: LocalCity) -> None:
    with urllib.request.urlopen(city.url + "/", timeout=10) as page:
        html = page.read().decode()
    status, config = http(city, "GET", "/config.json")

    assert "<div id=" in html or "<script" in html
    assert status == 200
    assert config["userPoolId"] == city.stack.user_pool_id
    assert config["clientId"] == city.stack.client_id


def test_a_staff_route_refuses_a_call_without_a_token(city: LocalCity) -> None:
    assert http(city, "GET", "/api/desk/v1/worklist") == (401, {"message": "Unauthorized"})


def test_the_demo_city_is_in_the_worklist_of_a_signed_in_agent(city: LocalCity) -> None:
    status, page = http(city, "GET", "/api/desk/v1/worklist", bearer=token(city, "agent.triage"))

    assert status == 200, page
    assert city.report is not None
    assert city.report.requests == SMALL_CITY.requests
    assert sum(page["counts"].values()) >= len(page["items"])
