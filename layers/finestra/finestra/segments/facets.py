"""What the segment index knows of one citizen, and the facets it files them under.

A citizen's member state gathers, from the table's stream, their profile's facets
(district, neighbourhood, language, the channels they have a contact point on, the
purposes granted on each, their tags), a compact entry per request they made and their
latest rating per survey. Each state files the citizen under a set of facets
(``district=2``, ``theme=roads.pothole``, ``rating=4`` ...), and each index item carries
the citizen's :class:`Projection`, so criteria on the profile are checked from the
index alone.
"""

import json
import zlib
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field

from finestra.domain.segment import REACH_CHANNELS, Member, RequestCriterion, reach_key
from finestra.domain.vocabulary import ConsentPurpose, ContactKind, Language

__all__ = [
    "ALL",
    "MemberState",
    "Profile",
    "Projection",
    "RequestEntry",
    "facets_of",
    "reach_of",
    "request_matches",
]

ALL: Final = "all=all"
"""The facet every citizen with a live profile is filed under: the whole city."""

CHANNEL_OF_KIND: Final = {ContactKind.PHONE: "sms", ContactKind.EMAIL: "email"}
"""Which messaging channel a kind of contact point makes a citizen reachable on."""


class Projection(BaseModel):
    """The part of a citizen every index item carries: a :class:`Member` and its channels."""

    model_config = ConfigDict(frozen=True)

    language: Language
    district: str | None = None
    neighbourhood: str | None = None
    channels: tuple[str, ...] = ()
    reach: tuple[str, ...] = ()

    @property
    def tag(self) -> str:
        """A short digest that changes whenever the projection does."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return f"{zlib.crc32(text.encode()):08x}"

    def member(self, citizen_id: str) -> Member:
        """The citizen as a campaign sees them."""
        return Member(
            citizen_id=citizen_id,
            language=self.language,
            district=self.district,
            neighbourhood=self.neighbourhood,
            reach=frozenset(self.reach),
        )


class Profile(BaseModel):
    """The segment facets of a live citizen profile, at one version of it."""

    model_config = ConfigDict(frozen=True)

    projection: Projection
    tags: tuple[str, ...] = ()


class RequestEntry(BaseModel):
    """One request a citizen made, as segments filter on it."""

    model_config = ConfigDict(frozen=True)

    theme: str | None
    state: str
    channel: str
    opened_on: date
    version: int

    def packed(self) -> str:
        """The entry as one short string, ``theme|state|channel|opened_on|version``."""
        return "|".join(
            [
                self.theme or "",
                self.state,
                self.channel,
                self.opened_on.isoformat(),
                str(self.version),
            ]
        )

    @classmethod
    def unpacked(cls, text: str) -> "RequestEntry":
        """The entry :meth:`packed` wrote."""
        theme, state, channel, opened_on, version = text.split("|")
        return cls(
            theme=theme or None,
            state=state,
            channel=channel,
            opened_on=date.fromisoformat(opened_on),
            version=int(version),
        )


class Rating(BaseModel):
    """A citizen's latest rating in one survey."""

    model_config = ConfigDict(frozen=True)

    rating: int | None
    at: str
    key: str

    def packed(self) -> str:
        """The rating as ``rating|at|answer key``."""
        return f"{'' if self.rating is None else self.rating}|{self.at}|{self.key}"

    @classmethod
    def unpacked(cls, text: str) -> "Rating":
        """The rating :meth:`packed` wrote."""
        rating, at, key = text.split("|", 2)
        return cls(rating=int(rating) if rating else None, at=at, key=key)

    def newer_than(self, other: "Rating") -> bool:
        """Whether this answer is the later one (by time, then by answer key)."""
        return (self.at, self.key) > (other.at, other.key)


class MemberState(BaseModel):
    """Everything the index holds about one citizen, as the member item stores it.

    Parameters
    ----------
    profile
        The live profile's facets; ``None`` before the profile is seen and after it is
        removed, erased or merged away.
    profile_version
        The profile version last taken in (0: none yet).
    requests, ratings
        By request reference and by survey id.
    indexed
        What the index holds now: each facet the citizen is filed under and the tag of
        the projection its index item carries.
    """

    citizen_id: str
    profile: Profile | None = None
    profile_version: int = 0
    requests: dict[str, RequestEntry] = Field(default_factory=dict)
    ratings: dict[str, Rating] = Field(default_factory=dict)
    indexed: dict[str, str] = Field(default_factory=dict)
    version: int = 0

    def wanted(self) -> dict[str, str]:
        """The facets the citizen belongs under now, each with its projection's tag."""
        if self.profile is None:
            return {}
        tag = self.profile.projection.tag
        return dict.fromkeys(sorted(facets_of(self)), tag)

    def to_item(self) -> dict[str, Any]:
        """The member item's attributes, but for its key."""
        item: dict[str, Any] = {
            "type": "segment_member",
            "citizen_id": self.citizen_id,
            "profile_version": self.profile_version,
            "requests": {ref: entry.packed() for ref, entry in self.requests.items()},
            "ratings": {survey: rating.packed() for survey, rating in self.ratings.items()},
            "indexed": dict(self.indexed),
            "version": self.version,
        }
        if self.profile is not None:
            item["profile"] = {
                **self.profile.projection.model_dump(mode="json"),
                "tags": list(self.profile.tags),
            }
        return item

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> "MemberState":
        """The state a member item holds."""
        stored = item.get("profile")
        profile = None
        if stored:
            projection = Projection.model_validate({k: v for k, v in stored.items() if k != "tags"})
            profile = Profile(projection=projection, tags=tuple(stored.get("tags") or ()))
        return cls(
            citizen_id=str(item["citizen_id"]),
            profile=profile,
            profile_version=int(item.get("profile_version") or 0),
            requests={
                ref: RequestEntry.unpacked(text)
                for ref, text in (item.get("requests") or {}).items()
            },
            ratings={
                survey: Rating.unpacked(text)
                for survey, text in (item.get("ratings") or {}).items()
            },
            indexed=dict(item.get("indexed") or {}),
            version=int(item.get("version") or 0),
        )


def facets_of(state: MemberState) -> set[str]:
    """Every facet a citizen with a live profile is filed under."""
    if state.profile is None:
        return set()
    projection = state.profile.projection
    facets = {ALL, f"language={projection.language.value}"}
    if projection.district:
        facets.add(f"district={projection.district}")
    if projection.neighbourhood:
        facets.add(f"neighbourhood={projection.neighbourhood}")
    facets.update(f"reachable={channel}" for channel in projection.channels)
    facets.update(f"consent={way.split(':', 1)[1]}" for way in projection.reach)
    facets.update(f"tag={tag}" for tag in state.profile.tags)
    for entry in state.requests.values():
        facets.add("requested=any")
        if entry.theme:
            facets.add(f"theme={entry.theme}")
        facets.add(f"rstate={entry.state}")
        facets.add(f"rchannel={entry.channel}")
        facets.add(f"rmonth={entry.opened_on.isoformat()[:7]}")
    facets.update(
        f"rating={rating.rating}" for rating in state.ratings.values() if rating.rating is not None
    )
    return facets


def reach_of(
    kinds: Iterable[str], consents: Iterable[Mapping[str, Any]]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The channels a citizen has a contact point on, and the ways they may be messaged.

    Parameters
    ----------
    kinds
        The ``kind`` of each of the citizen's (sealed) contact points.
    consents
        The citizen's recorded consents, as stored.

    Returns
    -------
    tuple
        The channels, and :func:`~finestra.domain.segment.reach_key` for each channel and
        purpose granted on it (the latest answer counts; service is granted unless refused).
    """
    channels = sorted({CHANNEL_OF_KIND[ContactKind(k)] for k in kinds if k in {"phone", "email"}})
    latest: dict[tuple[str, str], tuple[datetime, bool]] = {}
    for consent in consents:
        key = (str(consent["channel"]), str(consent["purpose"]))
        at = datetime.fromisoformat(str(consent["recorded_at"]))
        if key not in latest or at >= latest[key][0]:
            latest[key] = (at, bool(consent["granted"]))
    reach = []
    for channel in channels:
        for purpose in ConsentPurpose:
            answer = latest.get((channel, purpose.value))
            granted = answer[1] if answer else purpose is ConsentPurpose.SERVICE
            if granted:
                reach.append(reach_key(channel, purpose))
    return tuple(channels), tuple(sorted(reach))


def request_matches(
    entry: RequestEntry, criterion: RequestCriterion, themes: frozenset[str] | None
) -> bool:
    """Whether one request meets a request criterion (``themes``: its codes, expanded)."""
    if themes is not None and entry.theme not in themes:
        return False
    if criterion.states and entry.state not in criterion.states:
        return False
    if criterion.input_channels and entry.channel not in criterion.input_channels:
        return False
    if criterion.since is not None and entry.opened_on < criterion.since:
        return False
    return criterion.until is None or entry.opened_on <= criterion.until


def reachable_channels() -> tuple[str, ...]:
    """The channels a consent criterion looks at when no ``reachable`` is given."""
    return REACH_CHANNELS
