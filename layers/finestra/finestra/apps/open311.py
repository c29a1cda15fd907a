"""The citizen API's Open311 GeoReport v2 routes, under ``/api/open311/v2/``.

Each document ends in ``.json`` or ``.xml`` and is answered in that format, errors
included. The specification gives its own error body (``[{"code": 404, "description":
…}]`` or ``<errors>``), so these routes answer it instead of Finestra's ``code`` /
``message`` body; the status codes are the specification's 400, 403 and 404. Names
come in the language of ``Accept-Language`` when it is one of the city's, else Catalan.
"""

import functools
from collections.abc import Callable
from typing import Final
from urllib.parse import parse_qsl

from chalice.app import Chalice, Response
from chalice.app import Request as ChaliceRequest
from pydantic import ValidationError

from finestra.apps.web import WebApp
from finestra.channels.web import WebDelivery
from finestra.domain.errors import FinestraError, Forbidden, NotFound, Unauthorised
from finestra.domain.vocabulary import Language
from finestra.http import current_request, raw_body
from finestra.observability import Observability
from finestra.open311 import render
from finestra.open311.clients import RateLimited
from finestra.open311.models import Error, OpenedRequest
from finestra.open311.posting import read_post, request_form
from finestra.open311.reader import RequestQuery
from finestra.runtime import Lazy

PREFIX: Final = "/api/open311/v2"
ROUTES: Final = (
    f"{PREFIX}/{{document}}",
    f"{PREFIX}/services/{{document}}",
    f"{PREFIX}/requests/{{document}}",
    f"{PREFIX}/tokens/{{document}}",
)
_STATUS: Final = {RateLimited: 429, NotFound: 404, Forbidden: 403, Unauthorised: 403}

View = Callable[[str, render.Format], str]


def language_of(request: ChaliceRequest) -> Language:
    """The first of the city's languages that ``Accept-Language`` names; else Catalan."""
    for part in (request.headers.get("accept-language") or "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in {lang.value for lang in Language}:
            return Language(tag)
    return Language.CA


def _error_status(exc: ValidationError | FinestraError) -> tuple[int, str]:
    if isinstance(exc, ValidationError):
        error = exc.errors(include_input=False, include_url=False)[0]
        field = ".".join(str(part) for part in error["loc"]) or "query"
        return 400, f"{field} breaks the rule {error['type']}"
    status = next((_STATUS[k] for k in type(exc).__mro__ if k in _STATUS), 400)
    return status, f"{exc.field} {exc.message}" if exc.field else exc.message


def georeport_endpoint(
    obs: Observability, success: int = 200
) -> Callable[[View], Callable[[str], Response]]:
    """Split the document's format off its path, and answer errors the specification's way."""

    def decorate(view: View) -> Callable[[str], Response]:
        @functools.wraps(view)
        def wrapped(document: str) -> Response:
            try:
                name, fmt = render.split_format(document)
            except ValueError:
                return _refusal(obs, 404, "the path ends in neither .json nor .xml", "json")
            try:
                body = view(name, fmt)
            except (ValidationError, FinestraError) as exc:
                status, description = _error_status(exc)
                return _refusal(obs, status, description, fmt)
            except Exception:
                obs.logger.exception("Open311 request failed")
                obs.count("HttpErrors")
                return _refusal(obs, 500, "the city could not handle this request", fmt)
            return _answer(success, body, fmt)

        return wrapped

    return decorate


def _answer(status: int, body: str, fmt: render.Format) -> Response:
    headers: dict[str, str | list[str]] = {
        "Content-Type": render.CONTENT_TYPES[fmt],
        "Cache-Control": "no-store",
    }
    return Response(body=body, status_code=status, headers=headers)


def _refusal(obs: Observability, status: int, description: str, fmt: render.Format) -> Response:
    if status < 500:
        obs.logger.info("Open311 request refused", status=status)
    return _answer(status, render.errors([Error(code=status, description=description)], fmt), fmt)


def install_routes(app: Chalice, obs: Observability, web: Lazy[WebApp]) -> None:
    """Add the GeoReport v2 routes to the citizen API."""

    def checked() -> tuple[ChaliceRequest, Language]:
        request = current_request(app)
        params = dict(request.query_params or {})
        web.get().georeport.check_jurisdiction(params.get("jurisdiction_id"))
        return request, language_of(request)

    @app.route(ROUTES[0], methods=["GET"])
    @georeport_endpoint(obs)
    def read_document(name: str, fmt: render.Format) -> str:
        """``discovery``, ``services`` or ``requests``."""
        request, language = checked()
        site = web.get()
        if name == "discovery":
            url = f"https://{request.headers.get('host', 'localhost')}{PREFIX}/"
            found = site.georeport.discovery(url, site.now())
            return render.single("discovery", found, fmt)
        if name == "services":
            return render.document("services", "service", site.georeport.services(language), fmt)
        if name == "requests":
            query = RequestQuery.model_validate(dict(request.query_params or {}))
            found_requests = site.georeport.requests(query, site.now(), language)
            return render.document("service_requests", "request", found_requests, fmt)
        raise NotFound("is not a GeoReport v2 resource", field="path")

    @app.route(ROUTES[1], methods=["GET"])
    @georeport_endpoint(obs)
    def read_service_definition(name: str, fmt: render.Format) -> str:
        """A service's definition: the extra fields its theme asks for."""
        _, language = checked()
        definition = web.get().georeport.definition(name, language)
        return render.single("service_definition", definition, fmt)

    @app.route(ROUTES[2], methods=["GET"])
    @georeport_endpoint(obs)
    def read_service_request(name: str, fmt: render.Format) -> str:
        """One service request, as a list of one (the specification's shape)."""
        _, language = checked()
        found = web.get().georeport.request(name, language)
        return render.document("service_requests", "request", [found], fmt)

    @app.route(ROUTES[3], methods=["GET"])
    @georeport_endpoint(obs)
    def read_token(name: str, fmt: render.Format) -> str:
        """No token is ever handed out: a post answers its ``service_request_id`` at once."""
        checked()
        raise NotFound("is not a token this city handed out", field="token")

    _install_post(app, obs, web)


def _install_post(app: Chalice, obs: Observability, web: Lazy[WebApp]) -> None:
    @app.route(ROUTES[0], methods=["POST"], content_types=["application/x-www-form-urlencoded"])
    @georeport_endpoint(obs, success=201)
    def file_service_request(name: str, fmt: render.Format) -> str:
        """File a request from a client app; it goes through the web channel's intake."""
        if name != "requests":
            raise NotFound("is not a GeoReport v2 resource", field="path")
        request = current_request(app)
        fields = dict(parse_qsl(raw_body(request).decode("utf-8", "replace")))
        site = web.get()
        site.georeport.check_jurisdiction(fields.get("jurisdiction_id"))
        caller = site.client_apps.caller(fields.get("api_key"), site.now())
        post = read_post(fields)
        form = request_form(post, site.runtime.catalogue, language_of(request))
        key = request.headers.get("idempotency-key") or request.context["requestId"]
        delivery = WebDelivery(
            provider_message_id=f"open311-{caller.id}-{key}",
            received_at=site.now(),
            form=form,
            via="open311",
            media_url=post.media_url,
        )
        site.bind(app.lambda_context)
        result = site.submit(delivery)
        obs.logger.info("Request filed", reference=result.reference, client_app=caller.id)
        opened = OpenedRequest(
            service_request_id=result.reference, service_notice=None, account_id=None
        )
        return render.document("service_requests", "request", [opened], fmt)
