"""Which satisfaction survey follows a closed request, and the surveys the city ships.

``satisfaction.json`` maps a theme code, or the code of a service area (a theme's
parent), to the survey sent when one of its requests closes, how many hours after the
close it goes out, and the channels to try in order. A theme's own rule wins over its
area's; a theme with neither gets no survey. ``surveys.json`` holds built-in survey
definitions, which :class:`~finestra.surveys.store.SurveyStore` serves until staff
store an edited version of one.
"""

import json
from pathlib import Path
from typing import Final, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from finestra.domain.catalogue import Catalogue
from finestra.domain.survey import Survey

__all__ = [
    "SATISFACTION_FILE",
    "SURVEYS_FILE",
    "SatisfactionConfig",
    "SatisfactionRule",
    "builtin_surveys",
]

SATISFACTION_FILE: Final = "satisfaction.json"
SURVEYS_FILE: Final = "surveys.json"


class SatisfactionRule(BaseModel):
    """The satisfaction survey of a theme or area."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    survey_id: str = Field(min_length=1)
    delay_hours: int = Field(ge=0, le=24 * 30)
    channels: tuple[Literal["sms", "email"], ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _channels_once(self) -> Self:
        if len(set(self.channels)) != len(self.channels):
            raise ValueError("a channel is listed once")
        return self


class SatisfactionConfig(BaseModel):
    """The satisfaction rules by theme or area code."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = 1
    rules: dict[str, SatisfactionRule] = Field(default_factory=dict)

    @classmethod
    def load(
        cls, folder: Path, catalogue: Catalogue, surveys: dict[str, Survey] | None = None
    ) -> "SatisfactionConfig":
        """The rules of ``satisfaction.json`` in ``folder``, checked; none when absent.

        Parameters
        ----------
        folder
            The configuration folder.
        catalogue
            The theme catalogue every code must be in (as a theme or an area).
        surveys
            The surveys a rule may name; by default the built-in ones of ``folder``.

        Raises
        ------
        ValueError
            When the file is not JSON, breaks the model's rules, names a code the
            catalogue lacks, or a survey that is not a satisfaction survey.
        """
        path = folder / SATISFACTION_FILE
        if not path.exists():
            return cls()
        config = cls.model_validate(json.loads(path.read_text(encoding="utf-8")))
        config.check(catalogue, builtin_surveys(folder) if surveys is None else surveys)
        return config

    def check(self, catalogue: Catalogue, surveys: dict[str, Survey]) -> None:
        """Refuse a code the catalogue lacks, or a survey unknown or not for satisfaction.

        Raises
        ------
        ValueError
            Naming the first code whose rule is wrong.
        """
        areas = {area.code for area in catalogue.areas}
        for code, rule in self.rules.items():
            if code not in areas and catalogue.known_theme(code) is None:
                raise ValueError(f"rules.{code}: is neither a theme nor an area of the catalogue")
            survey = surveys.get(rule.survey_id)
            if survey is None or survey.purpose != "satisfaction":
                raise ValueError(f"rules.{code}: names no satisfaction survey")

    def rule_for(self, theme_code: str | None, catalogue: Catalogue) -> SatisfactionRule | None:
        """The rule for a request of ``theme_code``: the theme's own, else its area's."""
        theme = catalogue.known_theme(theme_code)
        if theme is None:
            return None
        return self.rules.get(theme.code) or self.rules.get(theme.area)


def builtin_surveys(folder: Path) -> dict[str, Survey]:
    """The survey definitions of ``surveys.json`` in ``folder``, by id; none when absent.

    Raises
    ------
    ValueError
        When the file is not JSON or a survey breaks the model's rules.
    """
    path = folder / SURVEYS_FILE
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    surveys = [Survey.model_validate(entry) for entry in data["surveys"]]
    return {survey.id: survey for survey in surveys}
