"""Signed, expiring, one-use links an external body follows to answer a conversation.

A token is ``<payload>.<signature>``: the payload names the request, the conversation,
a nonce and the expiry (epoch seconds), base64url-encoded; the signature is an
HMAC-SHA256 of the payload under the link key of the external bodies' secret, compared
in constant time. The token proves who may answer and until when; the nonce makes it
one-use, since the conversation stores the nonce of its open link and the answer's
write removes it on the condition that it is still there.
"""

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Final

from pydantic import BaseModel, ConfigDict, ValidationError

from finestra.domain.errors import Forbidden
from finestra.domain.ids import new_id

__all__ = ["LINK_DAYS", "LinkClaims", "LinkExpired", "ReplyLinks"]

LINK_DAYS: Final = 14
"""How long a reply link works."""

_MIN_KEY_BYTES: Final = 16


class LinkClaims(BaseModel):
    """What a valid token says."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reference: str
    conversation_id: str
    nonce: str
    expires_at: int


class LinkExpired(Forbidden):
    """The link was the city's, but its time is over."""

    code = "link_expired"


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class ReplyLinks:
    """Issues and verifies reply tokens.

    Parameters
    ----------
    key
        The link key of the external bodies' secret (at least 16 bytes).
    clock
        Stamps expiries and judges them.
    lifetime
        How long a link works.
    """

    def __init__(
        self,
        key: bytes,
        clock: Callable[[], datetime],
        *,
        lifetime: timedelta = timedelta(days=LINK_DAYS),
    ) -> None:
        if len(key) < _MIN_KEY_BYTES:
            raise ValueError("a link key has at least 16 bytes")
        self._key = key
        self._clock = clock
        self._lifetime = lifetime

    def issue(self, reference: str, conversation_id: str) -> tuple[str, LinkClaims]:
        """A fresh token for one answer to ``conversation_id``, and what it says."""
        claims = LinkClaims(
            reference=reference,
            conversation_id=conversation_id,
            nonce=new_id("lnk"),
            expires_at=int((self._clock() + self._lifetime).timestamp()),
        )
        payload = _encode(json.dumps(claims.model_dump(), separators=(",", ":")).encode())
        return f"{payload}.{self._sign(payload)}", claims

    def verify(self, token: str) -> LinkClaims:
        """What ``token`` says, if the city signed it and it has not expired.

        Raises
        ------
        Forbidden
            When the token is malformed or its signature is not the city's.
        LinkExpired
            When the token is genuine but expired.
        """
        payload, dot, signature = token.partition(".")
        if not dot or not payload or len(token) > 1000:
            raise Forbidden("this reply link is not valid")
        if not hmac.compare_digest(self._sign(payload), signature):
            raise Forbidden("this reply link is not valid")
        try:
            claims = LinkClaims.model_validate(json.loads(_decode(payload)))
        except (ValueError, binascii.Error, ValidationError) as exc:
            raise Forbidden("this reply link is not valid") from exc
        if claims.expires_at <= int(self._clock().timestamp()):
            raise LinkExpired("this reply link has expired; ask the city for a new one")
        return claims

    def expiry(self, claims: LinkClaims) -> datetime:
        """When the link of ``claims`` stops working."""
        return datetime.fromtimestamp(claims.expires_at, UTC)

    def _sign(self, payload: str) -> str:
        return _encode(hmac.new(self._key, payload.encode("ascii"), hashlib.sha256).digest())
