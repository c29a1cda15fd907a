"""The demo city as drawn: spread, coverage, fiction, histories and determinism."""

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import boto3
import pytest

from finestra.domain.catalogue import Catalogue
from finestra.domain.citizen import EntityApplicant
from finestra.domain.contacts import normalise_document, normalise_phone, normalise_tax_id
from finestra.domain.geo import Point, distance_m
from finestra.domain.identity import ContactVault
from finestra.domain.process import check_transition
from finestra.domain.request import Interaction
from finestra.domain.routing import responsible_group
from finestra.domain.vocabulary import (
    FINAL_STATES,
    ConsentPurpose,
    ContactKind,
    InputChannel,
    InteractionKind,
    RequestState,
    ResponseChannel,
)
from finestra.storage.citizens import CitizenStore
from finestra.storage.requests import RequestStore
from finestra.storage.table import Item, Table
from finestra.workflow.sla import SLA_BREACHED, SLA_NEAR
from finestra_local.demo_city import (
    DEMO_CITIZENS,
    ENV_CITIZENS,
    ENV_REQUESTS,
    ENV_SEED,
    NEIGHBOURHOOD_CENTRES,
    CitySize,
    DemoCity,
    city_items,
    plan_city,
    report_of,
)
from tests.conftest import CONFIG

NOW = datetime(2026, 3, 14, 19, 41, 8, tzinfo=UTC)
SMALL = CitySize(citizens=60, requests=240)


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue.load(CONFIG)


@pytest.fixture(scope="module")
def city(catalogue: Catalogue) -> DemoCity:
    """The default city, drawn once for the tests that look at shares."""
    return plan_city(catalogue, size=CitySize(), now=NOW)


@pytest.fixture(scope="module")
def small(catalogue: Catalogue) -> DemoCity:
    return plan_city(catalogue, size=SMALL, now=NOW)


def test_citizens_are_spread_over_districts_in_proportion_to_their_population(
    city: DemoCity, catalogue: Catalogue
) -> None:
    counts = Counter(c.district_code for c in city.citizens)
    total = sum(d.population for d in catalogue.districts)
    for district in catalogue.districts:
        exact = len(city.citizens) * district.population / total
        assert abs(counts[district.code] - exact) < 1


def test_a_districts_citizens_are_dealt_out_equally_to_its_neighbourhoods(
    city: DemoCity, catalogue: Catalogue
) -> None:
    counts = Counter(c.neighbourhood_code for c in city.citizens)
    for district in catalogue.districts:
        inside = [n.code for n in catalogue.neighbourhoods if n.district_code == district.code]
        shares = [counts[code] for code in inside]
        assert max(shares) - min(shares) <= 1
        assert shares == sorted(shares, reverse=True), "extras go in code order"
    for citizen in city.citizens:
        assert catalogue.district_of(citizen.neighbourhood_code or "") == citizen.district_code


def test_requests_follow_the_population_of_the_districts_roughly(
    city: DemoCity, catalogue: Catalogue
) -> None:
    located = Counter(s.request.location.district_code for s in city.requests if s.request.location)
    total = sum(d.population for d in catalogue.districts)
    for district in catalogue.districts:
        share = located[district.code] / sum(located.values())
        assert share == pytest.approx(district.population / total, abs=0.02)


def test_languages_and_channels_come_in_the_citys_shares(city: DemoCity) -> None:
    languages = Counter(c.language.value for c in city.citizens)
    channels = Counter(s.request.input_channel for s in city.requests)
    assert languages["ca"] > languages["es"] > languages["en"] > 0
    assert languages["en"] / len(city.citizens) == pytest.approx(0.08, abs=0.03)
    share = {c: n / len(city.requests) for c, n in channels.items()}
    assert share[InputChannel.PHONE] == pytest.approx(0.40, abs=0.04)
    assert share[InputChannel.WEB] == pytest.approx(0.37, abs=0.04)
    assert share[InputChannel.APP] == pytest.approx(0.19, abs=0.04)


def test_every_channel_theme_and_state_occurs_in_a_small_city(
    small: DemoCity, catalogue: Catalogue
) -> None:
    requests = [s.request for s in small.requests]
    assert {r.input_channel for r in requests} == set(InputChannel)
    assert {r.theme_code for r in requests} >= {t.code for t in catalogue.themes}
    assert {r.state for r in requests} == set(RequestState)
    assert any(r.applicant is not None for r in requests), "a legal entity files one"
    assert any(r.theme_code is None for r in requests), "one waits for triage"


def test_the_same_seed_and_moment_give_the_same_city(small: DemoCity, catalogue: Catalogue) -> None:
    again = plan_city(catalogue, size=SMALL, now=NOW)
    assert again.citizens == small.citizens
    assert again.requests == small.requests
    assert again.last_numbers == small.last_numbers
    other = plan_city(catalogue, size=CitySize(60, 240, seed=7), now=NOW)
    assert other.citizens != small.citizens
    assert other.requests != small.requests


def _opened(items: list[Item], vault: ContactVault) -> list[Item]:
    """Items with their sealed contact points opened (a seal is new each time)."""
    return [
        {
            **item,
            "contact_points": [
                {**p, "sealed": vault.unseal(ContactKind(p["kind"]), p["sealed"])}
                for p in item.get("contact_points", [])
            ],
        }
        for item in items
    ]


def test_the_same_seed_and_moment_give_the_same_items(catalogue: Catalogue) -> None:
    vault = ContactVault(b"unit-test-contact-point-key-0123456789abcdef")
    table = Table(boto3.client("dynamodb", region_name="eu-west-1"), "FinestraTable")

    def items() -> list[Item]:
        city = plan_city(catalogue, size=SMALL, now=NOW)
        stores = CitizenStore(table, vault), RequestStore(table, shards=4)
        return city_items(city, citizens=stores[0], requests=stores[1])

    first, second = items(), items()

    assert _opened(first, vault) == _opened(second, vault)
    assert first != second, "each seal is drawn afresh"


def test_contact_points_are_fictional_and_valid(city: DemoCity) -> None:
    for citizen in city.citizens:
        for point in citizen.contact_points:
            if point.kind is ContactKind.PHONE:
                assert point.value.startswith("+346000")
                assert normalise_phone(point.value) == point.value
            elif point.kind is ContactKind.EMAIL:
                assert point.value.endswith("@example.org")
            elif point.kind is ContactKind.DOCUMENT:
                assert point.value.startswith(("99", "Y9"))
                assert normalise_document(point.value) == point.value
    values = [p.value for c in city.citizens for p in c.contact_points]
    assert len(values) == len(set(values)), "no two citizens share a contact point"
    applicants = [s.request.applicant for s in city.requests]
    entities = {a.tax_id for a in applicants if isinstance(a, EntityApplicant)}
    assert entities
    assert all(t.startswith("B99") and normalise_tax_id(t) == t for t in entities)


def test_the_demo_citizens_are_there_with_a_request_in_each_stage(city: DemoCity) -> None:
    by_id = {c.id: c for c in city.citizens}
    for demo in DEMO_CITIZENS:
        citizen = by_id[demo.id]
        assert citizen.language is demo.language
        assert citizen.district_code == demo.district_code
        assert citizen.identified
        points = {(p.kind, p.value) for p in citizen.contact_points}
        assert {(ContactKind.PHONE, demo.phone), (ContactKind.EMAIL, demo.email)} <= points
        states = {d.state for d in city.demo_requests if d.citizen_id == demo.id}
        assert states == {
            RequestState.IN_RESOLUTION,
            RequestState.PENDING_ANSWER,
            RequestState.CLOSED,
        }
    references = {s.request.reference: s.request for s in city.requests}
    for demo_request in city.demo_requests:
        assert references[demo_request.reference].citizen_id == demo_request.citizen_id


Move = tuple[RequestState | None, RequestState | None]


def _moves(history: Sequence[Interaction]) -> list[Move]:
    """The (from, to) of each state change staff made."""
    return [(e.from_state, e.to_state) for e in history if e.kind is InteractionKind.STATE_CHANGE]


def test_every_state_change_is_one_the_process_allows(city: DemoCity, catalogue: Catalogue) -> None:
    for seeded in city.requests:
        request = seeded.request
        moves = _moves(seeded.history)
        if request.theme_code is None:
            assert moves == []
            continue
        process = catalogue.theme(request.theme_code).process
        for here, there in moves:
            assert here is not None
            assert there is not None
            check_transition(process, here, there)
        if moves:
            assert moves[0][0] is RequestState.PENDING_VALIDATION
            assert moves[-1][1] is request.state


def test_a_citizens_reply_moves_the_request_back_to_work(city: DemoCity) -> None:
    replied = [
        s
        for s in city.requests
        if any(e.kind is InteractionKind.INBOUND_MESSAGE for e in s.history)
    ]
    assert replied
    for seeded in replied:
        history = list(seeded.history)
        reply = next(i for i, e in enumerate(history) if e.kind is InteractionKind.INBOUND_MESSAGE)
        before = _moves(history[:reply])
        after = _moves(history[reply:])
        assert before[-1][1] is RequestState.PENDING_ANSWER
        assert after[0][0] is RequestState.IN_RESOLUTION, "the reply put it back to work"
        assert after[-1][1] is RequestState.CLOSED
        assert "citizen_replied" not in seeded.request.flags, "the answer lowered it"


def test_histories_happen_between_creation_and_now_in_order(city: DemoCity) -> None:
    for seeded in city.requests:
        request = seeded.request
        times = [entry.at for entry in seeded.history]
        assert times == sorted(times)
        assert all(request.created_at < at <= NOW for at in times)
        assert request.routed_at is not None
        assert request.created_at < request.routed_at <= request.updated_at <= NOW
        if request.state in FINAL_STATES and seeded.history:
            last_change = [e for e in seeded.history if e.kind is InteractionKind.STATE_CHANGE]
            if last_change:
                assert last_change[-1].to_state is request.state


def test_requests_are_routed_to_their_themes_group_or_branch(
    city: DemoCity, catalogue: Catalogue
) -> None:
    for seeded in city.requests:
        request = seeded.request
        if request.theme_code is None:
            assert request.responsible_group == "triage"
            assert request.sla_due_at == request.created_at + timedelta(hours=24)
            continue
        theme = catalogue.theme(request.theme_code)
        place = request.location
        assert request.responsible_group == responsible_group(
            catalogue,
            theme,
            place.district_code if place else None,
            place.neighbourhood_code if place else None,
        )
        assert request.sla_due_at == request.created_at + timedelta(hours=theme.sla_hours)


def test_open_requests_are_on_time_about_to_breach_or_breached(city: DemoCity) -> None:
    open_requests = [s.request for s in city.requests if s.request.state not in FINAL_STATES]
    breached = [r for r in open_requests if SLA_BREACHED in r.flags]
    near = [r for r in open_requests if SLA_NEAR in r.flags and SLA_BREACHED not in r.flags]
    on_time = [r for r in open_requests if not {SLA_NEAR, SLA_BREACHED} & r.flags]
    assert len(on_time) > len(breached) > 0
    assert len(on_time) > len(near) > 0
    assert all(r.sla_due_at is not None and r.sla_due_at <= NOW for r in breached)
    assert all(r.sla_due_at is not None and r.sla_due_at > NOW for r in near + on_time)
    assert 0.1 < len(open_requests) / len(city.requests) < 0.3


def test_acknowledgements_go_only_where_the_citizen_can_and_may_be_reached(
    city: DemoCity,
) -> None:
    citizens = {c.id: c for c in city.citizens}
    acknowledged = 0
    for seeded in city.requests:
        request = seeded.request
        sent = [e for e in seeded.history if e.actor == "system"]
        assert (request.acknowledged_at is not None) == bool(sent)
        if not sent:
            continue
        acknowledged += 1
        citizen = citizens[request.citizen_id or ""]
        channel = request.response_channel
        assert channel in (ResponseChannel.SMS, ResponseChannel.EMAIL)
        assert citizen.consents_to(channel.value, ConsentPurpose.SERVICE)
        assert request.reference in (sent[0].text or "")
    assert acknowledged > len(city.requests) / 2


def test_located_requests_lie_in_their_neighbourhood_and_district(
    city: DemoCity, catalogue: Catalogue
) -> None:
    for seeded in city.requests:
        place = seeded.request.location
        if place is None or place.neighbourhood_code is None:
            continue
        assert catalogue.district_of(place.neighbourhood_code) == place.district_code
        if place.latitude is not None and place.longitude is not None:
            centre = Point(*NEIGHBOURHOOD_CENTRES[place.neighbourhood_code])
            assert distance_m(centre, Point(place.latitude, place.longitude)) < 300


def test_references_are_numbered_by_creation_and_counters_hold_the_last(
    city: DemoCity,
) -> None:
    requests = sorted((s.request for s in city.requests), key=lambda r: r.reference)
    assert len({r.reference for r in requests}) == len(requests)
    assert [r.created_at for r in requests] == sorted(r.created_at for r in requests)
    for year, last in city.last_numbers.items():
        numbers = [int(r.reference[-6:]) for r in requests if r.created_at.year == year]
        assert sorted(numbers) == list(range(1, last + 1))


def test_the_report_counts_what_was_drawn(small: DemoCity, catalogue: Catalogue) -> None:
    report = report_of(small, catalogue, items=10, elapsed_s=1.5)
    assert report.requests == sum(report.requests_by_state.values()) == SMALL.requests
    assert report.citizens == sum(report.citizens_by_district.values()) == SMALL.citizens
    assert report.themes == len(catalogue.themes)
    banner = "\n".join(report.lines())
    for demo in DEMO_CITIZENS:
        assert demo.phone in banner
    for demo_request in small.demo_requests:
        assert demo_request.reference in banner


def test_the_size_comes_from_the_environment_when_set() -> None:
    assert CitySize.from_env({}) == CitySize()
    size = CitySize.from_env({ENV_CITIZENS: "80", ENV_REQUESTS: "400", ENV_SEED: "9"})
    assert size == CitySize(citizens=80, requests=400, seed=9)


@pytest.mark.parametrize(
    "environ",
    [{ENV_CITIZENS: "many"}, {ENV_REQUESTS: "-5"}, {ENV_REQUESTS: "10"}, {ENV_CITIZENS: "5"}],
)
def test_a_size_that_is_not_a_whole_number_or_too_small_is_refused(
    environ: dict[str, str],
) -> None:
    with pytest.raises(ValueError, match=r"FINESTRA_DEMO|demo city"):
        CitySize.from_env(environ)


def test_a_moment_without_a_timezone_is_refused(catalogue: Catalogue) -> None:
    with pytest.raises(ValueError, match="timezone"):
        plan_city(catalogue, size=SMALL, now=NOW.replace(tzinfo=None))


def test_histories_start_with_the_citizens_message(small: DemoCity) -> None:
    consecutive = list(pairwise(s.request.reference for s in small.requests))
    assert all(a < b for a, b in consecutive)
    for seeded in small.requests:
        origin = seeded.request.origin
        assert origin.kind is InteractionKind.INBOUND_MESSAGE
        assert origin.at == seeded.request.created_at
        assert origin.channel == seeded.request.input_channel.value
