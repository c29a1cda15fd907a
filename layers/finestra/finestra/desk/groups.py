"""The group tree as the desk shows it: the groups a caller may switch to, and the groups
a request may be handed to from a group.

Both read the catalogue only; nothing here touches the table. A caller's groups come
from the token (``custom:groups``); each acts for itself and every group below it in
the catalogue's tree (see :func:`finestra.auth.covers_group`). The switcher lists the
groups of ``groups.json`` under each of the caller's groups, not the district and
neighbourhood branches: a group's worklist already holds its branches in the caller's
districts.
"""

from pydantic import BaseModel, ConfigDict

from finestra.auth import Staff, require_group
from finestra.domain.catalogue import Catalogue, Group
from finestra.domain.errors import NotFound, ValidationFailed
from finestra.domain.vocabulary import Language

__all__ = ["GroupEntry", "GroupTargets", "StaffGroup", "group_targets", "staff_groups"]


class GroupEntry(BaseModel):
    """One group as the desktop lists it."""

    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    parent: str | None
    depth: int
    """How far below the caller's own group it sits; 0 for the group itself."""


class StaffGroup(BaseModel):
    """One of the caller's groups, and every group it acts for (itself first)."""

    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    acts_for: list[GroupEntry]


class GroupTargets(BaseModel):
    """The groups a request of ``group`` may be handed to."""

    model_config = ConfigDict(frozen=True)

    group: str
    name: str
    items: list[GroupEntry]


def staff_groups(catalogue: Catalogue, staff: Staff, language: Language) -> list[StaffGroup]:
    """List the caller's groups with the subtree each acts for, named in ``language``.

    Parameters
    ----------
    catalogue
        The catalogue whose tree decides.
    staff
        The caller.
    language
        The language of the names.

    Returns
    -------
    list[StaffGroup]
        One entry per group of the token the catalogue knows, in code order; each lists
        the group itself, then the groups of ``groups.json`` below it, each before the
        groups below it. A group the catalogue does not know is left out.
    """
    found: list[StaffGroup] = []
    configured = {group.code for group in catalogue.groups}
    for code in sorted(staff.groups):
        try:
            top = catalogue.group(code)
        except NotFound:
            continue
        base = len(catalogue.lineage(code))
        below = [g for g in catalogue.groups_under(code) if g.code in configured]
        entries = [
            _entry(group, language, len(catalogue.lineage(group.code)) - base)
            for group in (top, *below)
        ]
        found.append(StaffGroup(code=code, name=top.names.in_(language), acts_for=entries))
    return found


def group_targets(
    catalogue: Catalogue, staff: Staff, code: str, language: Language
) -> GroupTargets:
    """List the groups a request of a group may be handed to, for the reassign form.

    Parameters
    ----------
    catalogue
        The catalogue whose ``reassign_to`` lists decide.
    staff
        The caller, who must act for ``code``.
    code
        The request's current group, a branch included.
    language
        The language of the names.

    Returns
    -------
    GroupTargets
        The group and :meth:`Catalogue.reassign_targets` of it, in that order.

    Raises
    ------
    ValidationFailed
        When ``code`` is not a group of the catalogue (on ``group``).
    Forbidden
        When the group is outside the caller's groups and the groups below them.
    """
    try:
        group = catalogue.group(code)
    except NotFound:
        raise ValidationFailed("is not a responsible group", field="group") from None
    require_group(catalogue, staff, code)
    items = [_entry(g, language, 0) for g in catalogue.reassign_targets(code)]
    return GroupTargets(group=code, name=group.names.in_(language), items=items)


def _entry(group: Group, language: Language, depth: int) -> GroupEntry:
    return GroupEntry(
        code=group.code, name=group.names.in_(language), parent=group.parent, depth=depth
    )
