"""Contact points: normalised so that one phone, email or document is one key."""

import re
from collections.abc import Callable
from typing import Annotated

import phonenumbers
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from finestra.domain.errors import ValidationFailed
from finestra.domain.vocabulary import ContactKind

_EMAIL = re.compile(
    r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+$"
)
_DNI = re.compile(r"^(\d{8})([A-Z])$")
_NIE = re.compile(r"^([XYZ])(\d{7})([A-Z])$")
_CIF = re.compile(r"^([ABCDEFGHJNPQRSUVW])(\d{7})([0-9A-J])$")
_SOCIAL = re.compile(r"^([a-z]{2,20}):([A-Za-z0-9._-]{1,100})$")
_CHECK_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
_CIF_LETTERS = "JABCDEFGHI"


def normalise_phone(value: str, default_region: str = "ES") -> str:
    """Return ``value`` in E.164, reading numbers without a country code as Spanish."""
    try:
        number = phonenumbers.parse(value, default_region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationFailed("is not a phone number", field="phone") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationFailed("is not a valid phone number", field="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(value: str) -> str:
    """Return ``value`` trimmed and in lower case, after a syntax check."""
    cleaned = value.strip().lower()
    if len(cleaned) > 254 or not _EMAIL.match(cleaned):
        raise ValidationFailed("is not an email address", field="email")
    return cleaned


def normalise_document(value: str) -> str:
    """Return a DNI or NIE in upper case without separators, after its check letter."""
    cleaned = re.sub(r"[\s.-]", "", value).upper()
    if match := _DNI.match(cleaned):
        digits, letter = match.groups()
    elif match := _NIE.match(cleaned):
        prefix, rest, letter = match.groups()
        digits = str("XYZ".index(prefix)) + rest
    else:
        raise ValidationFailed("is not a DNI or NIE", field="document_id")
    if _CHECK_LETTERS[int(digits) % 23] != letter:
        raise ValidationFailed("has a wrong check letter", field="document_id")
    return cleaned


def normalise_tax_id(value: str) -> str:
    """Return a company tax id (CIF/NIF of a legal entity) after its control character."""
    cleaned = re.sub(r"[\s.-]", "", value).upper()
    match = _CIF.match(cleaned)
    if not match:
        raise ValidationFailed("is not a company tax id", field="tax_id")
    letter, digits, control = match.groups()
    odd = sum(sum(divmod(int(d) * 2, 10)) for d in digits[0::2])
    even = sum(int(d) for d in digits[1::2])
    check = (10 - (odd + even) % 10) % 10
    allowed = {str(check), _CIF_LETTERS[check]}
    if letter in "PQRSNW":
        allowed = {_CIF_LETTERS[check]}
    elif letter in "ABEH":
        allowed = {str(check)}
    if control not in allowed:
        raise ValidationFailed("has a wrong control character", field="tax_id")
    return cleaned


def normalise_social(value: str) -> str:
    """Return a social handle as ``platform:handle``, platform in lower case."""
    cleaned = value.strip()
    platform, _, handle = cleaned.partition(":")
    candidate = f"{platform.lower()}:{handle.lstrip('@')}"
    if not _SOCIAL.match(candidate):
        raise ValidationFailed("is not a social handle such as 'facebook:12345'", field="social")
    return candidate


_NORMALISERS = {
    ContactKind.PHONE: normalise_phone,
    ContactKind.EMAIL: normalise_email,
    ContactKind.DOCUMENT: normalise_document,
    ContactKind.SOCIAL: normalise_social,
}


def normalise(kind: ContactKind, value: str) -> str:
    """Normalise ``value`` by the rules of its ``kind``."""
    return _NORMALISERS[kind](value)


def as_field_rule(normaliser: Callable[[str], str], rule: str) -> Callable[[str], str]:
    """``normaliser`` for a pydantic field: a refusal becomes the named ``rule`` of that field."""

    def validate(value: str) -> str:
        try:
            return normaliser(value)
        except ValidationFailed as exc:
            raise PydanticCustomError(rule, exc.message) from None

    return validate


Phone = Annotated[str, AfterValidator(as_field_rule(normalise_phone, "phone_number"))]
Email = Annotated[str, AfterValidator(as_field_rule(normalise_email, "email_address"))]
DocumentId = Annotated[str, AfterValidator(as_field_rule(normalise_document, "document_id"))]
TaxId = Annotated[str, AfterValidator(as_field_rule(normalise_tax_id, "tax_id"))]
