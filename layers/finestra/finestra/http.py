"""The one error body of every HTTP surface, and the Chalice middleware that keeps it.

Every error answers ``{"code": …, "message": …}``, plus ``errors`` naming each field
and the rule it broke. The input is never echoed and no traceback reaches a client.
"""

import functools
import json
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from chalice.app import Chalice, Response
from chalice.app import Request as ChaliceRequest
from pydantic import BaseModel, ValidationError

from finestra.auth import Staff, claims_of, staff_from_claims
from finestra.domain.errors import (
    Conflict,
    FinestraError,
    Forbidden,
    MalformedInput,
    NotFound,
    TransitionRefused,
    Unauthorised,
    ValidationFailed,
)
from finestra.observability import Observability

P = ParamSpec("P")
M = TypeVar("M", bound=BaseModel)

_STATUS: dict[type[FinestraError], int] = {
    ValidationFailed: 422,
    MalformedInput: 400,
    NotFound: 404,
    Forbidden: 403,
    Conflict: 409,
    TransitionRefused: 409,
    Unauthorised: 401,
}

_CHALICE_CODES = {
    400: "bad_request",
    401: "unauthorised",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}

JSON = {"Content-Type": "application/json"}


def error_response(
    status: int, code: str, message: str, errors: list[dict[str, str]] | None = None
) -> Response:
    """The one shape of every error answer."""
    body: dict[str, Any] = {"code": code, "message": message}
    if errors:
        body["errors"] = errors
    return Response(body=body, status_code=status, headers=dict(JSON))


def field_errors(exc: ValidationError) -> list[dict[str, str]]:
    """Each broken rule as its field and the rule's name, without the input."""
    return [
        {"field": ".".join(str(part) for part in error["loc"]) or "body", "rule": error["type"]}
        for error in exc.errors(include_input=False, include_url=False)
    ]


def current_request(app: Chalice) -> ChaliceRequest:
    """The request a view is handling (Chalice sets it before calling the view)."""
    request = app.current_request
    if request is None:
        raise RuntimeError("a view ran outside a request")
    return request


def current_staff(app: Chalice) -> Staff:
    """The staff member calling, from the claims the gateway's JWT authorizer checked."""
    return staff_from_claims(claims_of({"requestContext": current_request(app).context}))


def raw_body(request: ChaliceRequest) -> bytes:
    """The request's body as bytes, exactly as the caller sent it."""
    raw = request.raw_body
    return raw.encode() if isinstance(raw, str) else bytes(raw or b"")


def parse_body(request: ChaliceRequest, model: type[M]) -> M:
    """The JSON body of ``request`` as ``model``; malformed JSON is a named error."""
    raw = request.raw_body
    try:
        data = json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedInput("is not valid JSON", field="body") from exc
    if not isinstance(data, dict):
        raise MalformedInput("must be a JSON object", field="body")
    return model.model_validate(data)


def to_response(exc: Exception, obs: Observability) -> Response:
    """Map an error raised by a view to the one error body."""
    if isinstance(exc, ValidationError):
        obs.logger.info("Request refused", code="invalid_request", status=422)
        return error_response(
            422, "invalid_request", "some fields break the rules", field_errors(exc)
        )
    if isinstance(exc, FinestraError):
        status = next((_STATUS[k] for k in type(exc).__mro__ if k in _STATUS), 400)
        obs.logger.info("Request refused", code=exc.code, status=status)
        errors = [{"field": exc.field, "rule": exc.message}] if exc.field else None
        message = f"{exc.field} {exc.message}" if exc.field else exc.message
        return error_response(status, exc.code, message, errors)
    obs.logger.exception("Request failed", error_type=type(exc).__name__)
    obs.count("HttpErrors")
    return error_response(500, "internal_error", "the city could not handle this request")


def endpoint(obs: Observability) -> Callable[[Callable[P, Response]], Callable[P, Response]]:
    """Decorate a view so that any error becomes the one error body."""

    def decorate(view: Callable[P, Response]) -> Callable[P, Response]:
        @functools.wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> Response:
            try:
                return view(*args, **kwargs)
            except Exception as exc:
                return to_response(exc, obs)

        return wrapped

    return decorate


def install(app: Chalice, obs: Observability) -> None:
    """Reset per-request state, stamp the correlation id, and reshape Chalice's errors."""

    @app.middleware("http")
    def observe(
        event: ChaliceRequest, get_response: Callable[[ChaliceRequest], Response]
    ) -> Response:
        obs.reset()
        context = event.context or {}
        obs.logger.set_correlation_id(context.get("requestId"))
        obs.logger.append_keys(route=context.get("resourcePath"), method=event.method)
        try:
            response = get_response(event)
        finally:
            if obs.metrics.metric_set:
                obs.metrics.flush_metrics()
        return _reshaped(response)


def _reshaped(response: Response) -> Response:
    body = response.body
    if response.status_code < 400 or not isinstance(body, dict) or "Code" not in body:
        return response
    status = response.status_code
    code = _CHALICE_CODES.get(status, "internal_error")
    message = "the request was refused" if status < 500 else "the city could not handle this"
    shaped = error_response(status, code, message)
    shaped.headers.update({k: v for k, v in response.headers.items() if k != "Content-Type"})
    return shaped
