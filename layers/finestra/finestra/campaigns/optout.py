"""Opting out: the SMS keywords, the consent withdrawal and signed unsubscribe tokens.

A withdrawal appends a refusal per purpose to the citizen's consents, on the profile's
version, together with a check that no campaign message to the citizen is being sent
(the sender's send lock, see :mod:`finestra.campaigns.store`). A withdrawal that meets a
lock waits and tries again; so once it is acknowledged, no campaign message claimed
before it is still on its way, and none claimed after it passes the consent check.

Unsubscribe tokens are ``<payload>.<signature>``: the payload names the citizen, the
channel, the purposes, a nonce and the expiry, base64url-encoded; the signature is an
HMAC-SHA256 under a key derived from the contact-point secret every function reads
(:func:`unsubscribe_key`), so no new secret is needed. A token works once: its first use writes
``UNSUBSCRIBE#<nonce>`` / ``USED`` on ``attribute_not_exists``.
"""

import base64
import binascii
import hashlib
import hmac
import json
import time
import unicodedata
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from finestra.campaigns.store import CampaignStore, lock_key
from finestra.domain.campaign import RecipientState
from finestra.domain.citizen import Consent
from finestra.domain.errors import Conflict, Forbidden, NotFound
from finestra.domain.identity import ContactVault
from finestra.domain.ids import new_id
from finestra.domain.vocabulary import ConsentPurpose, InputChannel
from finestra.storage import keys
from finestra.storage.table import Check, Put, Table, TransactionConflict, Update

__all__ = [
    "KEYWORDS",
    "UNSUBSCRIBABLE",
    "OptOut",
    "TokenUsed",
    "UnsubscribeClaims",
    "UnsubscribeTokens",
    "is_opt_out",
    "mark_unsubscribed",
    "unsubscribe_key",
]

KEYWORDS: Final = frozenset({"baixa", "baja", "stop", "unsubscribe", "cancelar"})
"""Words that, alone in an SMS, withdraw the citizen's consent to campaigns and surveys."""

TOKEN_DAYS: Final = 90
"""How long an unsubscribe link works."""

ATTEMPTS: Final = 40
WAIT_SECONDS: Final = 0.25

_PUNCTUATION: Final = ".,;:!?¡¿'\"()"
_MIN_KEY_BYTES: Final = 16

OptOutChannel = Literal["sms", "email"]


def is_opt_out(text: str) -> bool:
    """Whether an SMS asks to receive no more: a keyword alone, any case or accent.

    Parameters
    ----------
    text
        The SMS as received.

    Returns
    -------
    bool
        ``True`` for ``BAIXA``, ``baja``, ``Stop.`` and the like; ``False`` when the
        keyword comes with other words, which may be a request about a stop.
    """
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    words = [word.strip(_PUNCTUATION) for word in plain.split()]
    words = [word for word in words if word]
    return len(words) == 1 and words[0] in KEYWORDS


def unsubscribe_key(vault: ContactVault) -> bytes:
    """The unsubscribe link key, derived from the contact-point secret behind ``vault``."""
    return vault.keyed("unsubscribe-link-key", "finestra").encode("ascii")


class UnsubscribeClaims(BaseModel):
    """What a valid unsubscribe token says."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    citizen_id: str
    channel: OptOutChannel
    purposes: tuple[ConsentPurpose, ...]
    nonce: str
    expires_at: int
    campaign_id: str | None = Field(default=None, description="the campaign whose email it was")
    batch: int | None = Field(default=None, ge=0, description="that recipient's batch")


class TokenUsed(Conflict):
    """The unsubscribe link was used already."""

    code = "link_used"


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class UnsubscribeTokens:
    """Issues and verifies unsubscribe tokens.

    Parameters
    ----------
    key
        The unsubscribe link key (see :func:`unsubscribe_key`), at least 16 bytes.
    clock
        Stamps expiries and judges them.
    """

    def __init__(self, key: bytes, clock: Callable[[], datetime]) -> None:
        if len(key) < _MIN_KEY_BYTES:
            raise ValueError("an unsubscribe key has at least 16 bytes")
        self._key = key
        self._clock = clock

    def issue(
        self,
        citizen_id: str,
        channel: OptOutChannel,
        purposes: Iterable[ConsentPurpose],
        *,
        campaign_id: str | None = None,
        batch: int | None = None,
    ) -> str:
        """A token that withdraws ``purposes`` on ``channel`` for one citizen.

        ``campaign_id`` and ``batch`` name the campaign recipient the email went to, so
        the unsubscribe also marks that recipient ``opted_out``.
        """
        claims = UnsubscribeClaims(
            citizen_id=citizen_id,
            channel=channel,
            purposes=tuple(purposes),
            nonce=new_id("uns"),
            expires_at=int((self._clock() + timedelta(days=TOKEN_DAYS)).timestamp()),
            campaign_id=campaign_id,
            batch=batch,
        )
        text = json.dumps(claims.model_dump(mode="json"), separators=(",", ":"))
        payload = _encode(text.encode())
        return f"{payload}.{self._sign(payload)}"

    def verify(self, token: str) -> UnsubscribeClaims:
        """What ``token`` says, if the city signed it and it has not expired.

        Raises
        ------
        Forbidden
            When the token is malformed, forged or expired.
        """
        payload, dot, signature = token.partition(".")
        if not dot or not payload or len(token) > 1000:
            raise Forbidden("this unsubscribe link is not valid")
        if not hmac.compare_digest(self._sign(payload), signature):
            raise Forbidden("this unsubscribe link is not valid")
        try:
            claims = UnsubscribeClaims.model_validate(json.loads(_decode(payload)))
        except (ValueError, binascii.Error, ValidationError) as exc:
            raise Forbidden("this unsubscribe link is not valid") from exc
        if claims.expires_at <= int(self._clock().timestamp()):
            raise Forbidden("this unsubscribe link has expired")
        return claims

    def _sign(self, payload: str) -> str:
        return _encode(hmac.new(self._key, payload.encode("ascii"), hashlib.sha256).digest())


class OptOut:
    """Withdraws consents on a citizen's profile, waiting out a message being sent.

    Parameters
    ----------
    table
        The one table.
    clock
        Stamps the refusals.
    sleep
        Waits between attempts.
    """

    def __init__(
        self,
        table: Table,
        clock: Callable[[], datetime],
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._table = table
        self._clock = clock
        self._sleep = sleep

    def withdraw(
        self,
        citizen_id: str,
        channel: OptOutChannel,
        purposes: Iterable[ConsentPurpose],
        source: InputChannel,
    ) -> bool:
        """Record the citizen's refusal of ``purposes`` on ``channel``.

        Returns
        -------
        bool
            ``True`` when refusals were written, ``False`` when every purpose was
            refused already.

        Raises
        ------
        NotFound
            When the citizen is unknown or erased.
        Conflict
            When the profile kept changing, or a send kept its lock, past every attempt.
        """
        wanted = tuple(dict.fromkeys(purposes))
        for _ in range(ATTEMPTS):
            item = self._table.get(keys.citizen(citizen_id), consistent=True)
            if item is None or item.get("erased_at") or item.get("merged_into"):
                raise NotFound("no citizen has this id", field="citizen_id")
            now = self._clock()
            consents = item.get("consents") or []
            refusals = [
                Consent(
                    channel=channel,
                    purpose=p,
                    granted=False,
                    recorded_at=_after(consents, channel, p, now),
                    source=source,
                )
                for p in wanted
                if _granted(consents, channel, p)
            ]
            if not refusals:
                return False
            try:
                self._table.transact(
                    [
                        Update(
                            key=keys.citizen(citizen_id),
                            expression="SET consents = list_append(consents, :new), "
                            "updated_at = :now, version = version + :one",
                            condition="version = :version",
                            values={
                                ":new": [r.model_dump(mode="json") for r in refusals],
                                ":now": now.isoformat(),
                                ":one": 1,
                                ":version": int(item["version"]),
                            },
                        ),
                        Check(
                            key=lock_key(citizen_id),
                            condition="attribute_not_exists(PK) OR lock_until < :now",
                            values={":now": int(now.timestamp())},
                        ),
                    ]
                )
            except TransactionConflict:
                self._sleep(WAIT_SECONDS)
                continue
            return True
        raise Conflict("the citizen's consents could not be changed; try again")

    def spend(self, claims: UnsubscribeClaims) -> None:
        """Mark an unsubscribe token used.

        Raises
        ------
        TokenUsed
            When it was used before.
        """
        item = {
            "PK": f"UNSUBSCRIBE#{claims.nonce}",
            "SK": "USED",
            "type": "unsubscribe_use",
            "used_at": self._clock().isoformat(),
            "expires_at": claims.expires_at,
        }
        try:
            self._table.put(Put(item=item))
        except Conflict as exc:
            raise TokenUsed("this unsubscribe link was used already") from exc


def _answers(
    consents: list[dict[str, object]], channel: str, purpose: ConsentPurpose
) -> list[dict[str, object]]:
    return [
        c for c in consents if c.get("channel") == channel and c.get("purpose") == purpose.value
    ]


def _granted(consents: list[dict[str, object]], channel: str, purpose: ConsentPurpose) -> bool:
    answers = _answers(consents, channel, purpose)
    if not answers:
        return purpose is ConsentPurpose.SERVICE
    latest = max(answers, key=lambda c: datetime.fromisoformat(str(c["recorded_at"])))
    return bool(latest["granted"])


def _after(
    consents: list[dict[str, object]], channel: str, purpose: ConsentPurpose, now: datetime
) -> datetime:
    """``now``, or just after the latest answer if that is not earlier: the refusal wins."""
    times = [
        datetime.fromisoformat(str(c["recorded_at"])) for c in _answers(consents, channel, purpose)
    ]
    latest = max(times, default=now - timedelta(seconds=1))
    return max(now, latest + timedelta(microseconds=1))


UNSUBSCRIBABLE: Final = frozenset({RecipientState.SENT, RecipientState.DELIVERED})
"""The recipients an unsubscribe moves: one who answered or failed keeps that state."""


def mark_unsubscribed(store: CampaignStore, claims: UnsubscribeClaims, at: datetime) -> bool:
    """Make the recipient the token's email went to ``opted_out`` (``unsubscribed``).

    Returns
    -------
    bool
        ``True`` when it moved; ``False`` for a token of no campaign, a recipient gone,
        or one no longer ``sent`` or ``delivered``.
    """
    if claims.campaign_id is None or claims.batch is None:
        return False
    recipient = store.recipient(claims.campaign_id, claims.batch, claims.citizen_id)
    if recipient is None or recipient.state not in UNSUBSCRIBABLE:
        return False
    return store.mark(recipient, UNSUBSCRIBABLE, RecipientState.OPTED_OUT, at, "unsubscribed")
