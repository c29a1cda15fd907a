"""Signed, expiring, one-use links a citizen follows to answer a survey on the web.

A token is ``<payload>.<signature>``: the payload names the survey, the citizen, the
campaign or request it was sent for, the language, a nonce and the expiry (epoch
seconds), base64url-encoded; the signature is an HMAC-SHA256 of the payload under the
survey-link key, compared in constant time. The key is derived from the contact-point
secret every function already reads (see :func:`survey_link_key`), so no new secret is
needed. Issuing a link stores its nonce (``SURVEYLINK#<nonce>``, kept until the expiry
by the table's TTL); the answer's write deletes the nonce on the condition that it is
still there, so a link answers once.
"""

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Final

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from finestra.domain.errors import Forbidden
from finestra.domain.ids import new_id
from finestra.domain.vocabulary import Language
from finestra.storage.table import Delete, Put, Table

__all__ = [
    "SURVEY_LINK_DAYS",
    "SurveyClaims",
    "SurveyLinkExpired",
    "SurveyLinkUsed",
    "SurveyLinks",
    "link_nonce_key",
    "survey_link_key",
]

SURVEY_LINK_DAYS: Final = 14
"""How long a survey link works."""

SURVEY_PAGE: Final = "/survey.html"
_MIN_KEY_BYTES: Final = 16
_MAX_TOKEN: Final = 1200


class SurveyClaims(BaseModel):
    """What a valid survey token says."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    survey_id: str
    citizen_id: str
    campaign_id: str | None = None
    reference: str | None = None
    batch: int | None = Field(default=None, ge=0, description="the campaign batch it went in")
    language: Language
    nonce: str
    expires_at: int


class SurveyLinkExpired(Forbidden):
    """The link was the city's, but its time is over."""

    code = "link_expired"


class SurveyLinkUsed(Forbidden):
    """The link was the city's, and it has already been answered."""

    code = "link_used"


def survey_link_key(contact_key: bytes) -> bytes:
    """The survey-link key, derived from the contact-point secret (purpose ``survey-link``)."""
    return hmac.new(contact_key, b"survey-link", hashlib.sha256).digest()


def link_nonce_key(nonce: str) -> dict[str, str]:
    """Key of the item that keeps a survey link's nonce until its answer or expiry."""
    return {"PK": f"SURVEYLINK#{nonce}", "SK": "SURVEYLINK"}


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SurveyLinks:
    """Issues and verifies survey tokens, and stores each token's nonce.

    Parameters
    ----------
    table
        The one table, where nonces are kept.
    key
        The survey-link key (at least 16 bytes; see :func:`survey_link_key`).
    clock
        Stamps expiries and judges them.
    origin
        The desktop's origin (``https://…``), which serves the survey page; ``None``
        where links are only verified (the citizen API).
    lifetime
        How long a link works.
    """

    def __init__(
        self,
        table: Table,
        key: bytes,
        clock: Callable[[], datetime],
        origin: str | None = None,
        *,
        lifetime: timedelta = timedelta(days=SURVEY_LINK_DAYS),
    ) -> None:
        if len(key) < _MIN_KEY_BYTES:
            raise ValueError("a link key has at least 16 bytes")
        self._table = table
        self._key = key
        self._clock = clock
        self._origin = origin.rstrip("/") if origin else None
        self._lifetime = lifetime

    def issue(
        self,
        survey_id: str,
        citizen_id: str,
        campaign_id: str | None,
        reference: str | None,
        language: Language,
        *,
        batch: int | None = None,
    ) -> str:
        """A fresh link to answer ``survey_id`` once, for the campaign or request given.

        Returns
        -------
        str
            ``<origin>/survey.html#t=<token>``; the token stays in the fragment, so it
            never reaches a server log on the way to the page.
        """
        if self._origin is None:
            raise ValueError("survey links are only verified here, not issued")
        token = self.token(survey_id, citizen_id, campaign_id, reference, language, batch=batch)
        return f"{self._origin}{SURVEY_PAGE}#t={token}"

    def token(
        self,
        survey_id: str,
        citizen_id: str,
        campaign_id: str | None,
        reference: str | None,
        language: Language,
        *,
        batch: int | None = None,
    ) -> str:
        """A fresh token (what :meth:`issue` puts in the link), its nonce stored."""
        if campaign_id is None and reference is None:
            raise ValueError("a survey link is for a campaign or a request")
        claims = SurveyClaims(
            survey_id=survey_id,
            citizen_id=citizen_id,
            campaign_id=campaign_id,
            reference=reference,
            batch=batch,
            language=language,
            nonce=new_id("svl"),
            expires_at=int((self._clock() + self._lifetime).timestamp()),
        )
        self._table.put(
            Put(
                item={
                    **link_nonce_key(claims.nonce),
                    "type": "survey_link",
                    "survey_id": survey_id,
                    "expires_at": claims.expires_at,
                }
            )
        )
        payload = _encode(
            json.dumps(claims.model_dump(mode="json"), separators=(",", ":")).encode()
        )
        return f"{payload}.{self._sign(payload)}"

    def verify(self, token: str) -> SurveyClaims:
        """What ``token`` says, if the city signed it and it has not expired.

        Raises
        ------
        Forbidden
            When the token is malformed or its signature is not the city's.
        SurveyLinkExpired
            When the token is genuine but expired.
        """
        payload, dot, signature = token.partition(".")
        if not dot or not payload or len(token) > _MAX_TOKEN:
            raise Forbidden("this survey link is not valid")
        if not hmac.compare_digest(self._sign(payload), signature):
            raise Forbidden("this survey link is not valid")
        try:
            claims = SurveyClaims.model_validate(json.loads(_decode(payload)))
        except (ValueError, binascii.Error, ValidationError) as exc:
            raise Forbidden("this survey link is not valid") from exc
        if claims.expires_at <= int(self._clock().timestamp()):
            raise SurveyLinkExpired("this survey link has expired")
        return claims

    def open(self, token: str) -> SurveyClaims:
        """:meth:`verify`, and also refuse a link whose nonce is gone (already answered).

        Raises
        ------
        SurveyLinkUsed
            When the link has been answered.
        """
        claims = self.verify(token)
        if self._table.get(link_nonce_key(claims.nonce), consistent=True) is None:
            raise SurveyLinkUsed("this survey link has already been answered")
        return claims

    @staticmethod
    def spend(claims: SurveyClaims) -> Delete:
        """The write that uses the link up: part of the answer's transaction."""
        return Delete(key=link_nonce_key(claims.nonce), condition="attribute_exists(PK)")

    def expiry(self, claims: SurveyClaims) -> datetime:
        """When the link of ``claims`` stops working."""
        return datetime.fromtimestamp(claims.expires_at, UTC)

    def _sign(self, payload: str) -> str:
        return _encode(hmac.new(self._key, payload.encode("ascii"), hashlib.sha256).digest())
