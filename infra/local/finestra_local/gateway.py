"""The local HTTP gateway: every HTTP API route of the template, as API Gateway calls it.

Each request becomes the payload-1.0 proxy event an HTTP API sends a Lambda function,
and is delivered through Lambda ``Invoke`` on the local stack, so it takes the same
path as in AWS. Two kinds of path are the local stack's own: ``/_local/...``, the
simulated outside world (:mod:`finestra_local.outside`), which the deployed stack does
not have; and every other path outside ``/api/``, the built single-page desktop, which
CloudFront serves from its bucket in AWS. An unknown path there answers the desktop's
``index.html``, so its client-side routes survive a reload, as CloudFront's error
response does.
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

HOST = "127.0.0.1"
MAX_BODY = 10 * 1024 * 1024
"""API Gateway's payload limit for an HTTP API (10 MB)."""
LOCAL_PREFIX = "/_local/"

Answer = tuple[int, dict[str, str], bytes]
LocalHandler = Callable[[str, str, Mapping[str, str], bytes], Answer]
"""Answers ``/_local/...``: method, URL (path and query), headers, body."""


@dataclass(frozen=True)
class Route:
    """One ``HttpApi`` event of a function: method, path template and function."""

    method: str
    path: str
    function: str

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """The path parameters when ``method`` and ``path`` are this route's."""
        if method != self.method:
            return None
        pattern = re.sub(r"\\\{([A-Za-z0-9_]+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.path))
        found = re.fullmatch(pattern, path)
        return found.groupdict() if found else None


def routes_of(template: Mapping[str, Any]) -> list[Route]:
    """Every ``HttpApi`` event of every function in the template."""
    routes = []
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        for event in resource.get("Properties", {}).get("Events", {}).values():
            if event.get("Type") == "HttpApi":
                properties = event["Properties"]
                routes.append(
                    Route(str(properties["Method"]).upper(), str(properties["Path"]), logical_id)
                )
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
) -> dict[str, Any]:
    """The payload-1.0 event an HTTP API sends for this request."""
    split = urlsplit(url)
    query = parse_qs(split.query, keep_blank_values=True)
    lowered = {name.lower(): value for name, value in headers.items()}
    try:
        text, encoded = body.decode(), False
    except UnicodeDecodeError:
        text, encoded = base64.b64encode(body).decode(), True
    now = datetime.now(UTC)
    return {
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


def _error(status: int, code: str, message: str) -> tuple[int, dict[str, str], bytes]:
    body = json.dumps({"code": code, "message": message}).encode()
    return status, {"Content-Type": "application/json"}, body


class Gateway:
    """The routes on ``HOST:port``, each delivered through ``invoke`` (Lambda Invoke)."""

    def __init__(
        self,
        routes: list[Route],
        invoke: Callable[[str, dict[str, Any]], dict[str, Any]],
        health: Callable[[], dict[str, Any]],
        port: int,
        *,
        local: LocalHandler | None = None,
        static_dir: Path | None = None,
    ) -> None:
        self.routes = routes
        self._invoke = invoke
        self._health = health
        self._local = local
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
        if method == "GET" and path == "/api/health":
            state = self._health()
            status = 200 if all(part == "ok" for part in state.values()) else 503
            return status, {"Content-Type": "application/json"}, json.dumps(state).encode()
        if path.startswith(LOCAL_PREFIX) and self._local is not None:
            return self._local(method, url, headers, body)
        if not path.startswith("/api/") and path != "/api":
            return self._file(method, path)
        for route in self.routes:
            parameters = route.match(method, path)
            if parameters is not None:
                event = proxy_event(
                    route,
                    method=method,
                    url=url,
                    headers=headers,
                    body=body,
                    parameters=parameters,
                    source_ip=source_ip,
                )
                return self._deliver(route, event)
        if any(route.match(route.method, path) is not None for route in self.routes):
            return _error(405, "method_not_allowed", "the route does not take this method")
        return _error(404, "not_found", "no route here")

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
