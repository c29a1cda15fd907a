"""Answers staff prepare for a citizen: templates that fit the request, and saved drafts.

A template of ``reply_templates.json`` may name the themes, request types and responsible
groups it is written for; a template that names none fits every request. A group named
there covers its branches and every group below it in the group tree. The templates
offered for a request are the ones that fit it, the most specific first: one written for
the request's theme comes before one written for its group, which comes before one
written for its request type, and a city-wide template comes last.

A draft is the answer one staff member is writing for one request, kept until it is
sent or dropped: an item of the request's own collection (``REQUEST#<reference>`` /
``DRAFT#<user id>``), so nobody else reads it. Each save names the version it replaces,
so two tabs of the same author never overwrite each other unseen. ``expires_at`` is the
table's TTL attribute: an untouched draft goes after :data:`DRAFT_DAYS` days, and a read
never shows one past that time even before DynamoDB deletes it.
"""

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Final

from pydantic import BaseModel, ConfigDict, Field

from finestra.auth import Role, Staff
from finestra.desk.replies import (
    TEMPLATES_FILE,
    ReplyTemplate,
    ReplyTemplates,
    TemplateChoice,
    filled,
)
from finestra.domain.catalogue import Catalogue
from finestra.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from finestra.domain.request import REFERENCE, Request
from finestra.domain.vocabulary import Language, RequestType
from finestra.storage import keys
from finestra.storage.requests import RequestStore
from finestra.storage.table import Delete, Item, Put, Table

__all__ = [
    "DRAFT_DAYS",
    "AnswerTemplates",
    "Answers",
    "Draft",
    "DraftOrder",
    "Drafts",
    "FittingTemplate",
    "ScopedTemplate",
]

DRAFT_DAYS: Final = 30
"""How long a draft nobody touches is kept."""

_THEME_WEIGHT: Final = 4
_GROUP_WEIGHT: Final = 2
_TYPE_WEIGHT: Final = 1

Written = Field(min_length=1, max_length=4000)


class ScopedTemplate(ReplyTemplate):
    """A reply template with the themes, request types and groups it is written for."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    themes: tuple[str, ...] = ()
    request_types: tuple[RequestType, ...] = ()
    groups: tuple[str, ...] = ()

    @property
    def specificity(self) -> int:
        """How narrowly the template is scoped: higher is more specific."""
        return (
            _THEME_WEIGHT * bool(self.themes)
            + _GROUP_WEIGHT * bool(self.groups)
            + _TYPE_WEIGHT * bool(self.request_types)
        )


class FittingTemplate(TemplateChoice):
    """A template offered for one request: its text in one language, reference filled."""

    scope: list[str] = Field(description="what the template is written for: theme, group, type")


class AnswerTemplates:
    """The city's templates, checked against the catalogue, chosen for each request.

    Parameters
    ----------
    templates
        Every template of the configuration folder.
    catalogue
        Names the themes and groups the templates may be scoped to.

    Raises
    ------
    ValueError
        When a template names a theme or a group the catalogue does not have.
    """

    def __init__(self, templates: tuple[ScopedTemplate, ...], catalogue: Catalogue) -> None:
        known_themes = {theme.code for theme in catalogue.themes}
        for template in templates:
            unknown = set(template.themes) - known_themes
            if unknown:
                raise ValueError(f"template {template.id} names an unknown theme")
            for group in template.groups:
                try:
                    catalogue.group(group)
                except NotFound:
                    raise ValueError(f"template {template.id} names an unknown group") from None
        ReplyTemplates(templates=templates)
        self._templates = templates
        self._catalogue = catalogue

    @classmethod
    def load(cls, folder: Path, catalogue: Catalogue) -> "AnswerTemplates":
        """Read and check ``reply_templates.json`` of the configuration folder."""
        data = json.loads((folder / TEMPLATES_FILE).read_text(encoding="utf-8"))
        return cls(tuple(ScopedTemplate.model_validate(t) for t in data["templates"]), catalogue)

    @cached_property
    def _by_id(self) -> dict[str, ScopedTemplate]:
        return {t.id: t for t in self._templates}

    def fits(self, template: ScopedTemplate, request: Request) -> bool:
        """Whether ``template`` is written for ``request`` (or for every request)."""
        return self.misfit(template, request) is None

    def misfit(self, template: ScopedTemplate, request: Request) -> str | None:
        """What ``template`` is written for that ``request`` is not; ``None`` when it fits.

        Returns
        -------
        str or None
            ``"other themes"``, ``"other request types"`` or ``"other groups"``, the
            first scope the request falls outside of.
        """
        if template.themes and request.theme_code not in template.themes:
            return "other themes"
        if template.request_types and request.request_type not in template.request_types:
            return "other request types"
        if template.groups and not set(template.groups) & set(
            self._lineage(request.responsible_group)
        ):
            return "other groups"
        return None

    def for_request(self, request: Request, language: Language) -> list[FittingTemplate]:
        """The templates that fit ``request``, the most specific first.

        Parameters
        ----------
        request
            The request to answer.
        language
            The language staff write in.

        Returns
        -------
        list[FittingTemplate]
            Each fitting template with ``{city}`` and ``{reference}`` filled; templates of
            the same specificity keep the file's order.
        """
        fitting = [t for t in self._templates if self.fits(t, request)]
        fitting.sort(key=lambda t: -t.specificity)
        return [
            FittingTemplate(
                id=t.id,
                title=t.title.in_(language),
                text=filled(t.text.in_(language), language, request.reference),
                scope=[
                    name
                    for name, given in (
                        ("theme", t.themes),
                        ("group", t.groups),
                        ("type", t.request_types),
                    )
                    if given
                ],
            )
            for t in fitting
        ]

    def text_for(self, template_id: str, request: Request, language: Language) -> str:
        """The text of a template that fits ``request``, placeholders still open.

        The one check of a template's scope: a draft is saved, and a reply sent
        (:meth:`RequestActions.reply`), only with a template that passes it.

        Raises
        ------
        ValidationFailed
            When no template has the id, or it is written for other themes, request
            types or groups (naming which), on the field ``template``.
        """
        template = self._by_id.get(template_id)
        if template is None:
            raise ValidationFailed("is not one of the city's reply templates", field="template")
        misfit = self.misfit(template, request)
        if misfit is not None:
            raise ValidationFailed(
                f"is written for {misfit}, not for this request", field="template"
            )
        return template.text.in_(language)

    def _lineage(self, group: str) -> Iterator[str]:
        code: str | None = group
        seen: set[str] = set()
        while code is not None and code not in seen:
            seen.add(code)
            yield code
            code = self._parent(code)

    def _parent(self, code: str) -> str | None:
        try:
            return self._catalogue.group(code).parent
        except NotFound:
            return code.split(".", 1)[0] if "." in code else None


class DraftOrder(BaseModel):
    """The draft a staff member saves: the text so far and the version it replaces."""

    model_config = ConfigDict(extra="forbid")

    text: str = Written
    template: str | None = Field(default=None, min_length=1, max_length=41)
    language: Language
    version: int = Field(
        default=0, ge=0, description="the version read before; 0 for a first draft"
    )


class Draft(BaseModel):
    """A saved draft, as its author reads it back."""

    reference: str
    text: str
    template: str | None
    language: Language
    version: int
    saved_at: datetime
    expires_at: datetime


_draft_key = keys.draft


class Drafts:
    """Saves, reads and drops each staff member's draft answer to a request.

    Parameters
    ----------
    table
        The one table; a draft lives in its request's collection.
    clock
        Stamps saves and judges whether a draft has lapsed.
    keep
        How long an untouched draft is kept.
    """

    def __init__(
        self,
        table: Table,
        clock: Callable[[], datetime],
        *,
        keep: timedelta = timedelta(days=DRAFT_DAYS),
    ) -> None:
        self._table = table
        self._clock = clock
        self._keep = keep

    def save(self, user_id: str, reference: str, order: DraftOrder) -> Draft:
        """Save the caller's draft if ``order.version`` is the one stored (0: none).

        One conditional ``PutItem``.

        Raises
        ------
        Conflict
            When the stored draft is of another version (saved from elsewhere meanwhile,
            or already there for a first save).
        """
        now = self._clock()
        draft = Draft(
            reference=reference,
            text=order.text,
            template=order.template,
            language=order.language,
            version=order.version + 1,
            saved_at=now,
            expires_at=datetime.fromtimestamp(int((now + self._keep).timestamp()), UTC),
        )
        item: Item = {
            **_draft_key(reference, user_id),
            "type": "draft",
            **draft.model_dump(mode="json", exclude_none=True),
            "expires_at": int(draft.expires_at.timestamp()),
        }
        if order.version == 0:
            put = Put(
                item=item,
                condition="attribute_not_exists(PK) OR expires_at <= :now",
                values={":now": int(now.timestamp())},
            )
        else:
            put = Put(
                item=item,
                condition="version = :version AND expires_at > :now",
                values={":version": order.version, ":now": int(now.timestamp())},
            )
        try:
            self._table.put(put)
        except Conflict as exc:
            raise Conflict(
                "was saved from elsewhere meanwhile; reload it first", field="version"
            ) from exc
        return draft

    def read(self, user_id: str, reference: str) -> Draft | None:
        """The caller's live draft of ``reference``, if any (one consistent ``GetItem``)."""
        item = self._table.get(_draft_key(reference, user_id), consistent=True)
        if item is None or int(item["expires_at"]) <= int(self._clock().timestamp()):
            return None
        return Draft(
            reference=str(item["reference"]),
            text=str(item["text"]),
            template=item.get("template"),
            language=Language(item["language"]),
            version=int(item["version"]),
            saved_at=datetime.fromisoformat(str(item["saved_at"])),
            expires_at=datetime.fromtimestamp(int(item["expires_at"]), UTC),
        )

    def drop(self, user_id: str, reference: str) -> None:
        """Drop the caller's draft; no draft is no error, so a repeated drop answers alike."""
        self._table.delete(self.dropping(user_id, reference))

    @staticmethod
    def dropping(user_id: str, reference: str) -> Delete:
        """The delete of the caller's draft, for a write that sends the answer."""
        return Delete(key=_draft_key(reference, user_id))


class Answers:
    """The desk's answer helpers on one request, with the caller's role and scope checked.

    Parameters
    ----------
    requests
        The request store.
    templates
        The city's templates.
    drafts
        The staff's drafts.
    """

    def __init__(self, requests: RequestStore, templates: AnswerTemplates, drafts: Drafts) -> None:
        self._requests = requests
        self._templates = templates
        self._drafts = drafts

    def templates(self, staff: Staff, reference: str, language: Language) -> list[FittingTemplate]:
        """The templates that fit the request, the most specific first."""
        return self._templates.for_request(self._request(staff, reference), language)

    def save_draft(self, staff: Staff, reference: str, order: DraftOrder) -> Draft:
        """Save the caller's draft answer to the request (see :meth:`Drafts.save`).

        Raises
        ------
        ValidationFailed
            When the draft names a template that does not fit the request.
        Conflict
            When the stored draft is of another version.
        """
        request = self._request(staff, reference)
        if order.template is not None:
            self._templates.text_for(order.template, request, order.language)
        return self._drafts.save(staff.user_id, request.reference, order)

    def draft(self, staff: Staff, reference: str) -> Draft:
        """The caller's draft of the request.

        Raises
        ------
        NotFound
            When the caller has no live draft of it.
        """
        request = self._request(staff, reference)
        draft = self._drafts.read(staff.user_id, request.reference)
        if draft is None:
            raise NotFound("you have no draft answer to this request")
        return draft

    def drop_draft(self, staff: Staff, reference: str) -> None:
        """Drop the caller's draft of the request; none is no error."""
        self._drafts.drop(staff.user_id, self._request(staff, reference).reference)

    def _request(self, staff: Staff, reference: str) -> Request:
        staff.require(Role.AGENT, Role.SUPERVISOR)
        request = self._requests.get(reference) if REFERENCE.fullmatch(reference) else None
        if request is None:
            raise NotFound("no request has this reference")
        staff.require_district(request.location.district_code if request.location else None)
        if not staff.covers_group(request.responsible_group):
            raise Forbidden("this request is outside your groups")
        return request
