"""What must hold of recognising a citizen: keyed hashes, sealed copies, and who wins."""

import base64
from collections.abc import Sequence

import pytest
from cryptography.exceptions import InvalidTag

from finestra.domain.citizen import ContactPoint
from finestra.domain.identity import ContactVault, Match, choose_citizen
from finestra.domain.vocabulary import ContactKind, InputChannel

SECRET = b"test-only-contact-point-secret-0123456789abcdef"
OTHER_SECRET = b"another-city-contact-point-secret-0123456789abc"
PHONE = "+34612345678"
EMAIL = "nuria.ferrer@example.org"

SMS_SENDER = ContactPoint(kind=ContactKind.PHONE, value=PHONE, first_seen_on=InputChannel.SMS)
MAIL_SENDER = ContactPoint(kind=ContactKind.EMAIL, value=EMAIL, first_seen_on=InputChannel.EMAIL)
DOCUMENT = ContactPoint(kind=ContactKind.DOCUMENT, value="12345678Z")


@pytest.fixture
def vault() -> ContactVault:
    return ContactVault(SECRET)


@pytest.mark.parametrize(
    ("kind", "value"), [(ContactKind.PHONE, PHONE), (ContactKind.EMAIL, EMAIL)]
)
def test_a_digest_is_the_same_every_time_and_under_every_vault_of_one_secret(
    vault: ContactVault, kind: ContactKind, value: str
) -> None:
    # given a contact point digested once

    # when it is digested again, by a vault built afresh from the same secret
    again = ContactVault(SECRET).digest(kind, value)

    # then the digest is the same 64-hex-digit key
    assert again == vault.digest(kind, value)
    assert len(again) == 64
    assert set(again) <= set("0123456789abcdef")


def test_the_same_value_under_two_kinds_has_two_digests(vault: ContactVault) -> None:
    # given one string that could be read as two kinds of contact point
    value = "facebook:612345678"

    # when it is digested under each kind
    digests = {kind: vault.digest(kind, value) for kind in ContactKind}

    # then every kind gives a digest of its own
    assert len(set(digests.values())) == len(ContactKind)


def test_a_digest_under_another_secret_differs(vault: ContactVault) -> None:
    # given a vault of another secret
    other = ContactVault(OTHER_SECRET)

    # when the same contact point is digested by both
    mine, theirs = vault.digest(ContactKind.PHONE, PHONE), other.digest(ContactKind.PHONE, PHONE)

    # then the digests differ, so a dump is no lookup table without the secret
    assert mine != theirs


@pytest.mark.parametrize(
    ("kind", "value"),
    [(ContactKind.PHONE, PHONE), (ContactKind.EMAIL, EMAIL), (ContactKind.DOCUMENT, "12345678Z")],
)
def test_a_digest_or_sealed_copy_never_contains_the_value(
    vault: ContactVault, kind: ContactKind, value: str
) -> None:
    # given a contact point

    # when it is digested and sealed
    digest, sealed = vault.digest(kind, value), vault.seal(kind, value)

    # then neither carries the clear value, in text or in the sealed bytes
    raw = base64.b64decode(sealed.removeprefix("v1:"))
    assert value not in digest
    assert value not in sealed
    assert value.encode() not in raw
    assert value.lstrip("+").encode() not in raw


@pytest.mark.parametrize(
    ("kind", "value"),
    [(ContactKind.PHONE, PHONE), (ContactKind.EMAIL, EMAIL), (ContactKind.SOCIAL, "x:ñandú")],
)
def test_a_sealed_value_unseals_to_the_value(
    vault: ContactVault, kind: ContactKind, value: str
) -> None:
    # given a sealed contact point
    sealed = vault.seal(kind, value)

    # when it is unsealed by a vault of the same secret
    clear = ContactVault(SECRET).unseal(kind, sealed)

    # then the value comes back unchanged
    assert clear == value


def test_sealing_the_same_value_twice_gives_two_different_sealed_copies(
    vault: ContactVault,
) -> None:
    # given one contact point

    # when it is sealed several times
    sealed = {vault.seal(ContactKind.PHONE, PHONE) for _ in range(5)}

    # then every copy differs (a fresh nonce each time), and each unseals
    assert len(sealed) == 5
    assert {vault.unseal(ContactKind.PHONE, copy) for copy in sealed} == {PHONE}


def test_a_tampered_sealed_value_fails_to_unseal(vault: ContactVault) -> None:
    # given a sealed copy with one bit of its ciphertext flipped
    raw = bytearray(base64.b64decode(vault.seal(ContactKind.PHONE, PHONE).removeprefix("v1:")))
    raw[14] ^= 0x01
    tampered = "v1:" + base64.b64encode(bytes(raw)).decode()

    # when it is unsealed, then the authentication tag refuses it
    with pytest.raises(InvalidTag):
        vault.unseal(ContactKind.PHONE, tampered)


def test_a_value_sealed_under_one_kind_fails_to_unseal_as_another(vault: ContactVault) -> None:
    # given a phone number sealed as a phone
    sealed = vault.seal(ContactKind.PHONE, PHONE)

    # when it is unsealed as an email, then it is refused: a sealed copy is bound to its kind
    with pytest.raises(InvalidTag):
        vault.unseal(ContactKind.EMAIL, sealed)


def test_a_value_sealed_under_another_secret_fails_to_unseal(vault: ContactVault) -> None:
    # given a copy sealed by another city's vault
    sealed = ContactVault(OTHER_SECRET).seal(ContactKind.PHONE, PHONE)

    # when this vault unseals it, then it is refused
    with pytest.raises(InvalidTag):
        vault.unseal(ContactKind.PHONE, sealed)


def test_a_sealed_value_of_an_unknown_version_is_refused(vault: ContactVault) -> None:
    # given a sealed copy under a version this vault does not know
    sealed = "v2:" + vault.seal(ContactKind.PHONE, PHONE).removeprefix("v1:")

    # when it is unsealed, then the version is what is refused
    with pytest.raises(ValueError, match="version"):
        vault.unseal(ContactKind.PHONE, sealed)


@pytest.mark.parametrize("secret", [b"", b"short", b"x" * 31])
def test_a_secret_shorter_than_32_bytes_is_refused(secret: bytes) -> None:
    # given a secret too short to key the hash and the seal

    # when a vault is built on it, then the secret is refused
    with pytest.raises(ValueError, match="32 bytes"):
        ContactVault(secret)


def test_a_secret_of_32_bytes_is_enough() -> None:
    # given a secret of exactly 32 bytes

    # when a vault is built on it
    vault = ContactVault(b"x" * 32)

    # then it seals and unseals
    assert vault.unseal(ContactKind.EMAIL, vault.seal(ContactKind.EMAIL, EMAIL)) == EMAIL


def test_a_message_whose_points_match_nobody_belongs_to_no_known_citizen() -> None:
    # given contact points no citizen has

    # when the citizen is chosen
    chosen = choose_citizen([SMS_SENDER, MAIL_SENDER], [])

    # then there is none
    assert chosen is None


@pytest.mark.parametrize(
    "matches",
    [
        [Match(SMS_SENDER, "cit_unverified", False), Match(MAIL_SENDER, "cit_verified", True)],
        [Match(MAIL_SENDER, "cit_verified", True), Match(SMS_SENDER, "cit_unverified", False)],
    ],
)
def test_a_verified_match_wins_over_an_unverified_one_even_on_the_channel_own_point(
    matches: list[Match],
) -> None:
    # given the sender's own number unverified for one citizen, an email verified for another

    # when the citizen is chosen
    chosen = choose_citizen([SMS_SENDER, MAIL_SENDER], matches)

    # then the verified match wins, whatever the order
    assert chosen == "cit_verified"


def test_without_a_verified_match_the_channel_own_point_wins() -> None:
    # given an SMS whose text also gives an email, both known for different citizens,
    # the email's match found first
    points = [SMS_SENDER, MAIL_SENDER]
    matches = [Match(MAIL_SENDER, "cit_by_email", False), Match(SMS_SENDER, "cit_by_phone", False)]

    # when the citizen is chosen
    chosen = choose_citizen(points, matches)

    # then the citizen of the number that sent the SMS wins
    assert chosen == "cit_by_phone"


def test_without_a_match_on_the_channel_own_point_the_next_point_in_order_wins() -> None:
    # given a message whose own point is unknown, and two later points known
    points = [SMS_SENDER, MAIL_SENDER, DOCUMENT]
    matches = [Match(DOCUMENT, "cit_by_document", False), Match(MAIL_SENDER, "cit_by_email", False)]

    # when the citizen is chosen
    chosen = choose_citizen(points, matches)

    # then the points are tried in the order the message gave them
    assert chosen == "cit_by_email"


@pytest.mark.parametrize(
    ("points", "matches"),
    [
        ([SMS_SENDER], [Match(SMS_SENDER, "cit_a", False)]),
        ([SMS_SENDER, MAIL_SENDER], [Match(MAIL_SENDER, "cit_b", False)]),
        ([MAIL_SENDER], [Match(DOCUMENT, "cit_c", False)]),
        ([], [Match(SMS_SENDER, "cit_d", False), Match(MAIL_SENDER, "cit_e", False)]),
        (
            [SMS_SENDER, MAIL_SENDER],
            [Match(SMS_SENDER, "cit_f", True), Match(MAIL_SENDER, "cit_g", True)],
        ),
    ],
)
def test_the_chosen_citizen_is_always_one_of_the_matches(
    points: Sequence[ContactPoint], matches: Sequence[Match]
) -> None:
    # given any points and at least one match

    # when the citizen is chosen
    chosen = choose_citizen(points, matches)

    # then it is one of the citizens the matches found
    assert chosen in {match.citizen_id for match in matches}
