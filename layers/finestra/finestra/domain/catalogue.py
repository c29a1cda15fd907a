"""The theme catalogue and the city's territory, loaded from the configuration folder."""

import csv
import json
from functools import cached_property, lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from finestra.domain.areas import MapArea
from finestra.domain.errors import NotFound, ValidationFailed
from finestra.domain.vocabulary import Language, Process, RequestType, ResponseChannel, RouteBy


class Names(BaseModel):
    """A label in each of the city's languages."""

    model_config = ConfigDict(frozen=True)

    ca: str = Field(min_length=1)
    es: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def in_(self, language: Language) -> str:
        """The label in ``language``."""
        return str(getattr(self, language.value))


class Area(BaseModel):
    """The top of the theme tree: a service area such as street lighting."""

    model_config = ConfigDict(frozen=True)

    code: str
    names: Names


class AreaRoute(BaseModel):
    """One map area a theme routes by, and the group that works the theme's requests there."""

    model_config = ConfigDict(frozen=True)

    area: str
    group: str


class Theme(BaseModel):
    """A leaf of the theme tree (area → element → detail) and how the city handles it."""

    model_config = ConfigDict(frozen=True)

    code: str = Field(pattern=r"^[a-z]+\.[a-z0-9-]+$")
    area: str
    element: Names
    detail: Names
    request_types: tuple[RequestType, ...] = Field(min_length=1)
    process: Process
    sla_hours: int = Field(gt=0, le=24 * 365)
    responsible_group: str
    route_by: RouteBy
    response_channels: tuple[ResponseChannel, ...] = Field(min_length=1)
    back_office_systems: tuple[str, ...]
    requires_location: bool
    requires_identified_citizen: bool
    location_is_public: bool
    external_body: str | None
    keywords: dict[Language, tuple[str, ...]]
    duplicate_radius_m: int | None = Field(gt=0, description="None: no search for duplicates")
    duplicate_window_days: int | None = Field(gt=0)
    polygons: tuple[AreaRoute, ...] = Field(
        default=(), description="the map areas a theme routed by polygon sends to their groups"
    )
    fallback_group: str | None = Field(
        default=None, description="who works a request its rule cannot place; None: the group"
    )

    @model_validator(mode="after")
    def _external_body_named(self) -> "Theme":
        if (self.process is Process.EXTERNAL_BODY) != (self.external_body is not None):
            raise ValueError("an external_body theme names its body, and only such a theme")
        return self

    @model_validator(mode="after")
    def _polygons_routed(self) -> "Theme":
        if (self.route_by is RouteBy.POLYGON) != bool(self.polygons):
            raise ValueError("a theme routed by polygon names its areas, and only such a theme")
        return self

    @property
    def fallback(self) -> str:
        """The group that works a request the theme's rule cannot place."""
        return self.fallback_group or self.responsible_group


class Group(BaseModel):
    """A responsible group; groups form a tree under the city root."""

    model_config = ConfigDict(frozen=True)

    code: str
    names: Names
    parent: str | None
    reassign_to: tuple[str, ...] = Field(
        default=(), description="the groups a request may be handed to from this group"
    )


class BackOfficeSystem(BaseModel):
    """One of the city's line-of-business systems, as the catalogue names it."""

    model_config = ConfigDict(frozen=True)

    code: str
    names: Names
    knows: str


class District(BaseModel):
    """One of the city's districts."""

    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    population: int


class Neighbourhood(BaseModel):
    """One of the city's neighbourhoods, inside a district."""

    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    district_code: str


_BRANCH_DASH = " \u2013 "
"""Between a branch group's name and its place: an en dash with a space either side."""


def branch_code(group: str, route_by: RouteBy, place_code: str) -> str:
    """Code the branch of a group for one district or neighbourhood.

    Parameters
    ----------
    group
        The code of the theme's responsible group (``lighting``).
    route_by
        ``district`` or ``neighbourhood``.
    place_code
        The district or neighbourhood code.

    Returns
    -------
    str
        ``<group>.d<district code>`` or ``<group>.b<neighbourhood code>``.
    """
    if route_by is RouteBy.DISTRICT:
        return f"{group}.d{place_code}"
    if route_by is RouteBy.NEIGHBOURHOOD:
        return f"{group}.b{place_code}"
    raise ValueError("only district and neighbourhood routing have branches")


class Catalogue(BaseModel):
    """Everything the configuration folder says about themes, groups and territory."""

    model_config = ConfigDict(frozen=True)

    areas: tuple[Area, ...]
    themes: tuple[Theme, ...]
    groups: tuple[Group, ...]
    systems: tuple[BackOfficeSystem, ...]
    districts: tuple[District, ...]
    neighbourhoods: tuple[Neighbourhood, ...]
    map_areas: tuple[MapArea, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> "Catalogue":
        areas = {a.code for a in self.areas}
        groups = {g.code for g in self.groups}
        systems = {s.code for s in self.systems}
        districts = {d.code for d in self.districts}
        for theme in self.themes:
            if theme.area not in areas:
                raise ValueError(f"theme {theme.code} names an unknown area")
            if theme.responsible_group not in groups:
                raise ValueError(f"theme {theme.code} names an unknown group")
            if not set(theme.back_office_systems) <= systems:
                raise ValueError(f"theme {theme.code} names an unknown back-office system")
        for group in self.groups:
            if group.parent is not None and group.parent not in groups:
                raise ValueError(f"group {group.code} names an unknown parent")
        for neighbourhood in self.neighbourhoods:
            if neighbourhood.district_code not in districts:
                raise ValueError(f"neighbourhood {neighbourhood.code} is in no known district")
        if len({t.code for t in self.themes}) != len(self.themes):
            raise ValueError("theme codes repeat")
        return self

    @model_validator(mode="after")
    def _one_tree(self) -> "Catalogue":
        parents = {g.code: g.parent for g in self.groups}
        for code, first in parents.items():
            seen, parent = {code}, first
            while parent is not None:
                if parent in seen:
                    raise ValueError(f"group {code} is its own ancestor")
                seen.add(parent)
                parent = parents.get(parent)
        return self

    @model_validator(mode="after")
    def _targets_known(self) -> "Catalogue":
        groups = {g.code for g in self.groups}
        for group in self.groups:
            if not set(group.reassign_to) <= groups:
                raise ValueError(f"group {group.code} names an unknown reassignment target")
            if group.code in group.reassign_to:
                raise ValueError(f"group {group.code} names itself as a reassignment target")
        return self

    @model_validator(mode="after")
    def _areas_known(self) -> "Catalogue":
        areas = {a.code for a in self.map_areas}
        groups = {g.code for g in self.groups}
        if len(areas) != len(self.map_areas):
            raise ValueError("map area codes repeat")
        for theme in self.themes:
            if not {route.area for route in theme.polygons} <= areas:
                raise ValueError(f"theme {theme.code} names an unknown map area")
            if not {route.group for route in theme.polygons} <= groups:
                raise ValueError(f"theme {theme.code} sends a map area to an unknown group")
            if theme.fallback_group is not None and theme.fallback_group not in groups:
                raise ValueError(f"theme {theme.code} names an unknown fallback group")
        return self

    @model_validator(mode="after")
    def _branches_free(self) -> "Catalogue":
        groups = {g.code for g in self.groups}
        if len(groups) != len(self.groups):
            raise ValueError("group codes repeat")
        if groups & {code for code, _, _ in self._branch_places()}:
            raise ValueError("a group of groups.json takes the code of a branch group")
        return self

    @cached_property
    def _themes(self) -> dict[str, Theme]:
        return {t.code: t for t in self.themes}

    @cached_property
    def _neighbourhoods(self) -> dict[str, Neighbourhood]:
        return {n.code: n for n in self.neighbourhoods}

    @cached_property
    def _groups(self) -> dict[str, Group]:
        """Every group: those of ``groups.json`` and the branches derived from the themes."""
        found = {g.code: g for g in self.groups}
        for code, parent, place in self._branch_places():
            names = found[parent].names
            found[code] = Group(
                code=code,
                names=Names(
                    ca=f"{names.ca}{_BRANCH_DASH}{place}",
                    es=f"{names.es}{_BRANCH_DASH}{place}",
                    en=f"{names.en}{_BRANCH_DASH}{place}",
                ),
                parent=parent,
            )
        return found

    @cached_property
    def _children(self) -> dict[str, tuple[str, ...]]:
        children: dict[str, list[str]] = {}
        for group in self._groups.values():
            if group.parent is not None:
                children.setdefault(group.parent, []).append(group.code)
        return {parent: tuple(codes) for parent, codes in children.items()}

    def _branch_places(self) -> list[tuple[str, str, str]]:
        """Each branch group as (code, parent group, place name), in catalogue order.

        A group that some theme routes by district has a branch per district, coded
        ``<group>.d<district code>``; by neighbourhood, a branch per neighbourhood, coded
        ``<group>.b<neighbourhood code>``.
        """
        by_district = dict.fromkeys(
            t.responsible_group for t in self.themes if t.route_by is RouteBy.DISTRICT
        )
        by_neighbourhood = dict.fromkeys(
            t.responsible_group for t in self.themes if t.route_by is RouteBy.NEIGHBOURHOOD
        )
        return [
            *(
                (branch_code(group, RouteBy.DISTRICT, d.code), group, d.name)
                for group in by_district
                for d in self.districts
            ),
            *(
                (branch_code(group, RouteBy.NEIGHBOURHOOD, n.code), group, n.name)
                for group in by_neighbourhood
                for n in self.neighbourhoods
            ),
        ]

    def group(self, code: str) -> Group:
        """Find a responsible group, a district or neighbourhood branch included.

        Parameters
        ----------
        code
            The group's code: one of ``groups.json`` (``lighting``) or a branch derived
            from the themes (``lighting.d2``, ``waste.b7``).

        Returns
        -------
        Group
            The group; a branch is named after its group and its place
            (``Enllumenat públic \u2013 Eixample``, an en dash) and has its group as parent.

        Raises
        ------
        NotFound
            When no group has the code.
        """
        try:
            return self._groups[code]
        except KeyError:
            raise NotFound("is not a responsible group", field="responsible_group") from None

    def groups_under(self, code: str) -> tuple[Group, ...]:
        """List every group below a group, at any depth, branches included.

        Parameters
        ----------
        code
            The group's code.

        Returns
        -------
        tuple[Group, ...]
            The groups below it (not the group itself), each before the groups below it;
            empty for a group with none.

        Raises
        ------
        NotFound
            When no group has the code.
        """
        self.group(code)
        found: list[Group] = []
        waiting = list(reversed(self._children.get(code, ())))
        while waiting:
            below = waiting.pop()
            found.append(self._groups[below])
            waiting.extend(reversed(self._children.get(below, ())))
        return tuple(found)

    def lineage(self, code: str) -> tuple[str, ...]:
        """Name a group and every group above it, up to the city root.

        Parameters
        ----------
        code
            The group's code, a branch included.

        Returns
        -------
        tuple[str, ...]
            The group's code first, then its parent's, and so on; the root's last.

        Raises
        ------
        NotFound
            When no group has the code.
        """
        line = [self.group(code).code]
        while (parent := self._groups[line[-1]].parent) is not None:
            line.append(parent)
        return tuple(line)

    def reassign_targets(self, code: str) -> tuple[Group, ...]:
        """List the groups a request may be handed to from a group.

        Parameters
        ----------
        code
            The request's current group, a branch included.

        Returns
        -------
        tuple[Group, ...]
            For a group of ``groups.json``: its own branches, then its ``reassign_to``.
            For a branch: its group, the group's other branches, then the group's
            ``reassign_to``. Never the group itself; each once, in that order.

        Raises
        ------
        NotFound
            When no group has the code.
        """
        group = self.group(code)
        configured = {g.code: g for g in self.groups}
        base = configured.get(code) or configured[str(group.parent)]
        found = [] if base.code == code else [base.code]
        found += [c for c in self._children.get(base.code, ()) if c not in configured]
        found += base.reassign_to
        return tuple(self._groups[c] for c in dict.fromkeys(found) if c != code)

    def may_reassign(self, current: str, target: str) -> bool:
        """Tell whether a request of ``current`` may be handed to ``target``.

        Parameters
        ----------
        current
            The request's group now.
        target
            The group it would be handed to.

        Returns
        -------
        bool
            Whether ``target`` is one of :meth:`reassign_targets`, or a branch of one.

        Raises
        ------
        NotFound
            When either group is unknown.
        """
        allowed = {g.code for g in self.reassign_targets(current)}
        if target in allowed:
            return True
        found = self.group(target)
        is_branch = found.code not in {g.code for g in self.groups}
        return is_branch and found.parent in allowed

    def map_area(self, code: str) -> MapArea:
        """The map area with ``code``; :class:`NotFound` when there is none."""
        for area in self.map_areas:
            if area.code == code:
                return area
        raise NotFound("is not a map area", field="area")

    def theme(self, code: str) -> Theme:
        """The theme with ``code``; an unknown code is a validation error on ``theme_code``."""
        try:
            return self._themes[code]
        except KeyError:
            raise ValidationFailed("is not a theme of the catalogue", field="theme_code") from None

    def known_theme(self, code: str | None) -> Theme | None:
        """The theme with ``code``, or ``None`` for no code or one the catalogue lacks."""
        return None if code is None else self._themes.get(code)

    def check_place(self, district_code: str | None, neighbourhood_code: str | None) -> None:
        """Refuse unknown codes and a neighbourhood outside the given district."""
        if district_code is not None and district_code not in {d.code for d in self.districts}:
            raise ValidationFailed("is not a district code", field="location.district_code")
        if neighbourhood_code is None:
            return
        neighbourhood = self._neighbourhoods.get(neighbourhood_code)
        if neighbourhood is None:
            raise ValidationFailed(
                "is not a neighbourhood code", field="location.neighbourhood_code"
            )
        if district_code is not None and neighbourhood.district_code != district_code:
            raise ValidationFailed(
                "is not in the given district", field="location.neighbourhood_code"
            )

    def district_of(self, neighbourhood_code: str) -> str:
        """The district that holds ``neighbourhood_code``."""
        return self._neighbourhoods[neighbourhood_code].district_code

    @classmethod
    def load(cls, folder: Path) -> "Catalogue":
        """The catalogue of ``folder``, read once per process (it does not change)."""
        return _load(folder.resolve())

    @classmethod
    def read(cls, folder: Path) -> "Catalogue":
        """Read ``themes.json``, ``groups.json``, ``lob_systems.json``, the CSVs and, when
        there is one, ``areas.json``."""
        themes = json.loads((folder / "themes.json").read_text(encoding="utf-8"))
        groups = json.loads((folder / "groups.json").read_text(encoding="utf-8"))
        systems = json.loads((folder / "lob_systems.json").read_text(encoding="utf-8"))
        areas_file = folder / "areas.json"
        map_areas = (
            json.loads(areas_file.read_text(encoding="utf-8"))["areas"]
            if areas_file.exists()
            else []
        )
        with (folder / "districts.csv").open(encoding="utf-8", newline="") as handle:
            districts = [
                {
                    "code": r["district_code"],
                    "name": r["district"],
                    "population": int(r["population_2021_approx"]),
                }
                for r in csv.DictReader(handle)
            ]
        with (folder / "neighbourhoods.csv").open(encoding="utf-8", newline="") as handle:
            neighbourhoods = [
                {
                    "code": r["neighbourhood_code"],
                    "name": r["neighbourhood"],
                    "district_code": r["district_code"],
                }
                for r in csv.DictReader(handle)
            ]
        return cls.model_validate(
            {
                "areas": themes["areas"],
                "themes": themes["themes"],
                "groups": groups["groups"],
                "systems": systems["systems"],
                "districts": districts,
                "neighbourhoods": neighbourhoods,
                "map_areas": map_areas,
            }
        )


@lru_cache(maxsize=4)
def _load(folder: Path) -> Catalogue:
    return Catalogue.read(folder)
