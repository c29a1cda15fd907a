"""What must hold of contact points: one phone, email, document or handle is one key."""

import pytest
from pydantic import BaseModel, ValidationError

from finestra.domain.contacts import (
    DocumentId,
    Email,
    Phone,
    TaxId,
    normalise,
    normalise_document,
    normalise_email,
    normalise_phone,
    normalise_social,
    normalise_tax_id,
)
from finestra.domain.errors import ValidationFailed
from finestra.domain.vocabulary import ContactKind


@pytest.mark.parametrize(
    ("written", "e164"),
    [
        ("612 345 678", "+34612345678"),
        ("612345678", "+34612345678"),
        ("+34 612 345 678", "+34612345678"),
        ("+34612345678", "+34612345678"),
        ("0034 612 345 678", "+34612345678"),
        (" 612-34-56-78 ", "+34612345678"),
        ("93 402 70 00", "+34934027000"),
        ("+44 20 7946 0958", "+442079460958"),
        ("+33 6 12 34 56 78", "+33612345678"),
    ],
)
def test_a_phone_is_stored_in_e164_reading_numbers_without_a_country_code_as_spanish(
    written: str, e164: str
) -> None:
    # given a number as a citizen writes it

    # when it is normalised
    normalised = normalise_phone(written)

    # then it is the one E.164 form of that number
    assert normalised == e164


@pytest.mark.parametrize("written", ["12345", "+34 12", "abc", "", "+34 612 345 678 901"])
def test_a_string_that_is_no_valid_phone_number_is_refused_on_the_phone_field(
    written: str,
) -> None:
    # given something that is not a phone number

    # when it is normalised
    with pytest.raises(ValidationFailed) as caught:
        normalise_phone(written)

    # then the refusal names the phone field
    assert caught.value.field == "phone"


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("carmen.ortega@example.com", "carmen.ortega@example.com"),
        ("Carmen.Ortega@Example.COM", "carmen.ortega@example.com"),
        ("  nuria.ferrer@example.org \n", "nuria.ferrer@example.org"),
        ("JORDI+finestra@EXAMPLE.ORG", "jordi+finestra@example.org"),
    ],
)
def test_an_email_is_stored_trimmed_and_in_lower_case(written: str, normalised: str) -> None:
    # given an address as a citizen writes it

    # when it is normalised
    result = normalise_email(written)

    # then case and surrounding spaces no longer matter
    assert result == normalised


@pytest.mark.parametrize(
    "written",
    [
        "carmen.ortega",
        "a@b",
        "a b@example.org",
        "a@@example.org",
        "a@example..org",
        "a@-example.org",
        "carmen@example.org.",
        "@example.org",
        "x" * 65 + "@example.org",
        "x@" + "a" * 250 + ".org",
    ],
)
def test_a_string_shaped_unlike_an_email_address_is_refused_on_the_email_field(
    written: str,
) -> None:
    # given something that is not an email address

    # when it is normalised
    with pytest.raises(ValidationFailed) as caught:
        normalise_email(written)

    # then the refusal names the email field
    assert caught.value.field == "email"


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("12345678Z", "12345678Z"),
        ("12345678z", "12345678Z"),
        ("12.345.678-Z", "12345678Z"),
        ("00000000T", "00000000T"),
        ("X1234567L", "X1234567L"),
        ("y-1234567-x", "Y1234567X"),
        ("Z 1234567 R", "Z1234567R"),
    ],
)
def test_a_dni_or_nie_with_its_right_check_letter_is_kept_in_upper_case_without_separators(
    written: str, normalised: str
) -> None:
    # given a DNI or NIE whose check letter matches its digits

    # when it is normalised
    result = normalise_document(written)

    # then it is accepted in one canonical form
    assert result == normalised


@pytest.mark.parametrize("written", ["12345678A", "00000000R", "X1234567A", "Z1234567L"])
def test_a_dni_or_nie_with_a_wrong_check_letter_is_refused_naming_the_check_letter(
    written: str,
) -> None:
    # given a document id whose check letter does not match its digits

    # when it is normalised
    with pytest.raises(ValidationFailed) as caught:
        normalise_document(written)

    # then the refusal names the document field and the broken rule
    assert caught.value.field == "document_id"
    assert "check letter" in caught.value.message


@pytest.mark.parametrize("written", ["1234567Z", "W1234567Z", "X12345678L", "ABCDEFGHZ", ""])
def test_a_string_shaped_unlike_a_dni_or_nie_is_refused_on_the_document_field(
    written: str,
) -> None:
    # given something that is neither a DNI nor a NIE

    # when it is normalised
    with pytest.raises(ValidationFailed) as caught:
        normalise_document(written)

    # then the refusal names the document field
    assert caught.value.field == "document_id"
    assert "check letter" not in caught.value.message


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        # A and B take a digit as control character.
        ("A58818501", "A58818501"),
        ("b-65410011", "B65410011"),
        # P and Q (public bodies) take a letter.
        ("Q2826000H", "Q2826000H"),
        ("P0801900B", "P0801900B"),
        # G and J take either.
        ("G12345674", "G12345674"),
        ("G1234567D", "G1234567D"),
        ("N0000000J", "N0000000J"),
    ],
)
def test_a_company_tax_id_with_the_right_control_character_of_its_kind_is_accepted(
    written: str, normalised: str
) -> None:
    # given a CIF whose control character is right for its letter

    # when it is normalised
    result = normalise_tax_id(written)

    # then it is accepted in upper case without separators
    assert result == normalised


@pytest.mark.parametrize(
    "written",
    [
        # The right check digit, written as the letter a digit-kind CIF may not use.
        "A5881850A",
        # The right check letter, written as the digit a letter-kind CIF may not use.
        "Q28260008",
        "P08019002",
        # A wrong control character, in either form.
        "A58818502",
        "Q2826000A",
        "G12345678",
        "G1234567E",
    ],
)
def test_a_company_tax_id_with_a_wrong_control_character_is_refused_naming_it(
    written: str,
) -> None:
    # given a CIF whose control character is wrong, or in the wrong form for its letter

    # when it is normalised
    with pytest.raises(ValidationFailed) as caught:
        normalise_tax_id(written)

    # then the refusal names the tax id field and the broken rule
    assert caught.value.field == "tax_id"
    assert "control character" in caught.value.message


@pytest.mark.parametrize("written", ["I1234567A", "A123", "12345678Z", "A588185011", ""])
def test_a_string_shaped_unlike_a_company_tax_id_is_refused_on_the_tax_id_field(
    written: str,
) -> None:
    # given something that is no CIF at all

    # when it is normalised
    with pytest.raises(ValidationFailed) as caught:
        normalise_tax_id(written)

    # then the refusal names the tax id field
    assert caught.value.field == "tax_id"


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("facebook:123", "facebook:123"),
        ("Facebook:1234567890", "facebook:1234567890"),
        ("instagram:@bcn_city", "instagram:bcn_city"),
        ("twitter:@Ajuntament.BCN", "twitter:Ajuntament.BCN"),
        ("  facebook:123  ", "facebook:123"),
    ],
)
def test_a_social_handle_is_stored_as_platform_and_handle_without_the_at_sign(
    written: str, normalised: str
) -> None:
    # given a handle as a channel reports it

    # when it is normalised
    result = normalise_social(written)

    # then the platform is in lower case and the handle keeps no leading @
    assert result == normalised


@pytest.mark.parametrize(
    "written",
    ["facebook123", "facebook:", ":123", "f:123", "instagram: bcn", "facebook:a b", "x:y:z"],
)
def test_a_string_shaped_unlike_a_social_handle_is_refused_on_the_social_field(
    written: str,
) -> None:
    # given something that is not platform:handle

    # when it is normalised
    with pytest.raises(ValidationFailed) as caught:
        normalise_social(written)

    # then the refusal names the social field
    assert caught.value.field == "social"


@pytest.mark.parametrize(
    ("kind", "written", "normalised"),
    [
        (ContactKind.PHONE, "612 345 678", "+34612345678"),
        (ContactKind.EMAIL, "Carmen.Ortega@Example.com", "carmen.ortega@example.com"),
        (ContactKind.DOCUMENT, "x1234567l", "X1234567L"),
        (ContactKind.SOCIAL, "Facebook:@123", "facebook:123"),
    ],
)
def test_normalise_applies_the_rules_of_the_kind_it_is_given(
    kind: ContactKind, written: str, normalised: str
) -> None:
    # given a value of one contact kind

    # when it is normalised by kind
    result = normalise(kind, written)

    # then the rules of that kind apply
    assert result == normalised


class WithPhone(BaseModel):
    value: Phone


class WithEmail(BaseModel):
    value: Email


class WithDocument(BaseModel):
    value: DocumentId


class WithTaxId(BaseModel):
    value: TaxId


@pytest.mark.parametrize(
    ("model", "written", "normalised"),
    [
        (WithPhone, "612 345 678", "+34612345678"),
        (WithEmail, " Carmen.Ortega@Example.com", "carmen.ortega@example.com"),
        (WithDocument, "12.345.678-z", "12345678Z"),
        (WithTaxId, "a-58818501", "A58818501"),
    ],
)
def test_a_pydantic_contact_field_holds_the_normalised_value(
    model: type[BaseModel], written: str, normalised: str
) -> None:
    # given a model with a contact field

    # when a valid value is validated
    validated = model.model_validate({"value": written})

    # then the field holds its normalised form
    assert validated.model_dump() == {"value": normalised}


@pytest.mark.parametrize(
    ("model", "written", "rule"),
    [
        (WithPhone, "+34 612", "phone_number"),
        (WithPhone, "call me on 612", "phone_number"),
        (WithEmail, "carmen.ortega.example.com", "email_address"),
        (WithDocument, "12345678A", "document_id"),
        (WithDocument, "X9999999Q", "document_id"),
        (WithTaxId, "A58818509", "tax_id"),
    ],
)
def test_a_pydantic_contact_field_names_its_rule_and_never_the_input(
    model: type[BaseModel], written: str, rule: str
) -> None:
    # given a model with a contact field

    # when an invalid value is validated
    with pytest.raises(ValidationError) as caught:
        model.model_validate({"value": written})

    # then the one error is the named rule on that field, and carries nothing of the input
    errors = caught.value.errors(include_input=False)
    assert [(error["type"], error["loc"]) for error in errors] == [(rule, ("value",))]
    assert "input" not in errors[0]
    assert written not in repr(errors)
    assert written.strip() not in errors[0]["msg"]
