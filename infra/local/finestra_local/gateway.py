"""The local HTTP gateway: every HTTP API route of the template, as API Gateway calls it.

Each request becomes the payload-1.0 proxy event an HTTP API sends a Lambda function,
and is delivered through Lambda ``Invoke`` on the local stack, so it takes the same
path as in AWS. Two kinds of path are the local stack's own: ``/_local/...``, the
simulated outside world (:mod:`finestra_local.outside`), which the deployed stack does
not have; and every other path outside ``/api/``, the built single-page desktop, which
CloudFront serves from its bucket in AWS. An unknown path there answers the desktop's
``index.html``, so its client-side routes survive a reload, as CloudFront's error
response does.

A route whose event names an authorizer (``Auth.Authorizer``, or the API's
``DefaultAuthorizer``) is served only once the authorizer accepts the request's token
(:class:`finestra_local.cognito.JwtVerifier`); a refusal is API Gateway's own 401
``{"message":"Unauthorized"}``, and the function is not invoked. Before the desktop's
files come its ``/config.json`` and, at ``/_local/cognito-idp/``, the same-origin proxy
of the local user pool (:class:`finestra_local.cognito.StaffSignIn`).
"""

import base64
import json
import mimetypes
import re
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from finestra_local.cognito import JwtVerifier, Refused, StaffSignIn
from finestra_local.lambdas import TemplateError

HOST = "127.0.0.1"
MAX_BODY = 10 * 1024 * 1024
"""API Gateway's payload limit for an HTTP API (10 MB)."""
LOCAL_PREFIX = "/_local/"
CONFIG_PATH = "/config.json"
COGNITO_PROXY_PATH = "/_local/cognito-idp/"
NO_AUTHORIZER = "NONE"
_SIGN_IN_PATHS = frozenset({CONFIG_PATH, COGNITO_PROXY_PATH, COGNITO_PROXY_PATH.rstrip("/")})
_GATEWAY_MESSAGES = {401: "Unauthorized", 403: "Forbidden", 500: "Internal Server Error"}

Answer = tuple[int, dict[str, str], bytes]
LocalHandler = Callable[[str, str, Mapping[str, str], bytes], Answer]
"""Answers ``/_local/...``: method, URL (path and query), headers, body."""


@dataclass(frozen=True)
class Route:
    """One ``HttpApi`` event of a function: method, path template, function and authorizer."""

    method: str
    path: str
    function: str
    authorizer: str | None = None
    scopes: tuple[str, ...] = ()

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """The path parameters when ``method`` and ``path`` are this route's."""
        if method != self.method:
            return None
        pattern = re.sub(r"\\\{([A-Za-z0-9_]+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.path))
        found = re.fullmatch(pattern, path)
        return found.groupdict() if found else None


def _api_auth(template: Mapping[str, Any], event: Mapping[str, Any]) -> Mapping[str, Any]:
    """The ``Auth`` of the API an event belongs to: its ``ApiId``, or the implicit API."""
    api = event.get("ApiId")
    if isinstance(api, dict) and "Ref" in api:
        declared = template.get("Resources", {}).get(api["Ref"], {}).get("Properties", {})
    else:
        declared = template.get("Globals", {}).get("HttpApi", {})
    auth: Mapping[str, Any] = declared.get("Auth", {})
    return auth


def _route(template: Mapping[str, Any], function: str, event: Mapping[str, Any]) -> Route:
    api_auth = _api_auth(template, event)
    own = event.get("Auth", {})
    authorizer = own.get("Authorizer", api_auth.get("DefaultAuthorizer"))
    if authorizer in (None, NO_AUTHORIZER):
        return Route(str(event["Method"]).upper(), str(event["Path"]), function)
    if authorizer == "AWS_IAM":
        raise TemplateError(f"{function}: IAM authorization of a route does not run locally")
    declared = api_auth.get("Authorizers", {}).get(authorizer, {})
    scopes = own.get("AuthorizationScopes", declared.get("AuthorizationScopes", []))
    return Route(
        str(event["Method"]).upper(),
        str(event["Path"]),
        function,
        authorizer=str(authorizer),
        scopes=tuple(str(scope) for scope in scopes),
    )


def routes_of(template: Mapping[str, Any]) -> list[Route]:
    """Every ``HttpApi`` event of every function in the template, with its authorizer."""
    routes = []
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        for event in resource.get("Properties", {}).get("Events", {}).values():
            if event.get("Type") == "HttpApi":
                routes.append(_route(template, logical_id, event["Properties"]))
    return routes


def proxy_event(
    route: Route,
    *,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    parameters: dict[str, str],
    source_ip: str,
    authorizer: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The payload-1.0 event an HTTP API sends for this request.

    ``authorizer`` is what the route's authorizer found (the token's claims), put in
    ``requestContext.authorizer``.
    """
    split = urlsplit(url)
    query = parse_qs(split.query, keep_blank_values=True)
    lowered = {name.lower(): value for name, value in headers.items()}
    try:
        text, encoded = body.decode(), False
    except UnicodeDecodeError:
        text, encoded = base64.b64encode(body).decode(), True
    now = datetime.now(UTC)
    event: dict[str, Any] = {
        "version": "1.0",
        "resource": route.path,
        "path": split.path,
        "httpMethod": method,
        "headers": lowered,
        "multiValueHeaders": {name: [value] for name, value in lowered.items()},
        "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": lowered.get("host", HOST),
            "domainPrefix": "local",
            "extendedRequestId": uuid.uuid4().hex[:16],
            "httpMethod": method,
            "identity": {"sourceIp": source_ip, "userAgent": lowered.get("user-agent", "")},
            "path": split.path,
            "protocol": "HTTP/1.1",
            "requestId": str(uuid.uuid4()),
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "resourceId": None,
            "resourcePath": route.path,
            "stage": "$default",
        },
        "pathParameters": parameters or None,
        "stageVariables": None,
        "body": text or None,
        "isBase64Encoded": encoded,
    }
    if authorizer is not None:
        event["requestContext"]["authorizer"] = dict(authorizer)
    return event


def _refusal(status: int) -> Answer:
    """API Gateway's own answer when it refuses a request before the function."""
    body = json.dumps({"message": _GATEWAY_MESSAGES[status]}, separators=(",", ":")).encode()
    return status, {"Content-Type": "application/json"}, body


def _error(status: int, code: str, message: str) -> tuple[int, dict[str, str], bytes]:
    body = json.dumps({"code": code, "message": message}).encode()
    return status, {"Content-Type": "application/json"}, body


class Gateway:
    """The routes on ``HOST:port``, each delivered through ``invoke`` (Lambda Invoke).

    ``authorizers`` checks the requests of routes that name one, by the authorizer's
    name; a route whose authorizer is not there is refused with a 500, as API Gateway
    refuses one whose authorizer is misconfigured. ``sign_in`` serves the desktop's
    ``/config.json`` and the Cognito proxy.
    """

    def __init__(
        self,
        routes: list[Route],
        invoke: Callable[[str, dict[str, Any]], dict[str, Any]],
        health: Callable[[], dict[str, Any]],
        port: int,
        *,
        local: LocalHandler | None = None,
        static_dir: Path | None = None,
        authorizers: Mapping[str, JwtVerifier] | None = None,
        sign_in: StaffSignIn | None = None,
    ) -> None:
        self.routes = routes
        self._invoke = invoke
        self._health = health
        self._local = local
        self._authorizers = dict(authorizers or {})
        self._sign_in = sign_in
        self._static = static_dir.resolve() if static_dir is not None else None
        self._server = ThreadingHTTPServer((HOST, port), self._handler())
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="finestra-local-gateway", daemon=True
        )

    @property
    def url(self) -> str:
        """Where the gateway listens."""
        return f"http://{HOST}:{self.port}"

    def start(self) -> "Gateway":
        """Serve in a thread of its own."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def answer(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes, source_ip: str
    ) -> tuple[int, dict[str, str], bytes]:
        """Status, headers and body for one request."""
        path = urlsplit(url).path
        own = self._own(method, url, headers, body)
        if own is not None:
            return own
        for route in self.routes:
            parameters = route.match(method, path)
            if parameters is not None:
                try:
                    authorizer = self._authorize(route, headers)
                except Refused as refused:
                    return _refusal(refused.status)
                event = proxy_event(
                    route,
                    method=method,
                    url=url,
                    headers=headers,
                    body=body,
                    parameters=parameters,
                    source_ip=source_ip,
                    authorizer=authorizer,
                )
                return self._deliver(route, event)
        if any(route.match(route.method, path) is not None for route in self.routes):
            return _error(405, "method_not_allowed", "the route does not take this method")
        return _error(404, "not_found", "no route here")

    def _own(self, method: str, url: str, headers: Mapping[str, str], body: bytes) -> Answer | None:
        """The answer to a path of the local stack's own; ``None`` for an API route."""
        path = urlsplit(url).path
        if method == "GET" and path == "/api/health":
            state = self._health()
            status = 200 if all(part == "ok" for part in state.values()) else 503
            return status, {"Content-Type": "application/json"}, json.dumps(state).encode()
        if self._sign_in is not None and path in _SIGN_IN_PATHS:
            return self._staff_sign_in(self._sign_in, method, path, headers, body)
        if path.startswith(LOCAL_PREFIX) and self._local is not None:
            return self._local(method, url, headers, body)
        if not path.startswith("/api/") and path != "/api":
            return self._file(method, path)
        return None

    def _authorize(self, route: Route, headers: Mapping[str, str]) -> dict[str, Any] | None:
        """What the route's authorizer found in the request; ``None`` for a public route."""
        if route.authorizer is None:
            return None
        verifier = self._authorizers.get(route.authorizer)
        if verifier is None:
            raise Refused(f"no authorizer {route.authorizer} is configured", status=500)
        return verifier.authorize(headers, route.scopes)

    def _staff_sign_in(
        self,
        sign_in: StaffSignIn,
        method: str,
        path: str,
        headers: Mapping[str, str],
        body: bytes,
    ) -> Answer:
        """The desktop's ``/config.json``, or one call to the local user pool."""
        if path != CONFIG_PATH:
            if method != "POST":
                return _error(405, "method_not_allowed", "Cognito's API takes POST only")
            return sign_in.forward(headers, body)
        if method not in ("GET", "HEAD"):
            return _error(405, "method_not_allowed", "the configuration is read-only")
        host = {name.lower(): value for name, value in headers.items()}.get("host")
        origin = f"http://{host}" if host else self.url
        config = json.dumps(sign_in.config(origin + COGNITO_PROXY_PATH)).encode()
        return 200, {"Content-Type": "application/json", "Cache-Control": "no-cache"}, config

    def _file(self, method: str, path: str) -> Answer:
        """A file of the built desktop, or its ``index.html`` for a client-side route."""
        if method not in ("GET", "HEAD"):
            return _error(405, "method_not_allowed", "the desktop's files are read-only")
        if self._static is None or not (self._static / "index.html").is_file():
            return _error(404, "not_found", "the desktop is not built: run 'make run'")
        wanted = (self._static / path.lstrip("/")).resolve()
        if not wanted.is_relative_to(self._static) or not wanted.is_file():
            wanted = self._static / "index.html"
        kind = mimetypes.guess_type(wanted.name)[0] or "application/octet-stream"
        # Vite names every asset by its content's hash; only index.html may change.
        cache = "no-cache" if wanted.name == "index.html" else "public, max-age=31536000, immutable"
        headers = {"Content-Type": kind, "Cache-Control": cache}
        return 200, headers, wanted.read_bytes()

    def _deliver(self, route: Route, event: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        result = self._invoke(route.function, event)
        if "statusCode" not in result:
            return _error(502, "bad_gateway", "the function did not answer a proxy response")
        headers = {k: str(v) for k, v in (result.get("headers") or {}).items()}
        raw = result.get("body") or ""
        body = base64.b64decode(raw) if result.get("isBase64Encoded") else str(raw).encode()
        return int(result["statusCode"]), headers, body

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_BODY:
                    status, headers, body = _error(
                        413, "payload_too_large", "the body is larger than 10 MB"
                    )
                else:
                    status, headers, body = gateway.answer(
                        self.command,
                        self.path,
                        dict(self.headers.items()),
                        self.rfile.read(length) if length else b"",
                        self.client_address[0],
                    )
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve  # noqa: N815

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler


def lambda_invoker(client: Any) -> Callable[[str, dict[str, Any]], dict[str, Any]]:
    """Deliver an event with Lambda ``Invoke`` and return the function's answer."""

    def invoke(function: str, event: dict[str, Any]) -> dict[str, Any]:
        response = client.invoke(FunctionName=function, Payload=json.dumps(event).encode())
        answer: dict[str, Any] = json.loads(response["Payload"].read() or b"{}")
        return answer

    return invoke
