"""Every event of ``events/external/`` replayed through the external bodies' API, under moto.

The callback scenarios need a request handed over to TMB and TMB's key in the secret; the
reply-page scenarios need the conversation the city opened with TMB, whose emailed link
is the very token of ``reply-page-valid-link``: the desk opens it through its own route,
on the test clock, with the link's nonce fixed, so the token comes out the same each run.
"""

import json
from collections.abc import Callable
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.parser.models import APIGatewayProxyEventModel

from finestra.apps.desk import DeskApp
from finestra.apps.external import ExternalApp
from finestra.external.callers import key_digest
from finestra.external.links import LinkExpired, ReplyLinks
from finestra.runtime import Lazy
from finestra.settings import DeskSettings, ExternalApiSettings
from tests.conftest import EVENTS, REGION, Clock, FakeLambdaContext, Seeder, load_event
from tests.integration.test_desk_actions import AGENT, PREFIX, call, event, sent_email
from tests.integration.test_desk_conversations import link_of
from tests.support.aws import table_items

SECRET = "finestra/external-bodies-events"
LINK_KEY = "test-only-link-key-0123456789abcdef"
TMB_KEY = "tmb.test-only-callback-key-7Qm2Xv9Lp4Rz"
"""The key the callback events carry; the secret holds only its SHA-256 hex digest."""
TRANSPORT_AGENT = {**AGENT, "custom:groups": "public-transport"}

CALLBACKS = ("answer-valid-key", "return-valid-key", "answer-wrong-key", "answer-unknown-reference")
PAGES = ("reply-page-valid-link", "reply-page-expired-link")
ROUTES: dict[str, tuple[str, str]] = {
    "answer-valid-key": ("POST", "/api/external/v1/requests/{reference}/answer"),
    "return-valid-key": ("POST", "/api/external/v1/requests/{reference}/return"),
    "answer-wrong-key": ("POST", "/api/external/v1/requests/{reference}/answer"),
    "answer-unknown-reference": ("POST", "/api/external/v1/requests/{reference}/answer"),
    "reply-page-valid-link": ("GET", "/api/external/v1/replies/{token}"),
    "reply-page-expired-link": ("GET", "/api/external/v1/replies/{token}"),
}


def scenario(name: str) -> dict[str, Any]:
    data: dict[str, Any] = load_event(f"external/{name}.json")
    return data


def expected(name: str) -> dict[str, Any]:
    data: dict[str, Any] = load_event(f"external/{name}.expected.json")
    return data


def stored(reference: str) -> dict[str, Any]:
    [item] = [i for i in table_items(f"REQUEST#{reference}") if i["type"] == "request"]
    return item


@pytest.fixture
def secret(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    boto3.client("secretsmanager", region_name=REGION).create_secret(
        Name=SECRET,
        SecretString=json.dumps({"link_key": LINK_KEY, "api_keys": {"tmb": key_digest(TMB_KEY)}}),
    )
    monkeypatch.setenv("FINESTRA_EXTERNAL_BODIES_SECRET", SECRET)


@pytest.fixture
def external(
    secret: None,
    function: Callable[[str], ModuleType],
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> ModuleType:
    module = function("external_api")
    runtime = ExternalApp(ExternalApiSettings(), clock=clock)
    monkeypatch.setattr(module, "external", Lazy(lambda: runtime))
    return module


@pytest.fixture
def desk(
    secret: None,
    function: Callable[[str], ModuleType],
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> ModuleType:
    module = function("desk_api")
    runtime = DeskApp(DeskSettings(), clock=clock)
    monkeypatch.setattr(module.desk, "get", lambda: runtime)
    return module


@pytest.fixture
def fixed_nonce(monkeypatch: pytest.MonkeyPatch) -> str:
    nonce = str(expected("reply-page-valid-link")["given"]["nonce"])
    monkeypatch.setattr("finestra.external.links.new_id", lambda prefix: nonce)
    return nonce


def hand_over(seed: Seeder, name: str) -> str:
    given = expected(name)["given"]
    return seed.request(
        None, reference=given["reference"], state=given["state"], theme_code=given["theme_code"]
    )


def open_link(seed: Seeder, desk: ModuleType) -> str:
    """Open the city's conversation with the body through the desk, and return its link."""
    given = expected("reply-page-valid-link")["given"]
    hand_over(seed, "reply-page-valid-link")
    status, opened = call(
        desk,
        event(
            "POST",
            f"{PREFIX}/requests/{{reference}}/conversations",
            claims=TRANSPORT_AGENT,
            body={"with": "external", "text": "La marquesina de la parada V15 està trencada?"},
            path={"reference": given["reference"]},
            headers={"idempotency-key": given["idempotency_key"]},
        ),
    )
    assert status == 201, opened
    assert opened["id"] == given["conversation_id"]
    [mail] = sent_email()
    return link_of(mail)


# --------------------------------------------------------------------------- the files


@pytest.mark.parametrize("name", CALLBACKS + PAGES)
def test_each_external_event_is_an_http_api_payload_1_0_event_of_its_route(name: str) -> None:
    parsed = APIGatewayProxyEventModel.model_validate(scenario(name))

    assert (parsed.httpMethod, parsed.resource) == ROUTES[name]
    assert parsed.version == "1.0"
    assert parsed.requestContext.authorizer is not None
    assert parsed.requestContext.authorizer.claims is None
    assert all(header == header.lower() for header in parsed.headers)


def test_every_callback_but_the_wrong_key_one_carries_the_key_the_test_secret_knows() -> None:
    keys = {name: scenario(name)["headers"]["x-api-key"] for name in CALLBACKS}
    wrong = keys.pop("answer-wrong-key")

    assert set(keys.values()) == {TMB_KEY}
    assert wrong.startswith("tmb.")
    assert key_digest(wrong) != key_digest(TMB_KEY)


def test_the_events_readme_states_the_test_key_and_the_link_key() -> None:
    readme = (EVENTS / "README.md").read_text(encoding="utf-8")

    assert TMB_KEY in readme
    assert LINK_KEY in readme


def test_the_expired_link_is_the_city_s_own_signature_past_its_time(clock: Clock) -> None:
    token = scenario("reply-page-expired-link")["pathParameters"]["token"]
    links = ReplyLinks(LINK_KEY.encode(), clock)

    with pytest.raises(LinkExpired):
        links.verify(token)
    earlier = ReplyLinks(LINK_KEY.encode(), lambda: datetime(2026, 3, 1, tzinfo=UTC))
    assert (
        earlier.verify(token).reference == expected("reply-page-expired-link")["given"]["reference"]
    )


# --------------------------------------------------------------------------- callbacks


@pytest.mark.parametrize("name", CALLBACKS)
def test_each_callback_event_gets_the_answer_its_sidecar_names(
    external: ModuleType, seed: Seeder, name: str
) -> None:
    reference = hand_over(seed, name)
    before = table_items()

    status, body = call(external, scenario(name))

    want = expected(name)
    assert status == want["status_code"], body
    if "code" in want:
        assert body["code"] == want["code"]
        assert table_items() == before
    else:
        item = stored(reference)
        assert item["state"] == body["state"] == want["state"]
        assert want["flag"] in item["flags"]
    if "responsible_group" in want:
        assert stored(reference)["responsible_group"] == want["responsible_group"]


def test_the_answer_event_replayed_again_answers_the_first_receipt_and_writes_nothing(
    external: ModuleType, seed: Seeder
) -> None:
    hand_over(seed, "answer-valid-key")
    first = call(external, scenario("answer-valid-key"))
    assert first[0] == 200, first
    before = table_items()

    again = call(external, scenario("answer-valid-key"))

    assert again == first
    assert table_items() == before


# --------------------------------------------------------------------------- reply pages


def test_the_valid_link_event_carries_the_token_the_city_emailed(
    external: ModuleType, desk: ModuleType, seed: Seeder, fixed_nonce: str
) -> None:
    emailed = open_link(seed, desk)

    assert scenario("reply-page-valid-link")["pathParameters"]["token"] == emailed


def test_the_valid_link_event_shows_the_reply_form_with_the_city_s_question(
    external: ModuleType, desk: ModuleType, seed: Seeder, fixed_nonce: str
) -> None:
    open_link(seed, desk)

    response = external.app(scenario("reply-page-valid-link"), FakeLambdaContext())

    want = expected("reply-page-valid-link")
    assert response["statusCode"] == want["status_code"]
    assert response["headers"]["Content-Type"] == want["content_type"]
    assert "La marquesina de la parada V15 està trencada?" in response["body"]
    assert want["given"]["reference"] in response["body"]
    assert "<form" in response["body"]


def test_the_expired_link_event_is_refused_as_expired_and_writes_nothing(
    external: ModuleType, desk: ModuleType, seed: Seeder, fixed_nonce: str
) -> None:
    open_link(seed, desk)
    before = table_items()

    status, body = call(external, scenario("reply-page-expired-link"))

    want = expected("reply-page-expired-link")
    assert (status, body["code"]) == (want["status_code"], want["code"])
    assert table_items() == before
