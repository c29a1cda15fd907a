"""What the city tells a citizen when a request is routed, or joined to an earlier one.

Every text is in the citizen's language and names the request only by its reference:
no name, no address, nothing the citizen wrote. An SMS is worded for GSM-7 and one
segment: it leaves out the theme's name when the tracking address would not fit beside
it, and the tracking address when that would not fit even alone. An email's subject
starts with the reference in brackets, so a reply finds its request.
"""

from datetime import date
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict

from finestra.domain.request import REFERENCE
from finestra.domain.sms_text import GSM7_SINGLE_SEGMENT, SmsCost, gsm_safe, segments
from finestra.domain.vocabulary import Language

AcknowledgementChannel = Literal["sms", "email"]

CITY: Final = {
    Language.CA: "Ajuntament de Barcelona",
    Language.ES: "Ayuntamiento de Barcelona",
    Language.EN: "Barcelona City Council",
}

MONTHS_EN: Final = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

# SMS wording: no á, í, ó, ú, ç, ï or · (è, é, à, ò, ñ and ü are GSM-7).
_SMS_RECEIVED: Final = {
    Language.CA: "{city}: hem rebut el missatge{about}. Ref. {reference}. "
    "Resposta prevista: {expected}.",
    Language.ES: "{city}: hemos recibido su mensaje{about}. Ref. {reference}. "
    "Respuesta prevista: {expected}.",
    Language.EN: "{city}: message received{about}. Ref. {reference}. Reply expected by {expected}.",
}
_SMS_ABOUT: Final = {
    Language.CA: " sobre {theme}",
    Language.ES: " sobre {theme}",
    Language.EN: " about {theme}",
}
_SMS_TRACKING: Final = {
    Language.CA: " Seguiment: {url}",
    Language.ES: " Seguimiento: {url}",
    Language.EN: " Track it: {url}",
}
_SMS_DUPLICATE: Final = {
    Language.CA: "{city}: ja coneixem aquest problema i hi estem treballant. "
    "El vostre missatge {reference} s'ha afegit a {existing}.",
    Language.ES: "{city}: ya conocemos este problema y estamos trabajando en él. "
    "Su mensaje {reference} se ha unido a {existing}.",
    Language.EN: "{city}: we already know about this problem and are working on it. "
    "Your message {reference} has been added to {existing}.",
}

_EMAIL_RECEIVED_SUBJECT: Final = {
    Language.CA: "[{reference}] Hem rebut la vostra sol·licitud{about}",
    Language.ES: "[{reference}] Hemos recibido su solicitud{about}",
    Language.EN: "[{reference}] We have received your request{about}",
}
_EMAIL_ABOUT: Final = {Language.CA: ": {theme}", Language.ES: ": {theme}", Language.EN: ": {theme}"}
_EMAIL_RECEIVED: Final = {
    Language.CA: (
        "Bon dia,\n\n"
        "Hem rebut la vostra sol·licitud{about} i l'hem passada a l'equip responsable.\n\n"
        "Referència: {reference}\n"
        "Resposta prevista: {expected}\n"
        "{tracking}\n"
        "Si voleu afegir-hi res, responeu aquest correu sense canviar-ne l'assumpte.\n\n"
        "{city}\n"
    ),
    Language.ES: (
        "Buenos días:\n\n"
        "Hemos recibido su solicitud{about} y la hemos pasado al equipo responsable.\n\n"
        "Referencia: {reference}\n"
        "Respuesta prevista: {expected}\n"
        "{tracking}\n"
        "Si quiere añadir algo, responda a este correo sin cambiar el asunto.\n\n"
        "{city}\n"
    ),
    Language.EN: (
        "Hello,\n\n"
        "We have received your request{about} and passed it to the team responsible.\n\n"
        "Reference: {reference}\n"
        "Expected reply by: {expected}\n"
        "{tracking}\n"
        "To add anything, reply to this email without changing its subject.\n\n"
        "{city}\n"
    ),
}
_EMAIL_BODY_ABOUT: Final = {
    Language.CA: " sobre «{theme}»",
    Language.ES: " sobre «{theme}»",
    Language.EN: ' about "{theme}"',
}
_EMAIL_TRACKING: Final = {
    Language.CA: "\nPodeu seguir-ne l'estat a {url}\n",
    Language.ES: "\nPuede seguir su estado en {url}\n",
    Language.EN: "\nYou can follow it at {url}\n",
}
_EMAIL_DUPLICATE_SUBJECT: Final = {
    Language.CA: "[{reference}] Ja coneixem aquest problema",
    Language.ES: "[{reference}] Ya conocemos este problema",
    Language.EN: "[{reference}] We already know about this problem",
}
_EMAIL_DUPLICATE: Final = {
    Language.CA: (
        "Bon dia,\n\n"
        "Gràcies per avisar-nos. Ja coneixem aquest problema i hi estem treballant amb la "
        "referència {existing}.\n\n"
        "Hem afegit el vostre missatge ({reference}) a aquesta sol·licitud, perquè l'equip "
        "responsable el tingui en compte.\n\n"
        "{city}\n"
    ),
    Language.ES: (
        "Buenos días:\n\n"
        "Gracias por avisarnos. Ya conocemos este problema y estamos trabajando en él con la "
        "referencia {existing}.\n\n"
        "Hemos añadido su mensaje ({reference}) a esa solicitud para que el equipo "
        "responsable lo tenga en cuenta.\n\n"
        "{city}\n"
    ),
    Language.EN: (
        "Hello,\n\n"
        "Thank you for letting us know. We already know about this problem and are working "
        "on it under reference {existing}.\n\n"
        "We have added your message ({reference}) to that request, so the team responsible "
        "takes it into account.\n\n"
        "{city}\n"
    ),
}


class Acknowledgement(BaseModel):
    """A message for the citizen: the subject (email only), the text, and an SMS's cost."""

    model_config = ConfigDict(frozen=True)

    subject: str | None
    text: str
    cost: SmsCost | None


def acknowledgement(  # noqa: PLR0917 - every part of the message, in the order it reads
    language: Language,
    channel: AcknowledgementChannel,
    reference: str,
    expected_by: date,
    theme_name: str | None,
    tracking_url: str | None,
) -> Acknowledgement:
    """Word the message that tells a citizen their request was received and routed.

    Parameters
    ----------
    language
        The citizen's language.
    channel
        ``"sms"`` or ``"email"``.
    reference
        The request's reference (``BCN-2026-000123``).
    expected_by
        The date the city expects to answer by.
    theme_name
        The theme's name in ``language``, if any; an SMS leaves it out when it would
        not fit.
    tracking_url
        Where the citizen can follow the request, if anywhere; an SMS leaves it out
        when it would not fit.

    Returns
    -------
    Acknowledgement
        For SMS, a GSM-7 text of one segment and its cost; for email, a subject that
        starts ``[<reference>]`` and a plain-text body.

    Raises
    ------
    ValueError
        When ``reference`` is not a request reference.
    """
    _check_reference(reference)
    expected = format_date(expected_by, language)
    if channel == "sms":
        return _sms_received(language, reference, expected, theme_name, tracking_url)
    about = _EMAIL_ABOUT[language].format(theme=theme_name) if theme_name else ""
    body_about = _EMAIL_BODY_ABOUT[language].format(theme=theme_name) if theme_name else ""
    tracking = _EMAIL_TRACKING[language].format(url=tracking_url) if tracking_url else ""
    return Acknowledgement(
        subject=_EMAIL_RECEIVED_SUBJECT[language].format(reference=reference, about=about),
        text=_EMAIL_RECEIVED[language].format(
            city=CITY[language],
            about=body_about,
            reference=reference,
            expected=expected,
            tracking=tracking,
        ),
        cost=None,
    )


def duplicate_notice(
    language: Language,
    channel: AcknowledgementChannel,
    reference: str,
    existing_reference: str,
) -> Acknowledgement:
    """Word the message that tells a citizen their report joined an existing request.

    Parameters
    ----------
    language
        The citizen's language.
    channel
        ``"sms"`` or ``"email"``.
    reference
        The reference the citizen's own message was given.
    existing_reference
        The reference of the request it was joined to.

    Returns
    -------
    Acknowledgement
        For SMS, a GSM-7 text of one segment and its cost; for email, a subject that
        starts ``[<reference>]`` (the citizen's own, so a reply threads onto it) and a
        plain-text body naming both references.

    Raises
    ------
    ValueError
        When either reference is not a request reference.
    """
    _check_reference(reference)
    _check_reference(existing_reference)
    fields = {"city": CITY[language], "reference": reference, "existing": existing_reference}
    if channel == "sms":
        text = _SMS_DUPLICATE[language].format(**fields)
        return Acknowledgement(subject=None, text=text, cost=segments(text))
    return Acknowledgement(
        subject=_EMAIL_DUPLICATE_SUBJECT[language].format(reference=reference),
        text=_EMAIL_DUPLICATE[language].format(**fields),
        cost=None,
    )


def format_date(day: date, language: Language) -> str:
    """Write a date as the citizen's language does.

    Parameters
    ----------
    day
        The date.
    language
        The citizen's language.

    Returns
    -------
    str
        ``14/03/2026`` in Catalan and Spanish, ``14 March 2026`` in English.
    """
    if language is Language.EN:
        return f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def _sms_received(
    language: Language,
    reference: str,
    expected: str,
    theme_name: str | None,
    tracking_url: str | None,
) -> Acknowledgement:
    """The fullest SMS that fits one GSM-7 segment: without the theme, then the address."""
    about = _SMS_ABOUT[language].format(theme=gsm_safe(theme_name)) if theme_name else ""
    tracking = _SMS_TRACKING[language].format(url=tracking_url) if tracking_url else ""
    template = _SMS_RECEIVED[language]
    text = ""
    for with_about, with_tracking in ((about, tracking), ("", tracking), (about, ""), ("", "")):
        text = template.format(
            city=CITY[language], about=with_about, reference=reference, expected=expected
        )
        text += with_tracking
        cost = segments(text)
        if cost.encoding == "GSM-7" and cost.characters <= GSM7_SINGLE_SEGMENT:
            return Acknowledgement(subject=None, text=text, cost=cost)
    return Acknowledgement(subject=None, text=text, cost=segments(text))


def _check_reference(reference: str) -> None:
    if not REFERENCE.fullmatch(reference):
        raise ValueError("a reference is written like BCN-2026-000123")
