"""The demo back office with the real connectors: answers, faults over HTTP, determinism."""

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import urllib3

from finestra.backoffice import (
    BackOfficeError,
    Breakers,
    CitizenKeys,
    Connector,
    LookupQuery,
    LookupResult,
    LookupStatus,
    PlaceKeys,
    Registry,
    SystemAnswerInvalid,
    SystemUnavailable,
    connector_for,
)
from finestra.backoffice.registry import SYSTEM_CODES, LookupKey
from finestra_local.demo_backoffice import DemoBackOffice, demo_secrets

CONFIG = Path(__file__).resolve().parents[2] / "infra" / "config"
SAGRADA_FAMILIA = PlaceKeys(latitude=41.4036, longitude=2.1744, district_code="2")
MADRID = PlaceKeys(latitude=40.4168, longitude=-3.7038)
CONTROL_TIMEOUT = urllib3.Timeout(total=5)


@pytest.fixture(scope="module")
def running() -> Iterator[DemoBackOffice]:
    with DemoBackOffice(CONFIG) as demo:
        yield demo


@pytest.fixture(scope="module")
def http() -> Iterator[urllib3.PoolManager]:
    pool = urllib3.PoolManager(timeout=CONTROL_TIMEOUT, retries=False)
    yield pool
    pool.clear()


def query_for(document_id: str = "48151623K", location: PlaceKeys = SAGRADA_FAMILIA) -> LookupQuery:
    return LookupQuery(
        reference="BCN-2026-000123",
        theme_code="lighting.streetlight-off",
        citizen=CitizenKeys(
            document_id=document_id, phone="+34600111222", email=f"{document_id}@example.cat"
        ),
        location=location,
    )


@dataclass
class Rig:
    """The running demo, a registry pointed at it, its secrets and an HTTP pool."""

    demo: DemoBackOffice
    registry: Registry
    http: urllib3.PoolManager
    secrets: dict[str, dict[str, str]]

    def connector(
        self,
        code: str,
        *,
        timeout_ms: int | None = None,
        breakers: Breakers | None = None,
        secrets: dict[str, dict[str, str]] | None = None,
    ) -> Connector:
        system = self.registry.system(code)
        if timeout_ms is not None:
            system = system.model_copy(update={"timeout_ms": timeout_ms})
        credentials = (secrets or self.secrets).__getitem__
        return connector_for(
            system, self.http, credentials, breakers or Breakers(), sleep=lambda _: None
        )

    def query(self, code: str, *, known: bool = True) -> LookupQuery:
        """The first of a few candidate citizens the system knows (or does not know)."""
        system = self.registry.system(code)
        for number in range(64):
            query = query_for(f"{number:08d}X")
            payload = query.payload(system.lookup_by)
            assert payload is not None
            if (self.demo.answer(code, payload) is not None) == known:
                return query
        raise AssertionError("no candidate citizen fits")

    def post_fault(self, body: dict[str, Any]) -> Any:
        response = self.http.request("POST", self.demo.base_url + "/_faults", json=body)
        assert response.status == 200
        return response.json()

    def calls(self) -> dict[str, int]:
        response = self.http.request("GET", self.demo.base_url + "/_calls")
        assert response.status == 200
        calls: dict[str, int] = response.json()
        return calls


def rig_for(demo: DemoBackOffice, http: urllib3.PoolManager) -> Rig:
    registry = Registry.load(CONFIG, base_url_override=demo.base_url)
    return Rig(demo, registry, http, demo_secrets(registry))


@pytest.fixture
def rig(running: DemoBackOffice, http: urllib3.PoolManager) -> Iterator[Rig]:
    """The demo with no faults and no calls counted, cleared over HTTP."""
    http.request("DELETE", running.base_url + "/_faults")
    http.request("DELETE", running.base_url + "/_calls")
    yield rig_for(running, http)
    running.clear_faults()


@pytest.mark.parametrize("code", SYSTEM_CODES)
def test_every_system_answers_a_known_citizen_or_place(rig: Rig, code: str) -> None:
    # given a citizen (and a place) the system knows
    query = rig.query(code)

    # when the system is asked through its connector
    result = rig.connector(code).lookup(query)

    # then it answers ok with a little data, once
    assert result.status is LookupStatus.OK
    assert result.data
    assert rig.calls()[code] == 1


def test_the_population_register_places_the_citizen_in_a_real_neighbourhood(rig: Rig) -> None:
    # given a citizen the population register knows
    query = rig.query("population-register")

    # when the register is asked
    data = rig.connector("population-register").lookup(query).data

    # then the citizen lives in one of the city's neighbourhoods, in its district
    with (CONFIG / "neighbourhoods.csv").open(encoding="utf-8", newline="") as handle:
        districts = {r["neighbourhood_code"]: r["district_code"] for r in csv.DictReader(handle)}
    assert districts[data["neighbourhood_code"]] == data["district_code"]
    assert data["registered"] is True


@pytest.mark.parametrize("code", ["fines", "complaints-legacy"])
def test_a_citizen_the_system_does_not_know_is_not_found(rig: Rig, code: str) -> None:
    # given a citizen the system does not know
    query = rig.query(code, known=False)

    # when the system is asked
    result = rig.connector(code).lookup(query)

    # then the citizen is not found
    assert result.status is LookupStatus.NOT_FOUND


def test_a_place_outside_the_city_is_not_found(rig: Rig) -> None:
    # given a place in Madrid
    query = query_for(location=MADRID)

    # when street lighting is asked about it
    result = rig.connector("street-lighting").lookup(query)

    # then no lamp is known there
    assert result.status is LookupStatus.NOT_FOUND


def test_the_same_query_gets_the_same_data_even_from_another_demo(rig: Rig) -> None:
    # given a known citizen
    query = rig.query("libraries")
    libraries = rig.connector("libraries")

    # when the libraries are asked twice, and another demo is asked too
    first, second = libraries.lookup(query), libraries.lookup(query)
    payload = query.payload([LookupKey.DOCUMENT_ID]) or {}
    other = DemoBackOffice(CONFIG).answer("libraries", payload)

    # then the data is the same every time
    assert first.data == second.data == other


def test_different_places_get_different_data(rig: Rig) -> None:
    # given two places in the city
    lighting = rig.connector("street-lighting")
    elsewhere = PlaceKeys(latitude=41.3809, longitude=2.1228)

    # when street lighting is asked about each
    here = lighting.lookup(query_for(location=SAGRADA_FAMILIA))
    there = lighting.lookup(query_for(location=elsewhere))

    # then each has a lamp of its own
    assert here.data["lamp_id"] != there.data["lamp_id"]


@dataclass(frozen=True)
class FaultCase:
    """A fault mode, how a lookup that meets it ends, and how many calls it makes."""

    mode: str
    error: type[BackOfficeError]
    reason: str
    calls: int


FAULT_CASES = [
    FaultCase("fail", SystemUnavailable, "http_503", 1),
    FaultCase("garbage", SystemAnswerInvalid, "invalid_answer", 1),
    FaultCase("down", SystemUnavailable, "connection", 2),
    FaultCase("slow", SystemUnavailable, "timeout", 2),
]


@pytest.mark.parametrize("code", ["fines", "complaints-legacy"])
@pytest.mark.parametrize("case", FAULT_CASES, ids=[case.mode for case in FAULT_CASES])
def test_each_fault_switched_over_http_ends_the_lookup_as_it_should(
    rig: Rig, code: str, case: FaultCase
) -> None:
    # given a system switched to a fault over HTTP (slow: 0.5 s, against a 0.15 s timeout)
    delay = {"delay_ms": 500} if case.mode == "slow" else {}
    rig.post_fault({"system": code, "mode": case.mode, **delay})
    query = rig.query(code)

    # when it is asked, then the lookup raises with the fault's reason
    with pytest.raises(case.error) as raised:
        rig.connector(code, timeout_ms=150).lookup(query)
    assert str(raised.value) == case.reason

    # after one try for an answer, and two for no answer at all
    assert rig.calls()[code] == case.calls


def test_switching_a_system_back_to_ok_over_http_restores_it(rig: Rig) -> None:
    # given a system that failed, switched back to ok over HTTP
    rig.post_fault({"system": "fines", "mode": "fail"})
    rig.post_fault({"system": "fines", "mode": "ok"})

    # when it is asked
    result = rig.connector("fines").lookup(rig.query("fines"))

    # then it answers
    assert result.status is LookupStatus.OK


def test_the_faults_in_force_are_shown_and_cleared_over_http(rig: Rig) -> None:
    # given two systems switched to faults, one slow without a delay given
    rig.post_fault({"system": "fines", "mode": "down"})
    rig.post_fault({"system": "parking", "mode": "slow"})

    # when the faults are read, then cleared
    shown = rig.http.request("GET", rig.demo.base_url + "/_faults").json()
    cleared = rig.http.request("DELETE", rig.demo.base_url + "/_faults").json()

    # then each system shows its fault, slow past the system's timeout, until cleared
    assert shown["systems"]["fines"] == {"mode": "down", "delay_ms": 0}
    assert shown["systems"]["parking"] == {
        "mode": "slow",
        "delay_ms": rig.registry.system("parking").timeout_ms + 500,
    }
    assert shown["systems"]["libraries"] == {"mode": "ok", "delay_ms": 0}
    assert {fault["mode"] for fault in cleared["systems"].values()} == {"ok"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"system": "cemeteries", "mode": "fail"}, "system"),
        ({"system": "fines", "mode": "explode"}, "mode"),
        ({"system": "fines", "mode": "slow", "delay_ms": 3_600_000}, "delay_ms"),
        ({"random": {"seed": 1, "rate": 2}}, "random.rate"),
    ],
)
def test_a_fault_that_breaks_a_rule_is_refused_naming_the_field(
    rig: Rig, body: dict[str, Any], field: str
) -> None:
    # given a fault for an unknown system, of an unknown mode, or beyond its bounds

    # when it is posted
    response = rig.http.request("POST", rig.demo.base_url + "/_faults", json=body)

    # then it is refused with the one error body, naming the field
    assert response.status == 422
    document = response.json()
    assert document["code"] == "invalid_request"
    assert document["errors"][0]["field"] == field


def test_a_fault_that_is_not_json_is_a_bad_request(rig: Rig) -> None:
    # given a body that is not JSON

    # when it is posted as a fault
    response = rig.http.request("POST", rig.demo.base_url + "/_faults", body=b"fail fines")

    # then it is a bad request
    assert response.status == 400
    assert response.json()["code"] == "bad_request"


def test_a_wrong_token_is_refused_once_as_an_auth_failure(rig: Rig) -> None:
    # given the fines system's secret holding a token it does not know
    wrong = {**rig.secrets, "finestra/backoffice/multes": {"scheme": "bearer", "token": "guess"}}

    # when it is asked, then it refuses the credentials
    with pytest.raises(SystemUnavailable, match=r"^auth$"):
        rig.connector("fines", secrets=wrong).lookup(rig.query("fines"))

    # and is not asked again
    assert rig.calls()["fines"] == 1


def test_a_demo_built_with_its_own_tokens_accepts_those_only(http: urllib3.PoolManager) -> None:
    # given a demo whose fines system has a token of its own
    with DemoBackOffice(CONFIG, tokens={"fines": "fines-local-token"}) as own:
        rig = rig_for(own, http)
        query = rig.query("fines")
        own_secrets = demo_secrets(rig.registry, {"fines": "fines-local-token"})

        # when it is asked with the default token, then with its own
        with pytest.raises(SystemUnavailable, match=r"^auth$"):
            rig.connector("fines").lookup(query)
        result = rig.connector("fines", secrets=own_secrets).lookup(query)

    # then only its own token is accepted
    assert result.status is LookupStatus.OK


def test_a_failing_system_opens_its_circuit_and_is_left_alone(rig: Rig) -> None:
    # given a system that fails five times in a row
    rig.post_fault({"system": "housing", "mode": "fail"})
    housing, query = rig.connector("housing"), rig.query("housing")
    for _ in range(5):
        with pytest.raises(SystemUnavailable, match="http_503"):
            housing.lookup(query)

    # when it is asked once more, then the circuit is open
    with pytest.raises(SystemUnavailable, match=r"^circuit_open$"):
        housing.lookup(query)

    # and the system saw five calls only
    assert rig.calls()["housing"] == 5


def outcomes(connector: Connector, query: LookupQuery, count: int) -> list[str]:
    """How each of ``count`` lookups ended: a status, or an error's reason."""
    ended: list[str] = []
    for _ in range(count):
        try:
            result: LookupResult = connector.lookup(query)
        except BackOfficeError as exc:
            ended.append(exc.reason)
        else:
            ended.append(result.status.value)
    return ended


def test_random_faults_follow_the_seed_and_replay_after_the_calls_are_reset(rig: Rig) -> None:
    # given random faults switched on over HTTP: half the calls fail or answer garbage
    rig.post_fault({"random": {"seed": 7, "rate": 0.5, "modes": ["fail", "garbage"]}})
    query = rig.query("libraries")

    def run() -> list[str]:
        breakers = Breakers(failure_threshold=1000)
        return outcomes(rig.connector("libraries", breakers=breakers), query, 12)

    # when twelve lookups run, the calls are reset, and twelve more run
    first = run()
    rig.http.request("DELETE", rig.demo.base_url + "/_calls")
    second = run()

    # then both runs end the same way, with some faults and some answers
    assert first == second
    assert set(first) == {"ok", "http_503", "invalid_answer"}


def test_random_faults_stop_and_an_explicit_fault_wins_over_them(rig: Rig) -> None:
    # given every call faulty at random, and the fines system set to fail
    rig.demo.random_faults(seed=3, rate=1.0, modes=["garbage"])
    rig.post_fault({"system": "fines", "mode": "fail"})
    fines = rig.connector("fines")
    taxes, taxes_query = rig.connector("municipal-taxes"), rig.query("municipal-taxes")

    # when both are asked, then random faults are stopped and the taxes asked again
    during = outcomes(fines, rig.query("fines"), 1) + outcomes(taxes, taxes_query, 1)
    shown = rig.post_fault({"random": None})
    after = outcomes(taxes, taxes_query, 1)

    # then the explicit fault won, the random one hit the other, and then stopped
    assert (during, after) == (["http_503", "invalid_answer"], ["ok"])
    assert shown["random"] is None


def test_the_calls_counted_are_the_same_in_python_and_over_http(rig: Rig) -> None:
    # given two lookups in street lighting
    lighting = rig.connector("street-lighting")
    lighting.lookup(query_for())
    lighting.lookup(query_for())

    # when the calls are read both ways
    over_http, in_python = rig.calls(), rig.demo.calls()

    # then both count two for street lighting, and one entry for each of the sixteen
    assert over_http == in_python
    assert over_http["street-lighting"] == 2
    assert len(over_http) == 16
