"""The satisfaction configuration and the built-in surveys, checked against the catalogue."""

import json
from pathlib import Path
from typing import Any

import pytest

from finestra.domain.catalogue import Catalogue
from finestra.surveys.config import SatisfactionConfig, builtin_surveys

CONFIG = Path(__file__).resolve().parents[2] / "infra" / "config"


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue.load(CONFIG)


def write(folder: Path, rules: dict[str, Any]) -> None:
    (folder / "satisfaction.json").write_text(json.dumps({"rules": rules}), encoding="utf-8")


def test_the_shipped_configuration_loads_and_names_a_shipped_survey(catalogue: Catalogue) -> None:
    config = SatisfactionConfig.load(CONFIG, catalogue)
    surveys = builtin_surveys(CONFIG)

    assert config.rules
    assert {rule.survey_id for rule in config.rules.values()} <= set(surveys)
    assert all(surveys[r.survey_id].purpose == "satisfaction" for r in config.rules.values())


def test_a_themes_own_rule_wins_over_its_areas(catalogue: Catalogue) -> None:
    config = SatisfactionConfig.load(CONFIG, catalogue)

    by_area = config.rule_for("noise.neighbours", catalogue)
    own = config.rule_for("noise.works", catalogue)
    lighting = config.rule_for("lighting.streetlight-off", catalogue)

    assert by_area is None, "the noise area has no rule of its own"
    assert own is not None
    assert own.delay_hours == 24
    assert lighting is not None
    assert lighting.channels == ("sms", "email")
    assert config.rule_for(None, catalogue) is None
    assert config.rule_for("no.such-theme", catalogue) is None


def test_a_code_outside_the_catalogue_is_refused(tmp_path: Path, catalogue: Catalogue) -> None:
    write(tmp_path, {"moon-dust": {"survey_id": "s", "delay_hours": 1, "channels": ["sms"]}})

    with pytest.raises(ValueError, match="moon-dust"):
        SatisfactionConfig.load(tmp_path, catalogue, builtin_surveys(CONFIG))


def test_a_rule_naming_no_satisfaction_survey_is_refused(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    write(tmp_path, {"parks": {"survey_id": "nope", "delay_hours": 1, "channels": ["email"]}})

    with pytest.raises(ValueError, match="no satisfaction survey"):
        SatisfactionConfig.load(tmp_path, catalogue, builtin_surveys(CONFIG))


def test_a_channel_listed_twice_is_refused(tmp_path: Path, catalogue: Catalogue) -> None:
    write(
        tmp_path,
        {
            "parks": {
                "survey_id": "satisfaction-request",
                "delay_hours": 1,
                "channels": ["sms", "sms"],
            }
        },
    )

    with pytest.raises(ValueError, match="once"):
        SatisfactionConfig.load(tmp_path, catalogue, builtin_surveys(CONFIG))


def test_no_file_means_no_satisfaction_surveys(tmp_path: Path, catalogue: Catalogue) -> None:
    assert SatisfactionConfig.load(tmp_path, catalogue).rules == {}
    assert builtin_surveys(tmp_path) == {}
