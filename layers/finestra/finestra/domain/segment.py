"""Segments: saved, named definitions of a group of citizens, and what a preview tells.

A definition is a conjunction of criteria: every criterion that is not empty must hold
for a citizen to belong, and the values listed inside one criterion are alternatives.
An empty definition is the whole city. Codes are checked here as far as they can be
without the catalogue (districts 1 to 10, neighbourhoods 1 to 73); theme codes are
checked against the catalogue by :meth:`SegmentDefinition.check`, which the evaluator
and the desk routes call.
"""

from datetime import date, datetime
from typing import Annotated, Any, Final, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_serializer,
    model_validator,
)

from finestra.domain.catalogue import Catalogue
from finestra.domain.citizen import Tag
from finestra.domain.errors import ValidationFailed
from finestra.domain.vocabulary import ConsentPurpose, InputChannel, Language, RequestState

__all__ = [
    "DISTRICTS",
    "NEIGHBOURHOODS",
    "REACH_CHANNELS",
    "Member",
    "Preview",
    "RequestCriterion",
    "Segment",
    "SegmentDefinition",
    "reach_key",
]

DISTRICTS: Final = 10
"""The city's districts are numbered 1 to 10."""

NEIGHBOURHOODS: Final = 73
"""The city's neighbourhoods are numbered 1 to 73."""

REACH_CHANNELS: Final = ("sms", "email")
"""The channels a campaign or a survey can reach a citizen on."""

ReachChannel = Literal["sms", "email"]


def _in_range(upper: int) -> AfterValidator:
    def check(code: str) -> str:
        if not 1 <= int(code) <= upper:
            raise ValueError(f"is a code from 1 to {upper}")
        return str(int(code))

    return AfterValidator(check)


DistrictCode = Annotated[str, Field(pattern=r"^\d{1,2}$"), _in_range(DISTRICTS)]
NeighbourhoodCode = Annotated[str, Field(pattern=r"^\d{1,2}$"), _in_range(NEIGHBOURHOODS)]
ThemeCode = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*(\.[a-z0-9-]+)?$", max_length=80)]
Rating = Annotated[int, Field(ge=1, le=5)]


def reach_key(channel: str, purpose: ConsentPurpose) -> str:
    """The name of one way to reach a citizen, as members and previews list it.

    Parameters
    ----------
    channel
        ``sms`` or ``email``.
    purpose
        What the message is for.

    Returns
    -------
    str
        ``<channel>:<purpose>``, for example ``sms:campaigns``.
    """
    return f"{channel}:{purpose.value}"


def _distinct(values: list[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


class RequestCriterion(BaseModel):
    """The citizen made at least one request matching all of these (each list an OR).

    Parameters
    ----------
    themes
        Theme codes; a service area's code (``street-lighting``) covers its themes.
    states
        The request's current state.
    input_channels
        How the request reached the city.
    since, until
        The city date the request was opened on, both inclusive.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    themes: list[ThemeCode] = Field(default_factory=list, max_length=50)
    states: list[RequestState] = Field(default_factory=list)
    input_channels: list[InputChannel] = Field(default_factory=list)
    since: date | None = None
    until: date | None = None

    @model_validator(mode="after")
    def _window_ordered(self) -> Self:
        if self.since is not None and self.until is not None and self.since > self.until:
            raise ValueError("since is on or before until")
        for name in ("themes", "states", "input_channels"):
            object.__setattr__(self, name, _distinct(getattr(self, name)))
        return self


class SegmentDefinition(BaseModel):
    """Which citizens a segment holds: every non-empty criterion holds (AND).

    Parameters
    ----------
    districts, neighbourhoods
        Where the citizen lives, by code.
    languages
        The citizen's language.
    reachable
        The citizen has a contact point of one of these kinds.
    consents
        The citizen granted one of these purposes on a channel they are reachable on
        (among ``reachable`` when that is given).
    requests
        The citizen made a request matching the criterion.
    satisfaction
        The citizen gave one of these ratings (their latest answer per survey).
    tags
        The citizen carries one of these staff tags.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    districts: list[DistrictCode] = Field(default_factory=list, max_length=DISTRICTS)
    neighbourhoods: list[NeighbourhoodCode] = Field(default_factory=list, max_length=NEIGHBOURHOODS)
    languages: list[Language] = Field(default_factory=list)
    reachable: list[ReachChannel] = Field(default_factory=list)
    consents: list[ConsentPurpose] = Field(default_factory=list)
    requests: RequestCriterion | None = None
    satisfaction: list[Rating] = Field(default_factory=list)
    tags: list[Tag] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _distinct_values(self) -> Self:
        for name in (
            "districts",
            "neighbourhoods",
            "languages",
            "reachable",
            "consents",
            "satisfaction",
            "tags",
        ):
            object.__setattr__(self, name, _distinct(getattr(self, name)))
        return self

    @property
    def empty(self) -> bool:
        """Whether no criterion is given: the segment is the whole city."""
        return not (
            self.districts
            or self.neighbourhoods
            or self.languages
            or self.reachable
            or self.consents
            or self.requests is not None
            or self.satisfaction
            or self.tags
        )

    def check(self, catalogue: Catalogue) -> None:
        """Refuse codes the catalogue does not know.

        Parameters
        ----------
        catalogue
            The city's themes and territory.

        Raises
        ------
        ValidationFailed
            Naming the first unknown district, neighbourhood or theme code's field.
        """
        districts = {d.code for d in catalogue.districts}
        for index, code in enumerate(self.districts):
            if code not in districts:
                raise ValidationFailed("is not a district code", field=f"districts.{index}")
        neighbourhoods = {n.code for n in catalogue.neighbourhoods}
        for index, code in enumerate(self.neighbourhoods):
            if code not in neighbourhoods:
                raise ValidationFailed(
                    "is not a neighbourhood code", field=f"neighbourhoods.{index}"
                )
        if self.requests is None:
            return
        known = {t.code for t in catalogue.themes} | {a.code for a in catalogue.areas}
        for index, code in enumerate(self.requests.themes):
            if code not in known:
                raise ValidationFailed(
                    "is not a theme or area of the catalogue", field=f"requests.themes.{index}"
                )


class Segment(BaseModel):
    """A saved, named segment."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=1000)
    definition: SegmentDefinition
    created_by: str = Field(min_length=1)
    created_at: datetime
    updated_at: datetime
    version: int = Field(default=1, ge=1)


class Member(BaseModel):
    """What a campaign needs to know of one citizen in a segment: no personal data.

    Parameters
    ----------
    reach
        The ways the citizen may be messaged, as :func:`reach_key` names them: the
        channel has a contact point and the purpose is granted on it.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    citizen_id: str
    language: Language
    district: str | None
    neighbourhood: str | None
    reach: frozenset[str] = frozenset()

    @field_serializer("reach")
    def _sorted_reach(self, reach: frozenset[str]) -> list[str]:
        return sorted(reach)


class Preview(BaseModel):
    """The size of a segment, a sample of it, and what computing them cost.

    Parameters
    ----------
    count
        How many citizens the definition holds.
    sample
        The first members in citizen-id order.
    reachable
        Per :func:`reach_key`, how many members can be messaged that way.
    reads
        Query and BatchGetItem calls the evaluation made.
    read_units
        The read capacity units those calls consumed.
    """

    model_config = ConfigDict(extra="forbid")

    count: int = Field(ge=0)
    sample: list[Member]
    reachable: dict[str, int]
    reads: int = Field(ge=0)
    read_units: float = Field(ge=0)
