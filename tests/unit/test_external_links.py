"""Reply links and API keys of the external bodies: what verifies and what is refused."""

from datetime import UTC, datetime

import pytest

from finestra.domain.catalogue import Catalogue
from finestra.domain.errors import Forbidden, Unauthorised
from finestra.external.bodies import ExternalBodies, ExternalBody
from finestra.external.callers import ApiKeys, ExternalSecret, key_digest
from finestra.external.links import LinkExpired, ReplyLinks
from tests.conftest import CONFIG, Clock

KEY = b"link-key-for-tests-only-0123456789"
CATALOGUE = Catalogue.load(CONFIG)
BODIES = ExternalBodies.load(CONFIG, CATALOGUE)
TMB_KEY = "tmb.Zq8vN3pL0sK7wR2xC9mB4dF6hJ1"


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 3, 14, 19, 41, 8, tzinfo=UTC))


def test_a_link_the_city_issued_verifies_and_names_its_conversation(clock: Clock) -> None:
    links = ReplyLinks(KEY, clock)
    token, claims = links.issue("BCN-2026-000123", "cnv_1")

    assert links.verify(token) == claims
    assert claims.conversation_id == "cnv_1"


def test_a_link_signed_with_another_key_is_refused(clock: Clock) -> None:
    token, _ = ReplyLinks(b"another-key-entirely-0123456789", clock).issue("BCN-2026-000123", "c")

    with pytest.raises(Forbidden, match="not valid"):
        ReplyLinks(KEY, clock).verify(token)


def test_a_link_whose_payload_was_changed_is_refused(clock: Clock) -> None:
    links = ReplyLinks(KEY, clock)
    token, _ = links.issue("BCN-2026-000123", "cnv_1")
    other, _ = links.issue("BCN-2026-000999", "cnv_1")
    forged = other.split(".")[0] + "." + token.split(".")[1]

    with pytest.raises(Forbidden):
        links.verify(forged)


@pytest.mark.parametrize("token", ["", "nodot", ".sig", "a.b", "x" * 2000])
def test_a_malformed_link_is_refused(clock: Clock, token: str) -> None:
    with pytest.raises(Forbidden):
        ReplyLinks(KEY, clock).verify(token)


def test_a_link_past_its_fourteen_days_is_refused_as_expired(clock: Clock) -> None:
    links = ReplyLinks(KEY, clock)
    token, _ = links.issue("BCN-2026-000123", "cnv_1")
    clock.advance(days=13, hours=23)
    links.verify(token)
    clock.advance(hours=2)

    with pytest.raises(LinkExpired):
        links.verify(token)


def test_a_short_link_key_is_refused(clock: Clock) -> None:
    with pytest.raises(ValueError, match="at least 16 bytes"):
        ReplyLinks(b"short", clock)


def test_every_external_body_theme_names_a_body_of_the_file() -> None:
    names = {b.name for b in BODIES.bodies}

    assert {t.external_body for t in CATALOGUE.themes if t.external_body} <= names
    assert BODIES.of_theme(CATALOGUE.theme("transport.bus-stop")).code == "tmb"


def test_a_file_missing_a_theme_s_body_is_refused() -> None:
    with pytest.raises(ValueError, match="lacks"):
        ExternalBodies(BODIES.bodies[1:], CATALOGUE)


def keys() -> ApiKeys:
    secret = ExternalSecret(link_key="k" * 32, api_keys={"tmb": key_digest(TMB_KEY)})
    return ApiKeys(secret, BODIES)


def test_a_body_s_key_names_the_body() -> None:
    body: ExternalBody = keys().caller(TMB_KEY)

    assert body.code == "tmb"


@pytest.mark.parametrize(
    "presented",
    [None, "", "tmb", "tmb.wrong", "aspb." + TMB_KEY.split(".")[1], "nobody.x", "tmb." + "x" * 300],
)
def test_a_missing_or_wrong_key_is_unauthorised(presented: str | None) -> None:
    with pytest.raises(Unauthorised):
        keys().caller(presented)
