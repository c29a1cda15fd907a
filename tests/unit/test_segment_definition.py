"""Segment definitions: what they accept, what they refuse, and the catalogue's check."""

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from finestra.domain.catalogue import Catalogue
from finestra.domain.errors import ValidationFailed
from finestra.domain.segment import Member, RequestCriterion, SegmentDefinition, reach_key
from finestra.domain.vocabulary import ConsentPurpose
from finestra.segments.facets import reach_of
from tests.conftest import CONFIG


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue.load(CONFIG)


def broken_field(data: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as refused:
        SegmentDefinition.model_validate(data)
    error = refused.value.errors(include_input=False)[0]
    return ".".join(map(str, error["loc"]))


def test_an_empty_definition_is_the_whole_city() -> None:
    assert SegmentDefinition().empty
    assert not SegmentDefinition(tags=["comerc"]).empty
    assert not SegmentDefinition(requests=RequestCriterion()).empty


def test_a_full_definition_is_accepted_and_its_values_kept_once_in_order() -> None:
    definition = SegmentDefinition.model_validate(
        {
            "districts": ["02", "10", "2"],
            "neighbourhoods": ["73", "1"],
            "languages": ["es", "ca"],
            "reachable": ["sms"],
            "consents": ["campaigns"],
            "requests": {
                "themes": ["roads.pothole", "street-lighting"],
                "states": ["closed"],
                "input_channels": ["sms", "sms"],
                "since": "2026-01-01",
                "until": "2026-01-01",
            },
            "satisfaction": [1, 5, 1],
            "tags": ["gent-gran"],
        }
    )

    assert definition.districts == ["2", "10"]
    assert definition.neighbourhoods == ["73", "1"]
    assert definition.satisfaction == [1, 5]
    assert definition.requests is not None
    assert definition.requests.input_channels == ["sms"]
    assert definition.requests.since == definition.requests.until == date(2026, 1, 1)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"districts": ["11"]}, "districts.0"),
        ({"districts": ["0"]}, "districts.0"),
        ({"districts": ["two"]}, "districts.0"),
        ({"neighbourhoods": ["1", "74"]}, "neighbourhoods.1"),
        ({"languages": ["fr"]}, "languages.0"),
        ({"reachable": ["phone"]}, "reachable.0"),
        ({"consents": ["marketing"]}, "consents.0"),
        ({"satisfaction": [0]}, "satisfaction.0"),
        ({"satisfaction": [6]}, "satisfaction.0"),
        ({"tags": ["Gent Gran"]}, "tags.0"),
        ({"requests": {"states": ["lost"]}}, "requests.states.0"),
        ({"requests": {"input_channels": ["fax"]}}, "requests.input_channels.0"),
        ({"requests": {"since": "2026-02-02", "until": "2026-02-01"}}, "requests"),
        ({"requests": {"themes": ["Roads Pothole"]}}, "requests.themes.0"),
        ({"requests": {"colour": "red"}}, "requests.colour"),
        ({"district": ["2"]}, "district"),
    ],
)
def test_a_definition_breaking_a_rule_is_refused_naming_the_field(
    data: dict[str, Any], field: str
) -> None:
    assert broken_field(data) == field


def test_the_catalogue_check_accepts_themes_and_areas_it_knows(catalogue: Catalogue) -> None:
    definition = SegmentDefinition(
        districts=["10"],
        neighbourhoods=["73"],
        requests=RequestCriterion(themes=["roads.pothole", "street-lighting"]),
    )

    definition.check(catalogue)


def test_the_catalogue_check_names_an_unknown_theme(catalogue: Catalogue) -> None:
    definition = SegmentDefinition(
        requests=RequestCriterion(themes=["roads.pothole", "roads.tunnel"])
    )

    with pytest.raises(ValidationFailed) as refused:
        definition.check(catalogue)

    assert refused.value.field == "requests.themes.1"


def test_reach_needs_a_contact_point_and_the_latest_answer_granting_the_purpose() -> None:
    consents = [
        {
            "channel": "sms",
            "purpose": "campaigns",
            "granted": True,
            "recorded_at": "2026-01-01T10:00:00+00:00",
        },
        {
            "channel": "sms",
            "purpose": "campaigns",
            "granted": False,
            "recorded_at": "2026-02-01T10:00:00+00:00",
        },
        {
            "channel": "email",
            "purpose": "surveys",
            "granted": True,
            "recorded_at": "2026-01-01T10:00:00+00:00",
        },
        {
            "channel": "sms",
            "purpose": "surveys",
            "granted": True,
            "recorded_at": "2026-01-01T10:00:00+00:00",
        },
    ]

    channels, reach = reach_of(["phone", "document"], consents)

    assert channels == ("sms",)
    assert reach == ("sms:service", "sms:surveys")


def test_a_member_names_its_ways_to_be_reached_without_personal_data() -> None:
    member = Member(
        citizen_id="cit_1",
        language="ca",
        district="2",
        neighbourhood="7",
        reach=frozenset({reach_key("sms", ConsentPurpose.CAMPAIGNS)}),
    )

    assert set(member.model_dump()) == {
        "citizen_id",
        "language",
        "district",
        "neighbourhood",
        "reach",
    }
    assert member.reach == {"sms:campaigns"}
