"""The citizen API's unsubscribe route: a signed token from a campaign email, used once.

``POST /api/citizen/v1/unsubscribe`` takes ``{"token"}`` (the page's form) or, for the
one-click header of RFC 8058, the token in the query string ``t`` and a form body. A
forged or expired token is a 403; a token used before is a 410 ``link_used``, the
consent being withdrawn already. The campaign recipient the email went to becomes
``opted_out`` (reason ``unsubscribed``) unless it answered or failed meanwhile. Logs
carry the outcome only.
"""

import json
from functools import cached_property
from typing import Final

from chalice.app import Chalice, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from finestra.apps.web import WebApp
from finestra.campaigns.optout import (
    OptOut,
    TokenUsed,
    UnsubscribeClaims,
    UnsubscribeTokens,
    mark_unsubscribed,
    unsubscribe_key,
)
from finestra.campaigns.store import CampaignStore
from finestra.domain.errors import MalformedInput
from finestra.domain.vocabulary import InputChannel
from finestra.http import JSON, current_request, endpoint, error_response, raw_body
from finestra.observability import Observability
from finestra.runtime import Lazy

__all__ = ["UNSUBSCRIBE_ROUTE", "Unsubscriber", "install_routes"]

UNSUBSCRIBE_ROUTE: Final = "/api/citizen/v1/unsubscribe"
_NO_STORE: Final[dict[str, str | list[str]]] = {
    **JSON,
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
}
_GONE: Final = 410


class UnsubscribeForm(BaseModel):
    """The page's body."""

    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=10, max_length=1000)


class Unsubscriber:
    """Verifies a token, withdraws its consents, spends it."""

    def __init__(self, web: WebApp) -> None:
        self._web = web

    @cached_property
    def tokens(self) -> UnsubscribeTokens:
        """The unsubscribe tokens under the key derived from the contact-point secret."""
        runtime = self._web.runtime
        return UnsubscribeTokens(unsubscribe_key(runtime.vault), runtime.clock)

    @cached_property
    def optout(self) -> OptOut:
        """Withdraws consents."""
        return OptOut(self._web.runtime.table, self._web.runtime.clock)

    def unsubscribe(self, token: str) -> None:
        """Withdraw what ``token`` names, once.

        Raises
        ------
        Forbidden
            When the token is forged or expired.
        TokenUsed
            When it was used before.
        """
        claims = self.tokens.verify(token)
        self.optout.withdraw(claims.citizen_id, claims.channel, claims.purposes, InputChannel.EMAIL)
        self._mark_recipient(claims)
        self.optout.spend(claims)

    def _mark_recipient(self, claims: UnsubscribeClaims) -> None:
        store = CampaignStore(self._web.runtime.table)
        mark_unsubscribed(store, claims, self._web.now())


def _token(query: dict[str, str], body: bytes, content_type: str) -> str:
    if query.get("t"):
        return query["t"]
    if not content_type.startswith("application/json"):
        raise MalformedInput("names no token", field="token")
    try:
        return UnsubscribeForm.model_validate(json.loads(body)).token
    except (ValueError, ValidationError) as exc:
        raise MalformedInput("names no token", field="token") from exc


def install_routes(app: Chalice, obs: Observability, web: Lazy[WebApp]) -> None:
    """Add the unsubscribe route to the citizen API."""
    unsubscriber = Lazy(lambda: Unsubscriber(web.get()))

    @app.route(
        UNSUBSCRIBE_ROUTE,
        methods=["POST"],
        content_types=["application/json", "application/x-www-form-urlencoded"],
    )
    @endpoint(obs)
    def unsubscribe() -> Response:
        """Withdraw the consents a campaign email's token names."""
        request = current_request(app)
        content_type = str(request.headers.get("content-type") or "")
        query: dict[str, str] = dict(request.query_params or {})
        token = _token(query, raw_body(request), content_type)
        try:
            unsubscriber.get().unsubscribe(token)
        except TokenUsed as exc:
            obs.logger.info("Unsubscribe link used again")
            return error_response(_GONE, exc.code, exc.message)
        obs.logger.info("Consent withdrawn by unsubscribe link")
        obs.count("CampaignUnsubscribed")
        return Response(body={"withdrawn": True}, status_code=200, headers=_NO_STORE)
