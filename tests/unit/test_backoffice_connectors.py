"""Both connectors against a scripted HTTP server on the loopback: every way a call ends."""

import base64
import json
import logging
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qs

import pytest
import urllib3

from finestra.backoffice import (
    Breakers,
    CitizenKeys,
    Connector,
    HttpJsonConnector,
    LegacyFormConnector,
    LookupQuery,
    LookupStatus,
    PlaceKeys,
    Registry,
    SystemAnswerInvalid,
    SystemUnavailable,
    connector_for,
)
from finestra.backoffice.registry import BackOfficeSystem

CONFIG = Path(__file__).resolve().parents[2] / "infra" / "config"
DOCUMENT_ID = "48151623K"
QUERY = LookupQuery(
    reference="BCN-2026-000123",
    theme_code="fines.appeal",
    citizen=CitizenKeys(document_id=DOCUMENT_ID, phone="+34600111222", email="jordi@example.cat"),
    location=PlaceKeys(latitude=41.3870, longitude=2.1700),
)
BEARER = {"scheme": "bearer", "token": "test-token"}
BASIC = {"scheme": "basic", "username": "finestra", "password": "s3cret"}


@dataclass
class Reply:
    """What the scripted server does with one call."""

    status: int = 200
    body: bytes = b"{}"
    content_type: str = "application/json"
    delay: float = 0.0
    hang_up: bool = False


@dataclass
class Received:
    """One call the scripted server received."""

    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Script:
    """The replies to give in turn (the last one again and again) and the calls received."""

    base_url: str = ""
    replies: list[Reply] = field(default_factory=lambda: [Reply()])
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)

    def next_reply(self, call: Received) -> Reply:
        with self.lock:
            self.received.append(call)
            return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]


class ScriptedServer(ThreadingHTTPServer):
    daemon_threads = True
    script: Script


class ScriptedHandler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_POST(self) -> None:
        script = cast(ScriptedServer, self.server).script
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        reply = script.next_reply(Received(self.path, dict(self.headers.items()), body))
        if reply.delay and script.stopping.wait(reply.delay):
            return
        if reply.hang_up:
            self.close_connection = True
            return
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
        except ConnectionError:
            self.close_connection = True


@pytest.fixture
def script() -> Iterator[Script]:
    script = Script()
    server = ScriptedServer(("127.0.0.1", 0), ScriptedHandler)
    server.script = script
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    script.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    yield script
    script.stopping.set()
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


class Ticking:
    """A clock that moves 25 ms each time it is read."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 14, 19, 41, 8, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=25)
        return self.now


class Monotonic:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Rig:
    """A connector under test and what it was built with."""

    connector: Connector
    sleeps: list[float]
    ticks: Monotonic
    breakers: Breakers


MakeRig = Callable[..., Rig]


@pytest.fixture
def rig(script: Script) -> Iterator[MakeRig]:
    http = urllib3.PoolManager()

    def make(
        code: str = "fines",
        *,
        secret: dict[str, str] | None = None,
        timeout_ms: int | None = None,
        base_url: str | None = None,
    ) -> Rig:
        registry = Registry.load(CONFIG, base_url_override=base_url or script.base_url)
        system: BackOfficeSystem = registry.system(code)
        if timeout_ms is not None:
            system = system.model_copy(update={"timeout_ms": timeout_ms})
        sleeps: list[float] = []
        ticks = Monotonic()
        breakers = Breakers(ticks)
        secrets = {system.secret: secret or BEARER}
        connector = connector_for(
            system, http, secrets.__getitem__, breakers, clock=Ticking(), sleep=sleeps.append
        )
        return Rig(connector, sleeps, ticks, breakers)

    yield make
    http.clear()


def json_reply(document: Any, status: int = 200) -> Reply:
    return Reply(status=status, body=json.dumps(document).encode())


def form_reply(text: str, charset: str = "utf-8") -> Reply:
    content_type = f"application/x-www-form-urlencoded; charset={charset}"
    return Reply(body=text.encode("ascii"), content_type=content_type)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# The JSON connector.


def test_an_answer_with_a_json_object_is_ok_with_its_data(script: Script, rig: MakeRig) -> None:
    # given a system that knows the citizen
    script.replies = [json_reply({"open_fines": 2, "amount_due_eur": "120.00"})]

    # when the citizen is looked up
    result = rig().connector.lookup(QUERY)

    # then the result is ok, carries the data and is timed by the clock
    assert result.status is LookupStatus.OK
    assert result.available
    assert result.data == {"open_fines": 2, "amount_due_eur": "120.00"}
    assert result.system == "fines"
    assert result.duration_ms == 25
    assert result.fetched_at == datetime(2026, 3, 14, 19, 41, 8, 50_000, tzinfo=UTC)


def test_the_lookup_is_posted_as_json_with_the_secret_and_only_the_systems_keys(
    script: Script, rig: MakeRig
) -> None:
    # given a system queried by document id

    # when the citizen is looked up
    rig().connector.lookup(QUERY)

    # then one JSON POST on the system's path carried the bearer token and the document id
    [call] = script.received
    assert call.path == "/multes/v1/offenders/lookup"
    assert call.headers["Authorization"] == "Bearer test-token"
    assert call.headers["Accept"] == "application/json"
    assert call.headers["Content-Type"] == "application/json"
    assert json.loads(call.body) == {
        "reference": "BCN-2026-000123",
        "theme_code": "fines.appeal",
        "citizen": {"document_id": DOCUMENT_ID},
    }


def test_a_basic_secret_is_sent_as_http_basic(script: Script, rig: MakeRig) -> None:
    # given a system whose secret holds a username and a password

    # when the citizen is looked up
    rig(secret=BASIC).connector.lookup(QUERY)

    # then the call carried them as HTTP Basic
    expected = base64.b64encode(b"finestra:s3cret").decode()
    assert script.received[0].headers["Authorization"] == f"Basic {expected}"


def test_a_404_is_not_found(script: Script, rig: MakeRig) -> None:
    # given a system that does not know the citizen
    script.replies = [json_reply({"code": "not_found"}, status=404)]

    # when the citizen is looked up
    result = rig().connector.lookup(QUERY)

    # then the result is not found, available and without data
    assert result.status is LookupStatus.NOT_FOUND
    assert result.available
    assert result.data == {}


@pytest.mark.parametrize(
    ("status", "error", "reason"),
    [
        (503, SystemUnavailable, "http_503"),
        (500, SystemUnavailable, "http_500"),
        (429, SystemUnavailable, "http_429"),
        (401, SystemUnavailable, "auth"),
        (403, SystemUnavailable, "auth"),
        (400, SystemAnswerInvalid, "http_400"),
        (409, SystemAnswerInvalid, "http_409"),
        (302, SystemAnswerInvalid, "http_302"),
        (204, SystemAnswerInvalid, "http_204"),
    ],
)
def test_an_answer_that_is_not_ok_raises_once_without_a_retry(
    script: Script, rig: MakeRig, status: int, error: type[Exception], reason: str
) -> None:
    # given a system that answers with an error status
    script.replies = [Reply(status=status, body=b"")]
    built = rig()

    # when the citizen is looked up, then it raises with a short reason
    with pytest.raises(error) as raised:
        built.connector.lookup(QUERY)
    assert str(raised.value) == reason

    # and an answer, even a refusal, is never asked again
    assert len(script.received) == 1
    assert built.sleeps == []


def test_a_system_slower_than_its_timeout_is_tried_twice_then_unavailable(
    script: Script, rig: MakeRig
) -> None:
    # given a system that answers after 0.6 s, and a timeout of 0.15 s
    script.replies = [Reply(delay=0.6)]
    built = rig(timeout_ms=150)

    # when the citizen is looked up, then it times out
    with pytest.raises(SystemUnavailable, match=r"^timeout$"):
        built.connector.lookup(QUERY)

    # after one more try, 100 ms after the first
    assert len(script.received) == 2
    assert built.sleeps == [0.1]


def test_a_refused_connection_is_tried_twice_then_unavailable(rig: MakeRig) -> None:
    # given a system whose port nothing listens on
    built = rig(base_url=f"http://127.0.0.1:{free_port()}")

    # when the citizen is looked up, then there is no connection, after one retry
    with pytest.raises(SystemUnavailable, match=r"^connection$"):
        built.connector.lookup(QUERY)
    assert built.sleeps == [0.1]


def test_a_connection_dropped_once_is_retried_and_answers(script: Script, rig: MakeRig) -> None:
    # given a system that hangs up on the first call and answers the second
    script.replies = [Reply(hang_up=True), json_reply({"open_fines": 0})]
    built = rig()

    # when the citizen is looked up
    result = built.connector.lookup(QUERY)

    # then the retry's answer is the result
    assert result.data == {"open_fines": 0}
    assert len(script.received) == 2
    assert built.sleeps == [0.1]


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body>Internal error</body></html>",
        b"[1, 2, 3]",
        b'"ok"',
        b'{"level": NaN}',
        b"\xff\xfe{",
        b"",
    ],
)
def test_an_ok_answer_that_is_not_a_json_object_is_invalid(
    script: Script, rig: MakeRig, body: bytes
) -> None:
    # given a system that answers 200 with something other than a JSON object
    script.replies = [Reply(body=body, content_type="text/html")]

    # when the citizen is looked up, then the answer is invalid
    with pytest.raises(SystemAnswerInvalid, match=r"^invalid_answer$"):
        rig().connector.lookup(QUERY)


@pytest.mark.parametrize("size", [5_000, 70_000])
def test_an_answer_too_large_to_keep_is_invalid(script: Script, rig: MakeRig, size: int) -> None:
    # given a system that answers a JSON object larger than a lookup may keep
    script.replies = [json_reply({"history": "x" * size})]

    # when the citizen is looked up, then the answer is refused as too large
    with pytest.raises(SystemAnswerInvalid, match=r"^too_large$"):
        rig().connector.lookup(QUERY)


def test_a_secret_that_is_neither_bearer_nor_basic_is_not_sent(
    script: Script, rig: MakeRig
) -> None:
    # given a system whose secret is not usable
    built = rig(secret={"scheme": "digest", "token": "x"})

    # when the citizen is looked up, then the secret is refused and the system not called
    with pytest.raises(SystemUnavailable, match=r"^credentials$"):
        built.connector.lookup(QUERY)
    assert script.received == []


def test_a_query_with_nothing_the_system_is_queried_by_asks_nothing(
    script: Script, rig: MakeRig
) -> None:
    # given a query that knows the place only, for a system queried by document id
    query = QUERY.model_copy(update={"citizen": None})

    # when it is looked up
    result = rig().connector.lookup(query)

    # then the system is not called and the result says there was nothing to ask
    assert result.status is LookupStatus.NOT_FOUND
    assert result.error == "no_keys"
    assert script.received == []


def test_five_failures_open_the_circuit_and_the_sixth_lookup_calls_nothing(
    script: Script, rig: MakeRig
) -> None:
    # given a system that fails every call
    script.replies = [Reply(status=503, body=b"")]
    built = rig()
    for _ in range(5):
        with pytest.raises(SystemUnavailable, match="http_503"):
            built.connector.lookup(QUERY)

    # when it is asked once more, then the circuit is open
    with pytest.raises(SystemUnavailable, match=r"^circuit_open$"):
        built.connector.lookup(QUERY)

    # and the system was not called again
    assert len(script.received) == 5


def test_after_thirty_seconds_a_probe_that_answers_closes_the_circuit(
    script: Script, rig: MakeRig
) -> None:
    # given an open circuit on a system that has recovered
    script.replies = [Reply(status=503, body=b"")] * 5 + [json_reply({"open_fines": 1})]
    built = rig()
    for _ in range(5):
        with pytest.raises(SystemUnavailable):
            built.connector.lookup(QUERY)

    # when thirty seconds pass and the citizen is looked up
    built.ticks.now += 30
    result = built.connector.lookup(QUERY)

    # then the probe's answer is the result and the circuit is closed
    assert result.data == {"open_fines": 1}
    assert built.breakers.states() == {"fines": "closed"}


def test_invalid_answers_count_as_failures_of_the_circuit(script: Script, rig: MakeRig) -> None:
    # given a system that answers garbage
    script.replies = [Reply(body=b"<html/>", content_type="text/html")]
    built = rig()
    for _ in range(5):
        with pytest.raises(SystemAnswerInvalid):
            built.connector.lookup(QUERY)

    # when it is asked once more, then the circuit is open
    with pytest.raises(SystemUnavailable, match=r"^circuit_open$"):
        built.connector.lookup(QUERY)


def test_a_lookup_logs_neither_the_query_nor_the_answer(
    script: Script, rig: MakeRig, caplog: pytest.LogCaptureFixture
) -> None:
    # given a system whose answer names the citizen's card
    script.replies = [json_reply({"card_number": "29981234567890"})]

    # when the citizen is looked up with every logger listening
    with caplog.at_level(logging.DEBUG):
        rig().connector.lookup(QUERY)

    # then no log line holds the document id or the answer
    assert DOCUMENT_ID not in caplog.text
    assert "29981234567890" not in caplog.text


def test_each_protocol_gets_its_own_connector(rig: MakeRig) -> None:
    # given the registry's systems

    # when a connector is made for a JSON system and for the legacy one
    json_connector, legacy_connector = rig("fines").connector, rig("complaints-legacy").connector

    # then each speaks its system's protocol
    assert type(json_connector) is HttpJsonConnector
    assert type(legacy_connector) is LegacyFormConnector


# The legacy form connector.


def test_a_legacy_answer_is_parsed_with_its_charset_and_repeated_fields(
    script: Script, rig: MakeRig
) -> None:
    # given the legacy system's answer in ISO-8859-1, with a field given twice
    text = "estat=OK&num_expedients=2&temes=Enllumenat+p%FAblic&temes=Sorolls&nota="
    script.replies = [form_reply(text, charset="ISO-8859-1")]

    # when the citizen is looked up
    result = rig("complaints-legacy").connector.lookup(QUERY)

    # then the fields are the data: once a string, twice a list, and accents kept
    assert result.status is LookupStatus.OK
    assert result.data == {
        "num_expedients": "2",
        "temes": ["Enllumenat públic", "Sorolls"],
        "nota": "",
    }


def test_the_legacy_lookup_is_posted_as_a_form_of_the_systems_keys(
    script: Script, rig: MakeRig
) -> None:
    # given the legacy system, queried by document id, email and phone
    script.replies = [form_reply("estat=NO_TROBAT")]

    # when the citizen is looked up
    rig("complaints-legacy", secret=BASIC).connector.lookup(QUERY)

    # then one form POST carried the keys it is queried by, and no place
    [call] = script.received
    assert call.path == "/queixes/cgi-bin/consulta.cgi"
    assert call.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    assert call.headers["Authorization"].startswith("Basic ")
    assert parse_qs(call.body.decode()) == {
        "reference": ["BCN-2026-000123"],
        "theme_code": ["fines.appeal"],
        "document_id": [DOCUMENT_ID],
        "phone": ["+34600111222"],
        "email": ["jordi@example.cat"],
    }


def test_a_legacy_not_found_is_not_found(script: Script, rig: MakeRig) -> None:
    # given the legacy system that does not know the citizen
    script.replies = [form_reply("estat=NO_TROBAT")]

    # when the citizen is looked up
    result = rig("complaints-legacy").connector.lookup(QUERY)

    # then the result is not found
    assert result.status is LookupStatus.NOT_FOUND


def test_a_legacy_error_state_is_unavailable(script: Script, rig: MakeRig) -> None:
    # given the legacy system failing inside, and saying so in its answer
    script.replies = [form_reply("estat=ERROR&missatge=base+de+dades+no+disponible")]

    # when the citizen is looked up, then the system is unavailable
    with pytest.raises(SystemUnavailable, match=r"^legacy_error$"):
        rig("complaints-legacy").connector.lookup(QUERY)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"<html><body>Error intern</body></html>", "text/html"),
        (b"num_expedients=2", "application/x-www-form-urlencoded"),
        (b"estat=DESCONEGUT", "application/x-www-form-urlencoded"),
        (b"estat=OK&tema=Enllumenat+p\xfablic", "application/x-www-form-urlencoded"),
        (b"estat=OK&tema=p%FAblic", "application/x-www-form-urlencoded; charset=utf-8"),
        (b"estat=OK", "application/x-www-form-urlencoded; charset=klingon"),
    ],
)
def test_a_legacy_answer_that_is_not_a_known_form_is_invalid(
    script: Script, rig: MakeRig, body: bytes, content_type: str
) -> None:
    # given the legacy system answering garbage, no state, an unknown state, raw bytes,
    # escapes that are not of its charset, or an unknown charset
    script.replies = [Reply(body=body, content_type=content_type)]

    # when the citizen is looked up, then the answer is invalid
    with pytest.raises(SystemAnswerInvalid, match=r"^invalid_answer$"):
        rig("complaints-legacy").connector.lookup(QUERY)


def test_a_legacy_system_that_fails_is_unavailable_without_a_retry(
    script: Script, rig: MakeRig
) -> None:
    # given the legacy system answering 503
    script.replies = [Reply(status=503, body=b"Service Unavailable", content_type="text/plain")]

    # when the citizen is looked up, then it is unavailable, asked once
    with pytest.raises(SystemUnavailable, match=r"^http_503$"):
        rig("complaints-legacy").connector.lookup(QUERY)
    assert len(script.received) == 1
