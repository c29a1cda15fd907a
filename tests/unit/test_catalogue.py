"""What must hold of the theme catalogue and the city's territory in ``infra/config``."""

import copy
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from finestra.domain.catalogue import Catalogue
from finestra.domain.errors import ValidationFailed

CONFIG = Path(__file__).resolve().parents[2] / "infra" / "config"
CATALOGUE = Catalogue.load(CONFIG)

NAMED_THEMES = [
    "lighting.streetlight-off",
    "waste.container-full",
    "noise.neighbours",
    "roads.pothole",
    "graffiti.wall",
    "trees.fallen-branch",
    "fines.parking-appeal",
    "taxes.ibi-enquiry",
    "permits.terrace",
    "social.home-care",
    "libraries.card",
]
SENSITIVE_AREAS = {"social-services", "housing"}


def names(label: str) -> dict[str, str]:
    return {"ca": label, "es": label, "en": label}


def theme_data(**changes: Any) -> dict[str, Any]:
    """One valid theme as the configuration writes it, with ``changes`` applied."""
    theme: dict[str, Any] = {
        "code": "roads.pothole",
        "area": "roads-pavements",
        "element": names("Calçada"),
        "detail": names("Forat"),
        "request_types": ["incident"],
        "process": "plan_resolve_answer",
        "sla_hours": 72,
        "responsible_group": "roads",
        "route_by": "district",
        "response_channels": ["email"],
        "back_office_systems": ["works"],
        "requires_location": True,
        "requires_identified_citizen": False,
        "location_is_public": True,
        "external_body": None,
        "keywords": {"ca": ["forat"]},
        "duplicate_radius_m": 30,
        "duplicate_window_days": 30,
    }
    theme.update(changes)
    return theme


def catalogue_data() -> dict[str, Any]:
    """The smallest catalogue that holds together: one of everything."""
    return {
        "areas": [{"code": "roads-pavements", "names": names("Calçades")}],
        "themes": [theme_data()],
        "groups": [
            {"code": "city", "names": names("Ajuntament"), "parent": None},
            {"code": "roads", "names": names("Vies"), "parent": "city"},
        ],
        "systems": [{"code": "works", "names": names("Obres"), "knows": "Works on the street."}],
        "districts": [{"code": "1", "name": "Ciutat Vella", "population": 100}],
        "neighbourhoods": [{"code": "1", "name": "el Raval", "district_code": "1"}],
    }


def test_the_catalogue_has_at_least_ten_areas_and_forty_themes() -> None:
    # given the catalogue of the configuration folder

    # when its areas and themes are counted
    areas, themes = len(CATALOGUE.areas), len(CATALOGUE.themes)

    # then it covers the city's services broadly
    assert areas >= 10
    assert themes >= 40


@pytest.mark.parametrize("code", NAMED_THEMES)
def test_every_theme_the_city_names_is_in_the_catalogue(code: str) -> None:
    # given a theme the city's documentation names

    # when it is looked up
    theme = CATALOGUE.theme(code)

    # then the catalogue holds it, in an area of its own
    assert theme.code == code
    assert theme.area in {area.code for area in CATALOGUE.areas}


def test_the_catalogue_names_sixteen_back_office_systems() -> None:
    # given the catalogue

    # when its back-office systems are counted
    codes = [system.code for system in CATALOGUE.systems]

    # then there are sixteen, each once
    assert len(codes) == 16
    assert len(set(codes)) == 16


def test_every_theme_is_worked_by_a_group_of_the_catalogue() -> None:
    # given the catalogue's groups
    groups = {group.code for group in CATALOGUE.groups}

    # when the responsible group of each theme is read
    missing = [t.code for t in CATALOGUE.themes if t.responsible_group not in groups]

    # then none is unknown
    assert missing == []


def test_the_groups_form_one_tree_under_a_single_root() -> None:
    # given the catalogue's groups
    parents = {group.code: group.parent for group in CATALOGUE.groups}

    # when each group's line of parents is followed up
    roots = [code for code, parent in parents.items() if parent is None]
    tops: set[str] = set()
    for code in parents:
        line = [code]
        while (parent := parents[line[-1]]) is not None:
            assert parent not in line, f"group {code} is its own ancestor"
            line.append(parent)
        tops.add(line[-1])

    # then there is exactly one root, and every group ends at it
    assert len(roots) == 1
    assert tops == set(roots)


def test_the_city_has_ten_districts_and_seventy_three_neighbourhoods() -> None:
    # given the territory of the catalogue

    # when districts and neighbourhoods are counted
    districts = {district.code for district in CATALOGUE.districts}
    neighbourhoods = {n.code for n in CATALOGUE.neighbourhoods}

    # then they are Barcelona's, each code once, every district with neighbourhoods
    assert len(CATALOGUE.districts) == len(districts) == 10
    assert len(CATALOGUE.neighbourhoods) == len(neighbourhoods) == 73
    assert set(Counter(n.district_code for n in CATALOGUE.neighbourhoods)) == districts


def test_the_district_populations_add_up_to_about_one_point_six_six_million() -> None:
    # given the districts of the catalogue

    # when their populations are added up
    total = sum(district.population for district in CATALOGUE.districts)

    # then they make the city's population
    assert total == pytest.approx(1_660_000, rel=0.01)


@pytest.mark.parametrize(
    ("district", "neighbourhood"),
    [("1", "1"), ("2", None), (None, "1"), (None, None), ("10", "73")],
)
def test_a_known_place_whose_neighbourhood_lies_in_its_district_is_accepted(
    district: str | None, neighbourhood: str | None
) -> None:
    # given district and neighbourhood codes that agree (or are absent)

    # when the place is checked
    CATALOGUE.check_place(district, neighbourhood)

    # then it is accepted, and the neighbourhood's district is the one given
    if district is not None and neighbourhood is not None:
        assert CATALOGUE.district_of(neighbourhood) == district


def test_a_neighbourhood_outside_the_given_district_is_refused_on_its_own_field() -> None:
    # given el Raval, which lies in Ciutat Vella (1), said to be in the Eixample (2)
    assert CATALOGUE.district_of("1") == "1"

    # when the place is checked
    with pytest.raises(ValidationFailed) as caught:
        CATALOGUE.check_place("2", "1")

    # then the neighbourhood is what is refused
    assert caught.value.field == "location.neighbourhood_code"


@pytest.mark.parametrize(
    ("district", "neighbourhood", "field"),
    [
        ("11", None, "location.district_code"),
        ("0", "1", "location.district_code"),
        ("Eixample", None, "location.district_code"),
        (None, "74", "location.neighbourhood_code"),
        ("1", "0", "location.neighbourhood_code"),
    ],
)
def test_an_unknown_district_or_neighbourhood_code_is_refused_on_its_field(
    district: str | None, neighbourhood: str | None, field: str
) -> None:
    # given a code the city does not have

    # when the place is checked
    with pytest.raises(ValidationFailed) as caught:
        CATALOGUE.check_place(district, neighbourhood)

    # then the refusal names the unknown code's field
    assert caught.value.field == field


@pytest.mark.parametrize("code", ["roads.no-such-theme", "", "ROADS.POTHOLE", "pothole"])
def test_an_unknown_theme_code_is_refused_on_the_theme_code_field(code: str) -> None:
    # given a code that is no theme of the catalogue

    # when it is looked up
    with pytest.raises(ValidationFailed) as caught:
        CATALOGUE.theme(code)

    # then the refusal names the theme code field
    assert caught.value.field == "theme_code"


def test_a_small_consistent_catalogue_is_accepted() -> None:
    # given one area, theme, group, system, district and neighbourhood that agree
    data = catalogue_data()

    # when it is validated
    catalogue = Catalogue.model_validate(data)

    # then its theme can be looked up
    assert catalogue.theme("roads.pothole").responsible_group == "roads"


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"responsible_group": "no-such-group"}, "unknown group"),
        ({"area": "no-such-area"}, "unknown area"),
        ({"back_office_systems": ["works", "no-such-system"]}, "unknown back-office system"),
        ({"process": "external_body", "external_body": None}, "names its body"),
        ({"process": "resolve_answer", "external_body": "Aigües de Barcelona"}, "names its body"),
    ],
)
def test_a_catalogue_whose_theme_names_what_does_not_exist_is_refused_at_load(
    changes: dict[str, Any], complaint: str
) -> None:
    # given a small catalogue whose one theme breaks a rule
    data = catalogue_data()
    data["themes"] = [theme_data(**changes)]

    # when it is validated
    with pytest.raises(ValidationError) as caught:
        Catalogue.model_validate(data)

    # then it is refused, saying which rule
    assert complaint in str(caught.value)


@pytest.mark.parametrize(
    ("part", "entry", "complaint"),
    [
        ("groups", {"code": "orphan", "names": names("Orfe"), "parent": "nobody"}, "parent"),
        ("neighbourhoods", {"code": "2", "name": "Enlloc", "district_code": "99"}, "district"),
        ("themes", theme_data(), "theme codes repeat"),
    ],
)
def test_a_catalogue_with_an_orphan_group_or_neighbourhood_or_a_repeated_theme_is_refused(
    part: str, entry: dict[str, Any], complaint: str
) -> None:
    # given a small catalogue with one inconsistent entry added
    data = catalogue_data()
    data[part] = [*data[part], copy.deepcopy(entry)]

    # when it is validated
    with pytest.raises(ValidationError) as caught:
        Catalogue.model_validate(data)

    # then it is refused, saying what is wrong
    assert complaint in str(caught.value)


def test_every_social_services_and_housing_theme_keeps_its_location_private() -> None:
    # given the themes whose location would say something about a person
    sensitive = [t for t in CATALOGUE.themes if t.area in SENSITIVE_AREAS]

    # when their public-location flag is read
    public = [t.code for t in sensitive if t.location_is_public]

    # then there are such themes, and none shows its location
    assert {t.area for t in sensitive} == SENSITIVE_AREAS
    assert public == []
