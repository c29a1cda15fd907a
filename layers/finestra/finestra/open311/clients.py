"""The client apps that may file requests through Open311, each with its own API key.

An app calls with ``api_key=<app id>.<secret part>``. The table keeps the SHA-256 hex
digest of the whole key, never the key itself, the way the external bodies' keys are
kept; the check hashes what was sent and compares the digests in constant time. A
revoked app's key is refused from the moment of the revocation, and its id is never
handed out again. Each key may file at most ``per_minute`` requests in a calendar
minute: one conditional ``ADD`` on a counter of that minute, which expires by TTL.

Every app lives under one partition, so the administrators' list is one ``Query``; a
city registers a handful of apps, far below what one partition holds.

=====================================  ==============================================
key                                    item
=====================================  ==============================================
``OPEN311APPS`` / ``APP#<app id>``     a client app: name, key digest, registered and
                                       revoked times
``OPEN311APP#<app id>`` / ``RATE#<m>`` the requests the app filed in minute ``<m>``
=====================================  ==============================================
"""

import hmac
import secrets
from datetime import datetime
from typing import Final

from pydantic import BaseModel, ConfigDict, Field

from finestra.domain.errors import Conflict, Forbidden, NotFound
from finestra.external.callers import key_digest
from finestra.storage.table import Item, Put, Table, Update

__all__ = ["APP_ID_PATTERN", "PER_MINUTE", "ClientApp", "ClientApps", "RateLimited"]

APP_ID_PATTERN: Final = r"^[a-z0-9-]{3,40}$"
PER_MINUTE: Final = 30
"""The allowance of a key a minute unless the citizen API's settings say otherwise."""
_PARTITION: Final = "OPEN311APPS"
_APP_PREFIX: Final = "APP#"
_MAX_KEY: Final = 200
_RATE_TTL_S: Final = 3600
_PAGE: Final = 100


class RateLimited(Forbidden):
    """A client app filed more requests this minute than its key allows."""

    code = "too_many_requests"


class ClientApp(BaseModel):
    """A registered client app, as the table keeps it (no key)."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(pattern=APP_ID_PATTERN)
    name: str = Field(min_length=1, max_length=120)
    registered_at: datetime
    revoked_at: datetime | None = None


def _key(app_id: str) -> dict[str, str]:
    return {"PK": _PARTITION, "SK": f"{_APP_PREFIX}{app_id}"}


def _app_of(item: Item) -> ClientApp:
    revoked = item.get("revoked_at")
    return ClientApp(
        id=str(item["SK"]).removeprefix(_APP_PREFIX),
        name=str(item["name"]),
        registered_at=datetime.fromisoformat(str(item["registered_at"])),
        revoked_at=datetime.fromisoformat(str(revoked)) if revoked else None,
    )


class ClientApps:
    """Registers, lists, revokes and recognises the client apps."""

    def __init__(self, table: Table, *, per_minute: int = PER_MINUTE) -> None:
        self._table = table
        self._per_minute = per_minute

    def register(self, app_id: str, name: str, at: datetime) -> tuple[ClientApp, str]:
        """Register an app and hand out its key, the only time it is ever seen.

        Raises
        ------
        pydantic.ValidationError
            When the id or the name breaks its rule.
        Conflict
            When the id is taken, by an app in use or by a revoked one.
        """
        app = ClientApp(id=app_id, name=name, registered_at=at)
        key = f"{app.id}.{secrets.token_urlsafe(24)}"
        item = {
            **_key(app.id),
            "type": "open311_app",
            "name": app.name,
            "key_digest": key_digest(key),
            "registered_at": at.isoformat(),
        }
        try:
            self._table.put(Put(item=item, condition="attribute_not_exists(PK)"))
        except Conflict as exc:
            raise Conflict("is taken by another client app", field="id") from exc
        return app, key

    def list(self) -> list[ClientApp]:
        """Every registered app, revoked ones included, sorted by id (one ``Query``, paged)."""
        apps: list[ClientApp] = []
        start: dict[str, object] | None = None
        while True:
            items, start = self._table.query(
                "PK = :pk AND begins_with(SK, :app)",
                {":pk": _PARTITION, ":app": _APP_PREFIX},
                limit=_PAGE,
                start=start,
            )
            apps.extend(_app_of(item) for item in items)
            if start is None:
                return sorted(apps, key=lambda app: app.id)

    def revoke(self, app_id: str, at: datetime) -> ClientApp:
        """Refuse the app's key from now on; revoking twice keeps the first time.

        Raises
        ------
        NotFound
            When no app has the id.
        """
        try:
            item = self._table.update(
                Update(
                    key=_key(app_id),
                    expression="SET revoked_at = if_not_exists(revoked_at, :at)",
                    condition="attribute_exists(PK)",
                    values={":at": at.isoformat()},
                )
            )
        except Conflict:
            raise NotFound("is not a client app", field="app_id") from None
        return _app_of(item)

    def caller(self, presented: str | None, at: datetime) -> ClientApp:
        """The app whose key ``presented`` is, counted against its minute's allowance.

        Raises
        ------
        Forbidden
            When no key is given, it is malformed, unknown, revoked or does not match.
        RateLimited
            When the app has filed its allowance this minute.
        """
        if not presented:
            raise Forbidden("is required", field="api_key")
        app_id, dot, rest = presented.partition(".")
        if not dot or not rest or len(presented) > _MAX_KEY:
            raise Forbidden("is not valid", field="api_key")
        item = self._table.get(_key(app_id))
        stored = str(item.get("key_digest", "")) if item else ""
        matches = hmac.compare_digest(key_digest(presented), stored or "-" * 64)
        if item is None or not matches or item.get("revoked_at"):
            raise Forbidden("is not valid", field="api_key")
        self._count(app_id, at)
        return _app_of(item)

    def _count(self, app_id: str, at: datetime) -> None:
        minute = at.strftime("%Y-%m-%dT%H:%M")
        try:
            self._table.update(
                Update(
                    key={"PK": f"OPEN311APP#{app_id}", "SK": f"RATE#{minute}"},
                    expression="ADD filed :one SET expires_at = :expires",
                    condition="attribute_not_exists(filed) OR filed < :most",
                    values={
                        ":one": 1,
                        ":most": self._per_minute,
                        ":expires": int(at.timestamp()) + _RATE_TTL_S,
                    },
                )
            )
        except Conflict:
            raise RateLimited("has filed its allowance this minute", field="api_key") from None
