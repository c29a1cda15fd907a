"""What must hold of routing: groups by place, priorities, SLA due times and duplicates."""

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from finestra.domain.catalogue import Catalogue, branch_code
from finestra.domain.errors import NotFound, ValidationFailed
from finestra.domain.geo import Point, distance_m
from finestra.domain.routing import (
    Routing,
    is_duplicate_candidate,
    names_danger,
    priority,
    responsible_group,
    route,
)
from finestra.domain.vocabulary import Priority, RequestType, RouteBy

CONFIG = Path(__file__).resolve().parents[2] / "infra" / "config"
CATALOGUE = Catalogue.load(CONFIG)
RECEIVED = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
MADRID = ZoneInfo("Europe/Madrid")

STREETLIGHT = CATALOGUE.theme("lighting.streetlight-off")  # by district, 72 h, lighting
CONTAINER = CATALOGUE.theme("waste.container-full")  # by neighbourhood, 48 h, waste
MANHOLE = CATALOGUE.theme("roads.manhole-cover")  # by district, 24 h, paving
GRAFFITI = CATALOGUE.theme("graffiti.wall")  # by district, 240 h, graffiti
PAVING = CATALOGUE.theme("roads.loose-paving")  # by district, 120 h, paving
FINE_APPEAL = CATALOGUE.theme("fines.parking-appeal")  # not by place, 720 h
THANKS = CATALOGUE.theme("general.thanks")  # thanks only, 24 h
FINE_ENQUIRY = CATALOGUE.theme("fines.payment-enquiry")  # enquiry only, 24 h

SAGRADA_FAMILIA = Point(41.4036, 2.1744)


def test_a_theme_routed_by_district_goes_to_its_group_s_district_branch() -> None:
    # given a streetlight out in the Eixample (district 2)

    # when it is routed
    routing = route(CATALOGUE, STREETLIGHT, "2", None, received_at=RECEIVED)

    # then lighting's Eixample branch works it
    assert routing.responsible_group == "lighting.d2"


def test_a_theme_routed_by_neighbourhood_goes_to_its_group_s_neighbourhood_branch() -> None:
    # given a full container in la Sagrada Família (neighbourhood 6, district 2)

    # when it is routed
    routing = route(CATALOGUE, CONTAINER, "2", "6", received_at=RECEIVED)

    # then waste's branch for that neighbourhood works it
    assert routing.responsible_group == "waste.b6"


def test_a_theme_routed_by_district_finds_the_district_from_the_neighbourhood() -> None:
    # given a streetlight out whose neighbourhood is known but not its district
    assert CATALOGUE.district_of("6") == "2"

    # when it is routed
    routing = route(CATALOGUE, STREETLIGHT, None, "6", received_at=RECEIVED)

    # then the neighbourhood's district decides the branch
    assert routing.responsible_group == "lighting.d2"


@pytest.mark.parametrize(
    ("theme_code", "district", "neighbourhood"),
    [
        ("lighting.streetlight-off", None, None),
        ("waste.container-full", None, None),
        ("waste.container-full", "2", None),
        ("fines.parking-appeal", "2", "6"),
    ],
)
def test_without_the_place_it_routes_by_or_routing_by_none_the_theme_s_own_group_works_it(
    theme_code: str, district: str | None, neighbourhood: str | None
) -> None:
    # given a theme and a place that does not name what the theme routes by
    theme = CATALOGUE.theme(theme_code)

    # when it is routed
    routing = route(CATALOGUE, theme, district, neighbourhood, received_at=RECEIVED)

    # then the theme's group itself works it
    assert routing.responsible_group == theme.responsible_group


def test_every_routed_group_is_a_group_of_the_catalogue_for_every_theme_and_place() -> None:
    # given every theme, every district and every neighbourhood
    places = [(n.district_code, n.code) for n in CATALOGUE.neighbourhoods] + [(None, None)]

    # when each theme is routed to each place
    groups = {
        responsible_group(CATALOGUE, theme, district, neighbourhood)
        for theme in CATALOGUE.themes
        for district, neighbourhood in places
    }

    # then each group is one the catalogue knows, with a parent (it is in the tree)
    assert all(CATALOGUE.group(code).parent is not None for code in groups)


def test_a_place_outside_the_catalogue_is_refused_on_its_field() -> None:
    # given a district code Barcelona does not have, and a neighbourhood outside its district

    # when each is routed
    # then each is refused, naming the field
    with pytest.raises(ValidationFailed) as district:
        route(CATALOGUE, STREETLIGHT, "11", None, received_at=RECEIVED)
    with pytest.raises(ValidationFailed) as neighbourhood:
        route(CATALOGUE, STREETLIGHT, "1", "6", received_at=RECEIVED)
    assert district.value.field == "location.district_code"
    assert neighbourhood.value.field == "location.neighbourhood_code"


def test_a_branch_group_is_named_after_its_group_and_place_and_sits_under_its_group() -> None:
    # given lighting's Eixample branch and waste's branch for el Raval (neighbourhood 1)

    # when they are looked up
    lighting = CATALOGUE.group("lighting.d2")
    waste = CATALOGUE.group("waste.b1")

    # then each is named "<group>, en dash, <place>" in every language, under its group
    assert lighting.names.ca == "Enllumenat públic \u2013 Eixample"
    assert lighting.names.es == "Alumbrado público \u2013 Eixample"
    assert lighting.names.en == "Street lighting \u2013 Eixample"
    assert lighting.parent == "lighting"
    assert waste.names.en == "Waste collection \u2013 el Raval"
    assert waste.parent == "waste"


def test_branches_exist_only_for_the_way_some_theme_routes_the_group() -> None:
    # given waste, which themes route only by neighbourhood (or not at all), and lighting
    by_district = {t.responsible_group for t in CATALOGUE.themes if t.route_by is RouteBy.DISTRICT}
    assert "waste" not in by_district

    # when branches are looked up
    # then lighting has district branches and no neighbourhood ones, waste the reverse
    CATALOGUE.group("lighting.d10")
    CATALOGUE.group("waste.b73")
    with pytest.raises(NotFound):
        CATALOGUE.group("waste.d2")
    with pytest.raises(NotFound):
        CATALOGUE.group("lighting.b6")


def test_branch_groups_are_derived_not_written_in_the_groups_file() -> None:
    # given the groups as groups.json writes them

    # when they are searched for branch codes
    written = [g.code for g in CATALOGUE.groups if "." in g.code]

    # then none is there: every branch is derived at load
    assert written == []
    assert CATALOGUE.group("lighting.d2") not in CATALOGUE.groups


def test_the_groups_under_a_group_include_its_branches() -> None:
    # given lighting, routed by district in a city of ten districts

    # when the groups under it are listed
    under = CATALOGUE.groups_under("lighting")

    # then they are its ten district branches
    assert [g.code for g in under] == [f"lighting.d{d.code}" for d in CATALOGUE.districts]


def test_the_groups_under_the_city_are_every_group_but_the_city_each_once() -> None:
    # given the city, the root of the groups

    # when the groups under it are listed
    under = [g.code for g in CATALOGUE.groups_under("city")]

    # then every written group but the root is there, with every branch, once each,
    # and each group comes after its parent
    written = {g.code for g in CATALOGUE.groups} - {"city"}
    assert len(under) == len(set(under))
    assert written <= set(under)
    assert {"lighting.d2", "waste.b6", "cleaning.d3", "cleaning.b40"} <= set(under)
    order = {code: i for i, code in enumerate(under)}
    for code in under:
        parent = CATALOGUE.group(code).parent
        assert parent is not None
        assert parent == "city" or order[parent] < order[code]


def test_a_branch_and_an_unknown_code_have_nothing_under_them_or_are_refused() -> None:
    # given a branch group and a code that is no group

    # when the groups under each are listed
    # then a branch has none and an unknown code is not found
    assert CATALOGUE.groups_under("lighting.d2") == ()
    with pytest.raises(NotFound) as caught:
        CATALOGUE.groups_under("no-such-group")
    assert caught.value.field == "responsible_group"


def test_a_branch_code_names_the_group_and_the_place() -> None:
    # given a group and place codes

    # when branch codes are made
    # then district branches take "d" and neighbourhood branches "b"; routing by none has none
    assert branch_code("lighting", RouteBy.DISTRICT, "2") == "lighting.d2"
    assert branch_code("waste", RouteBy.NEIGHBOURHOOD, "61") == "waste.b61"
    with pytest.raises(ValueError, match="branches"):
        branch_code("lighting", RouteBy.NONE, "2")


@pytest.mark.parametrize(
    ("theme_code", "expected"),
    [
        ("roads.manhole-cover", Priority.URGENT),  # 24 h
        ("waste.container-full", Priority.HIGH),  # 48 h
        ("lighting.streetlight-off", Priority.HIGH),  # 72 h
        ("roads.loose-paving", Priority.NORMAL),  # 120 h
        ("graffiti.wall", Priority.NORMAL),  # 240 h
    ],
)
def test_the_priority_follows_the_theme_s_sla(theme_code: str, expected: Priority) -> None:
    # given a theme with its SLA, and words that name no danger
    theme = CATALOGUE.theme(theme_code)

    # when the request is routed
    routing = route(CATALOGUE, theme, "2", "6", received_at=RECEIVED, text="hi ha un problema")

    # then 24 h or less is urgent, 72 h or less high, anything longer normal
    assert routing.priority is expected


@pytest.mark.parametrize(
    "text",
    [
        "Perill! panots aixecats davant l'escola",
        "vorera molt perillosa, una senyora ha caigut",
        "hi ha un ferit",
        "es urgent, la rajola esta a punt de caure",
        "PELIGRO baldosas levantadas",
        "un señor se ha caído, está herido",
        "urgente por favor",
        "dangerous pavement, an old man is injured",
        "this is an emergency",
        "the slab is about to fall",
    ],
)
def test_words_that_name_a_danger_make_a_request_urgent(text: str) -> None:
    # given a theme with a long SLA, and words in any language that name a danger

    # when the request is routed with those words
    routing = route(CATALOGUE, PAVING, "2", None, received_at=RECEIVED, text=text)

    # then it is urgent
    assert routing.priority is Priority.URGENT


@pytest.mark.parametrize(
    "text",
    ["the fireworks were lovely", "hi ha un perillet de gat", "panots moguts", "", "urgentísimo?"],
)
def test_a_danger_must_be_a_whole_word(text: str) -> None:
    # given words that contain a danger word, or none at all ("urgentísimo" is not in the list)

    # when they are read
    # then no danger is named
    assert not names_danger(text)


@pytest.mark.parametrize(
    ("theme_code", "request_type"),
    [
        ("general.thanks", None),
        ("fines.payment-enquiry", None),
        ("roads.manhole-cover", RequestType.THANKS),
        ("roads.manhole-cover", RequestType.SUGGESTION),
        ("roads.manhole-cover", RequestType.ENQUIRY),
    ],
)
def test_thanks_suggestions_and_enquiries_are_never_above_normal(
    theme_code: str, request_type: RequestType | None
) -> None:
    # given a 24-hour theme, a request of a type that can wait, and words of danger
    theme = CATALOGUE.theme(theme_code)
    assert theme.sla_hours <= 24

    # when it is routed
    found = priority(theme, "perill! urgent! danger!", request_type)

    # then it is normal, whatever the SLA and the words
    assert found is Priority.NORMAL


def test_an_incident_of_a_theme_that_also_takes_enquiries_is_rated_by_its_sla() -> None:
    # given a theme of incidents and enquiries, and an incident of it

    # when it is rated with its type known, and with the theme's types standing in
    incident = priority(MANHOLE, "", RequestType.INCIDENT)
    any_type = priority(MANHOLE, "")

    # then the SLA decides
    assert incident is any_type is Priority.URGENT


def test_the_sla_falls_due_the_theme_s_hours_after_receipt() -> None:
    # given a streetlight out received at 09:30 UTC on 10 March 2026 (a 72-hour SLA)

    # when it is routed
    routing = route(CATALOGUE, STREETLIGHT, "2", None, received_at=RECEIVED)

    # then it falls due three days later, to the minute
    assert routing.sla_due_at == datetime(2026, 3, 13, 9, 30, tzinfo=UTC)


def test_the_sla_counts_elapsed_hours_across_a_change_of_clocks() -> None:
    # given a 24-hour theme received in Barcelona at noon the day before clocks go forward
    received = datetime(2026, 3, 28, 12, 0, tzinfo=MADRID)

    # when it is routed
    routing = route(CATALOGUE, MANHOLE, "2", None, received_at=received)

    # then it falls due 24 real hours later: 13:00 by the summer clock, 11:00 UTC
    assert routing.sla_due_at - received == timedelta(hours=24)
    assert routing.sla_due_at == datetime(2026, 3, 29, 11, 0, tzinfo=UTC)
    assert routing.sla_due_at.astimezone(MADRID).hour == 13


def test_a_receipt_time_without_a_timezone_is_refused() -> None:
    # given a naive receipt time

    # when a request is routed with it
    # then it is refused
    with pytest.raises(ValueError, match="timezone"):
        route(CATALOGUE, STREETLIGHT, "2", None, received_at=datetime(2026, 3, 10, 9, 30))


def test_the_routing_is_a_frozen_value() -> None:
    # given a routing
    routing = route(CATALOGUE, STREETLIGHT, "2", None, received_at=RECEIVED)

    # then it is the value its fields say
    assert routing == Routing(
        responsible_group="lighting.d2",
        priority=Priority.HIGH,
        sla_due_at=RECEIVED + timedelta(hours=72),
    )


def test_two_reports_near_in_place_and_time_are_duplicate_candidates() -> None:
    # given two streetlight reports 30 m and three days apart (the theme: 50 m, 30 days)
    later = Point(41.40387, 2.1744)
    assert distance_m(SAGRADA_FAMILIA, later) == pytest.approx(30, abs=1)

    # when they are compared, either way round
    forward = is_duplicate_candidate(
        STREETLIGHT, SAGRADA_FAMILIA, RECEIVED, later, RECEIVED + timedelta(days=3)
    )
    backward = is_duplicate_candidate(
        STREETLIGHT, later, RECEIVED + timedelta(days=3), SAGRADA_FAMILIA, RECEIVED
    )

    # then they may be duplicates
    assert forward
    assert backward


def test_reports_too_far_apart_in_place_or_time_are_not_duplicate_candidates() -> None:
    # given a report, one 100 m away, and one at the same place 31 days later
    far = Point(41.4045, 2.1744)
    assert distance_m(SAGRADA_FAMILIA, far) > 50 == STREETLIGHT.duplicate_radius_m
    much_later = RECEIVED + timedelta(days=31)

    # when each is compared with the first
    # then neither may be a duplicate
    assert not is_duplicate_candidate(STREETLIGHT, SAGRADA_FAMILIA, RECEIVED, far, RECEIVED)
    assert not is_duplicate_candidate(
        STREETLIGHT, SAGRADA_FAMILIA, RECEIVED, SAGRADA_FAMILIA, much_later
    )


def test_the_edges_of_the_radius_and_window_count_as_near() -> None:
    # given two reports about 990 m apart, and themes whose radius ends just past or
    # just short of that, with a 30-day window
    edge = Point(SAGRADA_FAMILIA.latitude + 0.0089, SAGRADA_FAMILIA.longitude)
    apart = distance_m(SAGRADA_FAMILIA, edge)
    reaching = STREETLIGHT.model_copy(update={"duplicate_radius_m": math.ceil(apart)})
    short = STREETLIGHT.model_copy(update={"duplicate_radius_m": math.floor(apart)})
    window = timedelta(days=30)

    # when they are compared at the window's edge and just past it
    at_edges = is_duplicate_candidate(reaching, SAGRADA_FAMILIA, RECEIVED, edge, RECEIVED + window)
    too_far = is_duplicate_candidate(short, SAGRADA_FAMILIA, RECEIVED, edge, RECEIVED)
    too_late = is_duplicate_candidate(
        reaching, SAGRADA_FAMILIA, RECEIVED, edge, RECEIVED + window + timedelta(seconds=1)
    )

    # then the edges are inside, and a metre or a second past them is not
    assert at_edges
    assert not too_far
    assert not too_late


@pytest.mark.parametrize("change", [{"duplicate_radius_m": None}, {"duplicate_window_days": None}])
def test_a_theme_that_searches_no_duplicates_has_no_candidates(
    change: dict[str, None],
) -> None:
    # given a theme without a duplicate radius or window, and two identical reports
    theme = STREETLIGHT.model_copy(update=change)

    # when they are compared
    # then they are not candidates
    assert not is_duplicate_candidate(theme, SAGRADA_FAMILIA, RECEIVED, SAGRADA_FAMILIA, RECEIVED)
