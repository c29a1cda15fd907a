"""Social media through a signed webhook (Meta's conventions for pages and Instagram)."""

import hashlib
import hmac
import json
import re
import unicodedata
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from finestra.domain.catalogue import Catalogue
from finestra.domain.citizen import ContactPoint
from finestra.domain.errors import Forbidden, MalformedInput, Unauthorised, ValidationFailed
from finestra.domain.vocabulary import ContactKind, InputChannel
from finestra.intake.message import InboundMessage, IntakeResult
from finestra.intake.service import IntakeService

PLATFORMS = {"page": "facebook", "instagram": "instagram"}


def verify_signature(secret: str, body: bytes, header: str | None) -> None:
    """Refuse a delivery whose ``X-Hub-Signature-256`` is not the body's HMAC-SHA256."""
    if not secret:
        raise Unauthorised("no app secret is configured, so no delivery can be trusted")
    if not header or not header.startswith("sha256="):
        raise Unauthorised("the delivery carries no sha256 signature")
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, header.removeprefix("sha256=")):
        raise Unauthorised("the delivery's signature does not match")


def answer_challenge(verify_token: str, params: dict[str, str]) -> str:
    """The ``hub.challenge`` to echo when the subscription request carries our token."""
    if params.get("hub.mode") != "subscribe":
        raise ValidationFailed("must be 'subscribe'", field="hub.mode")
    if not hmac.compare_digest(params.get("hub.verify_token", ""), verify_token):
        raise Forbidden("the verify token does not match")
    challenge = params.get("hub.challenge", "")
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,128}", challenge):
        raise ValidationFailed("must be a short token", field="hub.challenge")
    return challenge


class SocialItem(BaseModel):
    """One post, comment or direct message from a delivery."""

    model_config = ConfigDict(frozen=True)

    platform: Literal["facebook", "instagram"]
    kind: Literal["direct_message", "post", "comment"]
    provider_message_id: str = Field(min_length=1, max_length=200)
    author_id: str = Field(min_length=1, max_length=100)
    author_name: str | None = None
    text: str = Field(min_length=1, max_length=4000)
    at: datetime


def _epoch(value: Any) -> datetime:
    number = float(value)
    if number > 1e11:
        number /= 1000
    return datetime.fromtimestamp(number, UTC)


def items_of(body: bytes) -> list[SocialItem]:
    """Every message of a delivery that carries text; edits and removals are left out."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise MalformedInput("is not valid JSON", field="body") from exc
    if not isinstance(data, dict) or data.get("object") not in PLATFORMS:
        raise ValidationFailed("must be 'page' or 'instagram'", field="object")
    platform = PLATFORMS[data["object"]]
    found: list[SocialItem] = []
    for entry in data.get("entry") or []:
        found.extend(_messages(platform, entry.get("messaging") or []))
        found.extend(_changes(platform, entry.get("changes") or []))
    return found


def _messages(platform: str, events: list[dict[str, Any]]) -> list[SocialItem]:
    found = []
    for event in events:
        message = event.get("message") or {}
        if "text" not in message or message.get("is_echo"):
            continue
        found.append(
            SocialItem.model_validate(
                {
                    "platform": platform,
                    "kind": "direct_message",
                    "provider_message_id": message.get("mid"),
                    "author_id": (event.get("sender") or {}).get("id"),
                    "text": message["text"],
                    "at": _epoch(event.get("timestamp")),
                }
            )
        )
    return found


def _changes(platform: str, changes: list[dict[str, Any]]) -> list[SocialItem]:
    found = []
    for change in changes:
        value = change.get("value") or {}
        kind = value.get("item")
        if change.get("field") != "feed" or value.get("verb") != "add" or not value.get("message"):
            continue
        if kind not in {"post", "comment", "status"}:
            continue
        author = value.get("from") or {}
        found.append(
            SocialItem.model_validate(
                {
                    "platform": platform,
                    "kind": "comment" if kind == "comment" else "post",
                    "provider_message_id": value.get("comment_id") or value.get("post_id"),
                    "author_id": author.get("id"),
                    "author_name": author.get("name"),
                    "text": value["message"],
                    "at": _epoch(value.get("created_time")),
                }
            )
        )
    return found


def _folded(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    return f" {re.sub(r'[^a-z0-9]+', ' ', plain)} "


def mentions_a_theme(catalogue: Catalogue, text: str) -> bool:
    """Whether ``text`` names something the city looks after, by the themes' keywords."""
    folded = _folded(text)
    return any(
        _folded(word) in folded
        for theme in catalogue.themes
        for words in theme.keywords.values()
        for word in words
        if theme.area != "general"
    )


class SocialChannel:
    """Direct messages and posts about a problem become requests; the rest, opinions."""

    def __init__(self, intake: IntakeService, catalogue: Catalogue) -> None:
        self._intake = intake
        self._catalogue = catalogue

    def receive(self, item: SocialItem) -> IntakeResult:
        """Write ``item`` as a request or as an opinion of its author."""
        author = ContactPoint(
            kind=ContactKind.SOCIAL,
            value=f"{item.platform}:{item.author_id}",
            first_seen_on=InputChannel.SOCIAL,
        )
        message = InboundMessage(
            channel=InputChannel.SOCIAL,
            provider_message_id=item.provider_message_id,
            received_at=item.at,
            sender=(author,),
            text=item.text,
            given_name=item.author_name[:120] if item.author_name else None,
        )
        if item.kind == "direct_message" or mentions_a_theme(self._catalogue, item.text):
            return self._intake.submit(message)
        return self._intake.record_opinion(message)
