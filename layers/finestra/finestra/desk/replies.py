"""Answers staff send a citizen: the city's templates, the wording and what each costs.

Templates live in ``reply_templates.json`` of the configuration folder, one text per
language, with ``{reference}`` and ``{city}`` as their only placeholders. A reply by SMS
is always worded for GSM-7 (see :func:`finestra.domain.sms_text.gsm_safe`), as every SMS
the city sends is, so the counter staff see before sending is what the citizen's phone
receives. A reply by email starts its subject with the reference in brackets, so the
citizen's answer finds its request, as the acknowledgement's does.

Prices come from ``prices.json``, which sits beside the configuration folder (in the
source tree and in the layer alike). That list is quoted in US dollars and its SMS price
is a placeholder for Spain, so ``cost_eur`` carries the list's figure as it stands until
the list holds a price in euros.
"""

import json
import string
from functools import cached_property
from pathlib import Path
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from finestra.domain.acknowledgement import CITY
from finestra.domain.catalogue import Names
from finestra.domain.errors import ValidationFailed
from finestra.domain.sms_text import Encoding, gsm_safe, segments
from finestra.domain.vocabulary import Language

ReplyChannel = Literal["sms", "email"]

PLACEHOLDERS: Final = frozenset({"reference", "city"})
"""The only names a template may leave for the desk to fill."""

MAX_SMS_SEGMENTS: Final = 5
"""The longest SMS a reply may be; a longer answer goes by email or is cut down."""

TEMPLATES_FILE: Final = "reply_templates.json"
PRICES_FILE: Final = "prices.json"

_SUBJECT: Final = {
    Language.CA: "[{reference}] Resposta a la vostra sol·licitud",
    Language.ES: "[{reference}] Respuesta a su solicitud",
    Language.EN: "[{reference}] Reply to your request",
}
_EMAIL_FOOTER: Final = {
    Language.CA: "Si voleu afegir-hi res, responeu aquest correu sense canviar-ne l'assumpte.",
    Language.ES: "Si quiere añadir algo, responda a este correo sin cambiar el asunto.",
    Language.EN: "To add anything, reply to this email without changing its subject.",
}


class ReplyTemplate(BaseModel):
    """One of the city's ready answers, with its title and text in each language."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9-]{1,40}$")
    title: Names
    text: Names

    @model_validator(mode="after")
    def _known_placeholders(self) -> "ReplyTemplate":
        for language in Language:
            names = {name for _, name, _, _ in string.Formatter().parse(self.text.in_(language))}
            if not names - {None} <= PLACEHOLDERS:
                raise ValueError(f"template {self.id} has a placeholder the desk cannot fill")
        return self


class TemplateChoice(BaseModel):
    """A template as staff pick it: its text in one language, ``{reference}`` still open."""

    id: str
    title: str
    text: str


class ReplyTemplates(BaseModel):
    """Every template of the configuration folder."""

    model_config = ConfigDict(frozen=True)

    templates: tuple[ReplyTemplate, ...]

    @model_validator(mode="after")
    def _unique(self) -> "ReplyTemplates":
        if len({t.id for t in self.templates}) != len(self.templates):
            raise ValueError("template ids repeat")
        return self

    @cached_property
    def _by_id(self) -> dict[str, ReplyTemplate]:
        return {t.id: t for t in self.templates}

    def choices(self, language: Language) -> list[TemplateChoice]:
        """List the templates in one language, the city's name filled in.

        Parameters
        ----------
        language
            The language staff write in.

        Returns
        -------
        list[TemplateChoice]
            Each template's id, title and text, in the file's order.
        """
        return [
            TemplateChoice(
                id=t.id,
                title=t.title.in_(language),
                text=t.text.in_(language).replace("{city}", CITY[language]),
            )
            for t in self.templates
        ]

    def text(self, template_id: str, language: Language) -> str:
        """The text of one template in ``language``, placeholders still open.

        Raises
        ------
        ValidationFailed
            When no template has the id (on the field ``template``).
        """
        template = self._by_id.get(template_id)
        if template is None:
            raise ValidationFailed("is not one of the city's reply templates", field="template")
        return template.text.in_(language)

    @classmethod
    def load(cls, folder: Path) -> "ReplyTemplates":
        """Read ``reply_templates.json`` of the configuration folder."""
        data = json.loads((folder / TEMPLATES_FILE).read_text(encoding="utf-8"))
        return cls.model_validate({"templates": data["templates"]})


class Tariff(BaseModel):
    """What one SMS segment and one email cost, from the price list."""

    model_config = ConfigDict(frozen=True)

    sms_segment: float = Field(ge=0)
    email: float = Field(ge=0)

    @classmethod
    def load(cls, path: Path) -> "Tariff":
        """Read the SMS segment's and SES email's prices of ``prices.json``."""
        prices = json.loads(path.read_text(encoding="utf-8"))["prices"]
        sms, email = prices["sms_segment"], prices["ses_email"]
        return cls(
            sms_segment=float(sms["usd"]) / float(sms["per"]),
            email=float(email["usd"]) / float(email["per"]),
        )

    @classmethod
    def beside(cls, config_dir: Path) -> "Tariff":
        """The tariff of the ``prices.json`` that sits beside the configuration folder."""
        return cls.load(config_dir.parent / PRICES_FILE)


class ReplyPreview(BaseModel):
    """What a reply will read and cost: ``segments`` and ``encoding`` are for SMS only."""

    model_config = ConfigDict(frozen=True)

    text: str
    segments: int = Field(ge=0)
    encoding: Encoding | None
    cost_eur: float = Field(ge=0)


def filled(text: str, language: Language, reference: str | None) -> str:
    """Fill ``{city}`` and, when a reference is given, ``{reference}``; nothing else.

    Parameters
    ----------
    text
        A template's text or what staff wrote; any other braces are left as written.
    language
        The reply's language, which names the city.
    reference
        The request's reference, or ``None`` to leave ``{reference}`` open.

    Returns
    -------
    str
        The text with those placeholders replaced.
    """
    text = text.replace("{city}", CITY[language])
    return text.replace("{reference}", reference) if reference else text


def worded(text: str, channel: ReplyChannel) -> str:
    """The text as it travels: reworded for GSM-7 by SMS, as written by email."""
    return gsm_safe(text) if channel == "sms" else text


def preview(text: str, channel: ReplyChannel, tariff: Tariff) -> ReplyPreview:
    """Count what a reply costs on ``channel``, as the citizen will receive it.

    Parameters
    ----------
    text
        The reply, placeholders already filled.
    channel
        ``"sms"`` or ``"email"``.
    tariff
        The prices to count with.

    Returns
    -------
    ReplyPreview
        The text as it will be sent; for SMS its encoding, segments and their price,
        for email no segments and the price of one message.
    """
    sent = worded(text, channel)
    if channel == "email":
        return ReplyPreview(text=sent, segments=0, encoding=None, cost_eur=round(tariff.email, 6))
    cost = segments(sent)
    return ReplyPreview(
        text=sent,
        segments=cost.segments,
        encoding=cost.encoding,
        cost_eur=round(cost.segments * tariff.sms_segment, 6),
    )


def check_length(shown: ReplyPreview) -> None:
    """Refuse an SMS longer than :data:`MAX_SMS_SEGMENTS` segments (on the field ``text``)."""
    if shown.segments > MAX_SMS_SEGMENTS:
        raise ValidationFailed(
            f"is longer than {MAX_SMS_SEGMENTS} SMS segments; shorten it or answer by email",
            field="text",
        )


def email_subject(language: Language, reference: str) -> str:
    """The subject of a reply by email: the reference in brackets first, for threading."""
    return _SUBJECT[language].format(reference=reference)


def email_body(text: str, language: Language) -> str:
    """The body of a reply by email: the reply, then how to answer it."""
    return f"{text}\n\n{_EMAIL_FOOTER[language]}\n"
