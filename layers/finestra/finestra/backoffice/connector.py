"""Connectors: one lookup of one request in one back-office system, over HTTPS.

A connector POSTs the lookup with the system's credentials, within the system's timeout,
tries once more after a short pause when the connection failed or timed out (never after
an answer), and turns the answer into a :class:`LookupResult` or raises
:class:`SystemUnavailable` or :class:`SystemAnswerInvalid`. Every call goes through the
system's circuit breaker.

A connector logs nothing: the query and the answer hold personal data, and the caller
logs the outcome with the request's ids.
"""

import base64
import json
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, NoReturn

import urllib3
from urllib3.exceptions import HTTPError, NewConnectionError, ProtocolError, SSLError
from urllib3.exceptions import TimeoutError as Urllib3Timeout

from finestra.backoffice.breaker import CircuitBreaker
from finestra.backoffice.model import (
    MAX_DATA_BYTES,
    LookupQuery,
    LookupResult,
    LookupStatus,
    SystemAnswerInvalid,
    SystemUnavailable,
    json_size,
)
from finestra.backoffice.registry import BackOfficeSystem

RETRY_DELAY_SECONDS: Final = 0.1
MAX_ANSWER_BYTES: Final = 65_536
"""The most of an answer that is read; a longer one is refused unread."""

Credentials = Callable[[str], Mapping[str, Any]]
"""The secret with a name, as a JSON object (wired to Secrets Manager by the caller)."""
Clock = Callable[[], datetime]
Sleep = Callable[[float], None]


def utc_now() -> datetime:
    """The time now, in UTC."""
    return datetime.now(UTC)


def authorization(secret: Mapping[str, Any]) -> str:
    """The ``Authorization`` header a system's secret stands for.

    Parameters
    ----------
    secret
        ``{"scheme": "bearer", "token": …}`` or
        ``{"scheme": "basic", "username": …, "password": …}``.

    Returns
    -------
    str
        The header's value.

    Raises
    ------
    SystemUnavailable
        With reason ``credentials`` when the secret is neither.
    """
    scheme = secret.get("scheme")
    if scheme == "bearer":
        token = secret.get("token")
        if isinstance(token, str) and token and token.isprintable() and " " not in token:
            return f"Bearer {token}"
    if scheme == "basic":
        username, password = secret.get("username"), secret.get("password")
        usable = isinstance(username, str) and username and ":" not in username
        if usable and isinstance(password, str):
            pair = f"{username}:{password}".encode()
            return f"Basic {base64.b64encode(pair).decode('ascii')}"
    raise SystemUnavailable("credentials")


@dataclass(frozen=True)
class Answer:
    """A system's HTTP answer, read whole."""

    status: int
    body: bytes
    content_type: str

    @property
    def charset(self) -> str | None:
        """The ``charset`` parameter of the answer's content type, if it names one."""
        for parameter in self.content_type.split(";")[1:]:
            name, _, value = parameter.strip().partition("=")
            if name.strip().lower() == "charset" and value.strip():
                return value.strip().strip('"')
        return None


class _ConnectionFailed(Exception):
    """The call got no answer in a way worth one more try."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Connector(ABC):
    """What every connector shares: credentials, breaker, retry and the status codes.

    Parameters
    ----------
    system
        The system's registry entry.
    http
        The process's connection pool.
    credentials
        Reads a secret by name (the system's ``secret``).
    breaker
        The system's circuit breaker.
    clock
        Stamps ``fetched_at`` and measures ``duration_ms``.
    sleep
        Waits before the one retry.
    """

    accept: str = "application/json"

    def __init__(
        self,
        system: BackOfficeSystem,
        http: urllib3.PoolManager,
        credentials: Credentials,
        breaker: CircuitBreaker,
        *,
        clock: Clock = utc_now,
        sleep: Sleep = time.sleep,
    ) -> None:
        self.system = system
        self._http = http
        self._credentials = credentials
        self._breaker = breaker
        self._clock = clock
        self._sleep = sleep

    def lookup(self, query: LookupQuery) -> LookupResult:
        """Ask the system what it knows about the query's citizen and place.

        Parameters
        ----------
        query
            The request's reference, theme and what the citizen and place are known by.

        Returns
        -------
        LookupResult
            ``ok`` with the system's data, or ``not_found`` (with ``error`` set to
            ``no_keys`` when the query holds nothing the system is queried by, in which
            case the system is not called).

        Raises
        ------
        SystemUnavailable
            No answer now: a timeout, no connection, a 5xx or 429, refused credentials
            (``auth``), an unusable secret (``credentials``), or an open circuit
            (``circuit_open``, without calling).
        SystemAnswerInvalid
            An answer that is not one: garbage, the wrong shape, too large, or an
            unexpected status.

        Notes
        -----
        An error of ``credentials`` itself (Secrets Manager's, say) is not caught, and
        neither the query nor the answer is logged.
        """
        started = self._clock()
        payload = query.payload(self.system.lookup_by)
        if payload is None:
            return LookupResult.not_found(
                self.system.code, fetched_at=started, duration_ms=0, error="no_keys"
            )
        headers = {
            "Authorization": authorization(self._credentials(self.system.secret)),
            "Accept": self.accept,
        }
        body, content_type = self.encode(payload)
        headers["Content-Type"] = content_type
        if not self._breaker.allow():
            raise SystemUnavailable("circuit_open")
        try:
            status, data = self._classify(self._send(body, headers))
        except Exception:
            self._breaker.record_failure()
            raise
        self._breaker.record_success()
        fetched_at = self._clock()
        duration_ms = max(0, int((fetched_at - started).total_seconds() * 1000))
        if status is LookupStatus.NOT_FOUND:
            return LookupResult.not_found(
                self.system.code, fetched_at=fetched_at, duration_ms=duration_ms
            )
        return LookupResult.ok(
            self.system.code, data, fetched_at=fetched_at, duration_ms=duration_ms
        )

    @abstractmethod
    def encode(self, payload: dict[str, Any]) -> tuple[bytes, str]:
        """The request body for ``payload`` and its content type."""

    @abstractmethod
    def decode(self, answer: Answer) -> tuple[LookupStatus, dict[str, Any]]:
        """The status and data of a ``200`` answer; raises when it is not an answer."""

    def _send(self, body: bytes, headers: dict[str, str]) -> Answer:
        try:
            return self._call(body, headers)
        except _ConnectionFailed:
            self._sleep(RETRY_DELAY_SECONDS)
        try:
            return self._call(body, headers)
        except _ConnectionFailed as exc:
            raise SystemUnavailable(exc.reason) from exc

    def _call(self, body: bytes, headers: dict[str, str]) -> Answer:
        try:
            response = self._http.request(
                "POST",
                self.system.url,
                body=body,
                headers=headers,
                timeout=urllib3.Timeout(total=self.system.timeout_seconds),
                retries=False,
                redirect=False,
                preload_content=False,
            )
            try:
                raw = response.read(MAX_ANSWER_BYTES + 1)
                if len(raw) > MAX_ANSWER_BYTES:
                    response.close()
            finally:
                response.release_conn()
        except NewConnectionError as exc:
            raise _ConnectionFailed("connection") from exc
        except Urllib3Timeout as exc:
            raise _ConnectionFailed("timeout") from exc
        except ProtocolError as exc:
            raise _ConnectionFailed("connection") from exc
        except SSLError as exc:
            raise SystemUnavailable("tls") from exc
        except HTTPError as exc:
            raise SystemUnavailable("connection") from exc
        if len(raw) > MAX_ANSWER_BYTES:
            raise SystemAnswerInvalid("too_large")
        return Answer(response.status, raw, response.headers.get("Content-Type", ""))

    def _classify(self, answer: Answer) -> tuple[LookupStatus, dict[str, Any]]:
        if answer.status == 200:
            status, data = self.decode(answer)
            if json_size(data) > MAX_DATA_BYTES:
                raise SystemAnswerInvalid("too_large")
            return status, data
        if answer.status == 404:
            return LookupStatus.NOT_FOUND, {}
        if answer.status in (401, 403):
            raise SystemUnavailable("auth")
        if answer.status == 429 or answer.status >= 500:
            raise SystemUnavailable(f"http_{answer.status}")
        raise SystemAnswerInvalid(f"http_{answer.status}")


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


class HttpJsonConnector(Connector):
    """A system that takes a JSON object and answers one (``protocol: https-json``).

    ``200`` with a JSON object is ``ok``; ``404`` is ``not_found``; anything else that
    is not an answer raises (see :meth:`Connector.lookup`).
    """

    accept = "application/json"

    def encode(self, payload: dict[str, Any]) -> tuple[bytes, str]:
        """The payload as compact UTF-8 JSON.

        Parameters
        ----------
        payload
            The lookup's body (:meth:`LookupQuery.payload`).

        Returns
        -------
        tuple of bytes and str
            The body and ``application/json``.
        """
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        return text.encode("utf-8"), "application/json"

    def decode(self, answer: Answer) -> tuple[LookupStatus, dict[str, Any]]:
        """The JSON object of a ``200`` answer as the lookup's data.

        Parameters
        ----------
        answer
            The system's answer.

        Returns
        -------
        tuple of LookupStatus and dict
            ``ok`` and the object.

        Raises
        ------
        SystemAnswerInvalid
            With reason ``invalid_answer`` when the body is not JSON (NaN and infinities
            included) or not an object.
        """
        try:
            value = json.loads(answer.body, parse_constant=_refuse_constant)
        except (ValueError, RecursionError) as exc:
            raise SystemAnswerInvalid("invalid_answer") from exc
        if not isinstance(value, dict):
            raise SystemAnswerInvalid("invalid_answer")
        return LookupStatus.OK, value
