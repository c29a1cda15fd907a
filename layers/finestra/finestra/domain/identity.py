"""Recognising a citizen across channels by keyed hashes of their contact points."""

import base64
import hashlib
import hmac
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from finestra.domain.citizen import Citizen, ContactPoint
from finestra.domain.vocabulary import ContactKind


class ContactVault:
    """Keyed hashes and sealed copies of contact points, under the city's secret.

    The hash (HMAC-SHA256) stands for a contact point in keys, so a lookup needs no
    clear value; the sealed copy (AES-256-GCM) lets staff read it and the city write
    to it. Both keys are derived from one secret, so a table dump reveals neither.
    """

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 32:
            raise ValueError("the contact-point secret must be at least 32 bytes")
        self._hash_key = hmac.new(secret, b"finestra/contact-hash/v1", hashlib.sha256).digest()
        seal_key = hmac.new(secret, b"finestra/contact-seal/v1", hashlib.sha256).digest()
        self._aead = AESGCM(seal_key)

    def digest(self, kind: ContactKind, value: str) -> str:
        """The keyed hash that stands for ``value`` in keys and indexes."""
        message = f"{kind.value}:{value}".encode()
        return hmac.new(self._hash_key, message, hashlib.sha256).hexdigest()

    def keyed(self, purpose: str, value: str) -> str:
        """A keyed hash of ``value`` for ``purpose`` (a name index, a signed cursor).

        Each purpose has a key of its own, derived from the hash key, so a hash made
        for one purpose never matches one made for another or a contact point's.
        """
        key = hmac.new(self._hash_key, f"finestra/{purpose}/v1".encode(), hashlib.sha256)
        return hmac.new(key.digest(), value.encode(), hashlib.sha256).hexdigest()

    def seal(self, kind: ContactKind, value: str) -> str:
        """``value`` encrypted and authenticated, bound to its ``kind``."""
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, value.encode(), kind.value.encode())
        return "v1:" + base64.b64encode(nonce + sealed).decode()

    def unseal(self, kind: ContactKind, sealed: str) -> str:
        """The clear value of a sealed contact point."""
        version, _, payload = sealed.partition(":")
        if version != "v1":
            raise ValueError("unknown sealed contact-point version")
        raw = base64.b64decode(payload)
        return self._aead.decrypt(raw[:12], raw[12:], kind.value.encode()).decode()


@dataclass(frozen=True)
class Match:
    """A contact point of a message that is already known."""

    point: ContactPoint
    citizen_id: str
    verified: bool


@dataclass
class Resolution:
    """Who sent a message, and what the store must learn from it."""

    citizen: Citizen
    is_new: bool
    new_points: list[ContactPoint] = field(default_factory=list)
    possible_duplicate_of: set[str] = field(default_factory=set)


def choose_citizen(points: Sequence[ContactPoint], matches: Sequence[Match]) -> str | None:
    """Pick the citizen a message belongs to, never joining two on an unverified point.

    A verified match wins; otherwise the match on the first point (the channel's own:
    the number that sent the SMS, the address that sent the email) wins; otherwise the
    first match in the order the points were given.
    """
    if not matches:
        return None
    verified = [m for m in matches if m.verified]
    if verified:
        return verified[0].citizen_id
    for point in points:
        for match in matches:
            if match.point == point:
                return match.citizen_id
    return matches[0].citizen_id
