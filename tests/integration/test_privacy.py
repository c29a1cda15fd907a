"""No personal data in logs or metrics: every channel's events run, the output is searched."""

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from finestra.apps.digest import DigestApp, DigestSettings
from tests.conftest import EVENTS, Clock, FakeLambdaContext, Seeder, load_event
from tests.support.aws import put_object

PERSONAL_KEYS = {
    "originationNumber",
    "messageBody",
    "Address",
    "description",
    "given_name",
    "family_names",
    "email",
    "phone",
    "name",
    "text",
    "message",
    "business_name",
    "tax_id",
}
"""Keys whose values in the event files are a citizen's data."""

CITY_ADDRESSES = {"+34930000000", "anonymous"}


def personal_values(value: Any, found: set[str]) -> None:
    """Collect every string under a personal key, decoding JSON strings as they nest."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in PERSONAL_KEYS and isinstance(inner, str):
                found.add(inner)
            personal_values(inner, found)
    elif isinstance(value, list):
        for inner in value:
            personal_values(inner, found)
    elif isinstance(value, str) and value[:1] in "{[":
        try:
            personal_values(json.loads(value), found)
        except ValueError:
            return


def mail_values(raw: bytes, found: set[str]) -> None:
    """The sender's name and address and the lines of the body of a MIME message."""
    message = message_from_bytes(raw, policy=policy.default)
    if not isinstance(message, EmailMessage):
        return
    sender = message.get("From")
    if sender is not None and sender.addresses:
        found.add(sender.addresses[0].addr_spec)
        found.add(sender.addresses[0].display_name)
    body = message.get_body(preferencelist=("plain",))
    if body is not None:
        found.update(line.strip() for line in body.get_content().splitlines())


def needles(texts: set[str]) -> set[str]:
    """What a leak would look like: whole values, and the words of each text long enough."""
    found: set[str] = set()
    for text in texts - CITY_ADDRESSES:
        if len(text) < 6:
            continue
        found.add(text)
        digits = re.sub(r"\D", "", text)
        if text.startswith("+") and len(digits) >= 9:
            found.add(digits[-9:])
        found.update(w for w in re.findall(r"[^\W\d_]{9,}", text))
    return found - {"anonymous", "Ajuntament", "Barcelona", "TELEPHONE_NUMBER"}


def next_city_morning() -> datetime:
    """Eight tomorrow morning in Barcelona: the digest sends whatever the hour of the run."""
    local = datetime.now(ZoneInfo("Europe/Madrid")) + timedelta(days=1)
    return datetime.combine(local.date(), time(8), local.tzinfo).astimezone(UTC)


@pytest.fixture
def every_channel(
    function: Callable[[str], ModuleType], seed: Seeder, monkeypatch: pytest.MonkeyPatch
) -> set[str]:
    """Run every event file through its handler; return what they carried."""
    digest = function("digest")
    digest_runtime = DigestApp(DigestSettings(), clock=Clock(next_city_morning()))
    monkeypatch.setattr(digest.app, "get", lambda: digest_runtime)
    citizen = seed.citizen(phone="+34633445566", email="nuria.ferrer@example.org")
    seed.request(citizen, reference="BCN-2026-000123", state="pending_answer")
    sent: set[str] = set()
    handlers = {
        "sms": function("sms_intake").lambda_handler,
        "email": function("email_intake").lambda_handler,
        "voice": function("voice_intake").lambda_handler,
        "social": function("social_webhook").app,
        "web": function("citizen_api").app,
        "desk": function("desk_api").app,
        "external": function("external_api").app,
        "digest": digest.lambda_handler,
        "delivery": function("delivery_events").lambda_handler,
        "open311": function("citizen_api").app,
    }
    for path in sorted(EVENTS.glob("*/*.json")):
        if path.name.endswith(".expected.json"):
            continue
        channel = path.parent.name
        event = load_event(f"{channel}/{path.name}")
        personal_values(event, sent)
        eml = path.with_suffix(".eml")
        if eml.exists():
            raw = eml.read_bytes()
            mail_values(raw, sent)
            action = json.loads(json.loads(event["Records"][0]["body"])["Message"])["receipt"][
                "action"
            ]
            if "objectKey" in action:
                put_object(action["bucketName"], action["objectKey"], raw)
        handlers[channel](event, FakeLambdaContext())
    return sent


def test_no_log_line_or_metric_carries_what_a_citizen_sent(
    every_channel: set[str],
    logs: Callable[[], list[dict[str, Any]]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    written = logs()
    output = json.dumps(written, ensure_ascii=False) + caplog.text
    searched = needles(every_channel)
    leaked = sorted(needle for needle in searched if needle in output)

    assert len(searched) > 100, "the events carry enough personal data to search for"
    services = {e.get("service") for e in written if "message" in e}
    assert services == {
        "sms_intake",
        "email_intake",
        "voice_intake",
        "social_webhook",
        "citizen_api",
        "desk_api",
        "external_api",
        "digest",
        "delivery_events",
    }, "every handler logged, so the search means something"
    assert {e.get("message") for e in written} >= {"Message refused", "Message accepted"}
    assert leaked == []


def test_the_search_would_find_a_leak() -> None:
    sent: set[str] = set()
    personal_values({"originationNumber": "+34612345678", "messageBody": "Fanal trencat"}, sent)

    output = json.dumps({"message": "Message accepted", "from": "612345678"})

    assert any(needle in output for needle in needles(sent))
