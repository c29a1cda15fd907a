"""The external bodies' API's application object: callbacks, reply links, page rendering.

Reply pages are rendered here, not in the handler, so the handler only routes. Every
value shown on a page is HTML-escaped; the page loads nothing from elsewhere and its
headers forbid framing, referrers (the token is in the address) and caching.
"""

import html
from collections.abc import Callable
from datetime import timedelta
from functools import cached_property
from typing import Any, Final, TypeVar

from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
)

from finestra.apps.base import App, Clock
from finestra.auth import Staff
from finestra.credentials import secret_json
from finestra.desk.conversations import Conversations, LinkPage
from finestra.desk.locks import RequestLocks
from finestra.domain.errors import Conflict
from finestra.domain.vocabulary import Language
from finestra.external.bodies import ExternalBodies
from finestra.external.callbacks import IDEMPOTENCY_HEADER, ExternalCallbacks
from finestra.external.callers import ApiKeys, ExternalSecret
from finestra.external.links import ReplyLinks
from finestra.runtime import Clients, utc_now
from finestra.settings import ExternalApiSettings
from finestra.storage.requests import RequestStore

T = TypeVar("T")

PAGE_HEADERS: Final[dict[str, str | list[str]]] = {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
}

_WORDS: Final = {
    Language.CA: ("Resposta a l'Ajuntament", "Sol·licitud", "Pregunta", "Resposta", "Envia"),
    Language.ES: ("Respuesta al Ayuntamiento", "Solicitud", "Pregunta", "Respuesta", "Enviar"),
    Language.EN: ("Answer to the City Council", "Request", "Question", "Answer", "Send"),
}
_THANKS: Final = {
    Language.CA: "Gràcies. La resposta ha arribat a l'equip responsable.",
    Language.ES: "Gracias. La respuesta ha llegado al equipo responsable.",
    Language.EN: "Thank you. Your answer has reached the team responsible.",
}


class NoSender:
    """The external API sends nothing: a reply link's answer only writes."""

    def send(self, *, to: str, subject: str, text: str) -> str:
        """Refuse, since this function has no right to send mail."""
        raise Conflict("the external API sends no messages")


class ExternalApp(App):
    """The stores, the bodies, the secret's keys and the services of the external API."""

    def __init__(
        self, settings: ExternalApiSettings, clients: Clients | None = None, clock: Clock = utc_now
    ) -> None:
        super().__init__(settings, clients, clock)
        self.settings = settings
        self.clock = clock

    @property
    def secret(self) -> ExternalSecret:
        """The reply-link key and the bodies' API key digests (cached by Powertools)."""
        return ExternalSecret.model_validate(secret_json(self.settings.external_bodies_secret))

    @cached_property
    def bodies(self) -> ExternalBodies:
        """The external bodies of the configuration folder."""
        return ExternalBodies.load(self.settings.config_dir, self.runtime.catalogue)

    @cached_property
    def requests(self) -> RequestStore:
        """Requests and their history."""
        return RequestStore(self.runtime.table, shards=self.settings.queue_shards)

    @property
    def api_keys(self) -> ApiKeys:
        """Checks a body's API key (built per call, so a rotated digest is read in)."""
        return ApiKeys(self.secret, self.bodies)

    @cached_property
    def callbacks(self) -> ExternalCallbacks:
        """The bodies' answers and returns."""
        return ExternalCallbacks(
            table=self.runtime.table,
            requests=self.requests,
            catalogue=self.runtime.catalogue,
            bodies=self.bodies,
            clock=self.clock,
            shards=self.settings.queue_shards,
            idempotent=self.runtime.idempotent,
        )

    def bound_callbacks(self, context: Any) -> ExternalCallbacks:
        """The callbacks, their idempotency told how long this invocation may still run."""
        callbacks = self.callbacks
        self.bind(context)
        return callbacks

    @cached_property
    def conversations(self) -> Conversations:
        """The conversations, for the reply links' page and answers only."""

        def no_citizen(staff: Staff, reference: str, text: str, key: str) -> str:
            raise Conflict("the external API writes to no citizen")

        return Conversations(
            table=self.runtime.table,
            requests=self.requests,
            catalogue=self.runtime.catalogue,
            bodies=self.bodies,
            links=ReplyLinks(self.secret.link_key.encode(), self.clock),
            locks=RequestLocks(self.runtime.table, self.clock, duration=timedelta(seconds=600)),
            mailer=NoSender(),
            citizen_reply=no_citizen,
            reply_url=lambda: "/",
            clock=self.clock,
        )


def settled(run: Callable[[], T]) -> T:
    """Run a callback; the same call still being handled elsewhere is a conflict."""
    try:
        return run()
    except IdempotencyAlreadyInProgressError as exc:
        raise Conflict("is still being handled; try again", field=IDEMPOTENCY_HEADER) from exc


def reply_form(page: LinkPage, token: str) -> str:
    """The public reply page: the request, the city's question and a form to answer."""
    title, request, question, answer, send = _WORDS[page.language]
    asked = html.escape(page.question or "")
    action = f"/api/external/v1/replies/{html.escape(token, quote=True)}"
    return (
        f'<!doctype html><html lang="{page.language.value}"><head><meta charset="utf-8">'
        f"<title>{title}</title></head><body><main><h1>{title}</h1>"
        f"<p>{request}: <strong>{html.escape(page.reference)}</strong> "
        f"({html.escape(page.body_name)})</p>"
        f"<h2>{question}</h2><p>{asked}</p>"
        f'<form method="post" action="{action}">'
        f'<label for="text">{answer}</label><br>'
        f'<textarea id="text" name="text" rows="10" cols="70" maxlength="4000" required>'
        f'</textarea><br><button type="submit">{send}</button></form></main></body></html>'
    )


def thanks(language: Language) -> str:
    """The page shown once an answer is recorded."""
    return (
        f'<!doctype html><html lang="{language.value}"><head><meta charset="utf-8">'
        f"<title>{_WORDS[language][0]}</title></head><body><main>"
        f"<p>{_THANKS[language]}</p></main></body></html>"
    )
