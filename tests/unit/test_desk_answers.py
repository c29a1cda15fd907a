"""Which templates fit a request, in what order, and which template files are refused."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from finestra.desk.answers import AnswerTemplates, ScopedTemplate
from finestra.domain.catalogue import Catalogue
from finestra.domain.request import Interaction, Request
from finestra.domain.vocabulary import Language
from tests.conftest import CONFIG

CATALOGUE = Catalogue.load(CONFIG)
NAMES = {"ca": "Títol", "es": "Título", "en": "Title"}
TEXTS = {"ca": "Bon dia {reference}", "es": "Buenos días {reference}", "en": "Hello {reference}"}


def template(template_id: str, **scope: Any) -> dict[str, Any]:
    return {"id": template_id, "title": NAMES, "text": TEXTS, **scope}


def request(
    theme: str = "roads.pothole", group: str = "paving.d2", kind: str = "incident"
) -> Request:
    now = datetime(2026, 3, 14, 19, 41, tzinfo=UTC)
    origin = Interaction(
        id="int_1", at=now, kind="inbound_message", channel="sms", actor="citizen:cit_1"
    )
    return Request(
        reference="BCN-2026-000123",
        request_type=kind,
        theme_code=theme,
        description="Forat",
        input_channel="sms",
        response_channel="sms",
        language="ca",
        state="in_resolution",
        responsible_group=group,
        created_at=now,
        updated_at=now,
        origin=origin,
        tracking_token_hash="x" * 64,
    )


def loaded(*templates: dict[str, Any]) -> AnswerTemplates:
    return AnswerTemplates(tuple(ScopedTemplate.model_validate(t) for t in templates), CATALOGUE)


def test_the_city_s_file_loads_and_every_template_has_three_languages() -> None:
    templates = AnswerTemplates.load(CONFIG, CATALOGUE)

    offered = templates.for_request(request(), Language.EN)
    assert offered
    assert all("{" not in t.text for t in offered)


def test_the_most_specific_template_comes_first_and_unscoped_ones_last() -> None:
    templates = loaded(
        template("everywhere"),
        template("by-type", request_types=["incident"]),
        template("by-group", groups=["paving"]),
        template("by-theme", themes=["roads.pothole"]),
        template("by-theme-and-group", themes=["roads.pothole"], groups=["paving"]),
    )

    ids = [t.id for t in templates.for_request(request(), Language.CA)]

    assert ids == ["by-theme-and-group", "by-theme", "by-group", "by-type", "everywhere"]


def test_a_template_for_another_theme_type_or_group_is_not_offered() -> None:
    templates = loaded(
        template("lights", themes=["lighting.streetlight-off"]),
        template("complaints", request_types=["complaint"]),
        template("parks", groups=["parks"]),
        template("everywhere"),
    )

    ids = [t.id for t in templates.for_request(request(), Language.CA)]

    assert ids == ["everywhere"]


def test_a_group_s_template_fits_its_branches_and_the_groups_below_it() -> None:
    parent = CATALOGUE.group("paving").parent
    assert parent is not None
    templates = loaded(template("area", groups=[parent]))

    assert [t.id for t in templates.for_request(request(group="paving.d2"), Language.CA)] == [
        "area"
    ]
    assert templates.for_request(request(group="libraries"), Language.CA) == []


def test_the_reference_and_city_are_filled_in_the_language_asked_for() -> None:
    templates = loaded(template("tt"))

    [offered] = templates.for_request(request(), Language.ES)

    assert offered.text == "Buenos días BCN-2026-000123"
    assert offered.title == "Título"


@pytest.mark.parametrize(
    ("broken", "complaint"),
    [
        (template("tt", themes=["roads.flying-cars"]), "unknown theme"),
        (template("tt", groups=["ministry-of-magic"]), "unknown group"),
    ],
)
def test_a_template_naming_what_the_catalogue_lacks_is_refused(
    broken: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(ValueError, match=complaint):
        loaded(broken)


@pytest.mark.parametrize(
    "broken",
    [
        template("tt", request_types=["wish"]),
        {**template("tt"), "text": {"ca": "Hola", "es": "Hola"}},
        {**template("tt"), "text": {**TEXTS, "en": "Hello {name}"}},
        {**template("tt"), "theme": ["roads.pothole"]},
    ],
    ids=["unknown type", "missing language", "unknown placeholder", "misspelt scope"],
)
def test_a_template_breaking_the_file_s_rules_is_refused(broken: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        ScopedTemplate.model_validate(broken)


def test_repeated_template_ids_are_refused() -> None:
    with pytest.raises(ValidationError):
        loaded(template("same"), template("same"))


def test_a_broken_file_stops_the_load(tmp_path: Path) -> None:
    data = json.loads((CONFIG / "reply_templates.json").read_text(encoding="utf-8"))
    data["templates"].append(template("stray", themes=["roads.nowhere"]))
    (tmp_path / "reply_templates.json").write_text(json.dumps(data), encoding="utf-8")

    with pytest.raises(ValueError, match="unknown theme"):
        AnswerTemplates.load(tmp_path, CATALOGUE)
