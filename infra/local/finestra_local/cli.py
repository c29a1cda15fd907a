"""``python -m finestra_local.cli``: play a citizen against the running local stack.

Each command is one request to the local gateway's ``/_local/`` endpoints
(:mod:`finestra_local.outside`): deliver an SMS, an email, a call or a social post to
the city, or list what the city sent. The exit code is 0 when the gateway accepts, 1
when it refuses (its message is printed) or cannot be reached, and 2 when the
arguments are wrong.

Examples
--------
::

    python -m finestra_local.cli sms --from +34600000001 "El fanal no s'encen"
    python -m finestra_local.cli email --from veina@example.org --subject Bache "Hi ha un forat"
    python -m finestra_local.cli call --from +34622334455 --theme lighting.streetlight-off \\
        --transcript "La farola esta apagada" --address "Carrer de Pau Claris, 120"
    python -m finestra_local.cli social --author @veina "Grafitis a la paret de l'escola"
    python -m finestra_local.cli outbox --channel sms
"""

from __future__ import annotations

import argparse
import base64
import json
import mimetypes
import os
import sys
import textwrap
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, Final
from urllib.parse import urlencode, urlsplit

__all__ = ["default_url", "main", "outbox_table", "parser"]

OK: Final = 0
REFUSED: Final = 1
BAD_ARGUMENTS: Final = 2
TIMEOUT_S: Final = 60
TEXT_WIDTH: Final = 72

Call = tuple[str, str, Any]
"""Method, path (with its query) and JSON body of one request to the gateway."""


def default_url() -> str:
    """The local gateway: ``127.0.0.1`` on ``$PORT``, or 8000."""
    return f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"


class _Refusal(Exception):
    """The arguments cannot make a request; argparse's usage error, raised late."""


def parser() -> argparse.ArgumentParser:
    """The command line: one subcommand per endpoint."""
    top = argparse.ArgumentParser(
        prog="python -m finestra_local.cli",
        description="Deliver what citizens send the local city, and list what it sent.",
    )
    top.add_argument("--url", help="the local gateway (default http://127.0.0.1:$PORT or :8000)")
    commands = top.add_subparsers(dest="command", required=True, metavar="command")

    sms = commands.add_parser("sms", help="text the city")
    sms.add_argument("--from", dest="sender", required=True, help="the citizen's phone number")
    sms.add_argument("--to", help="the city's number (default: the stack's)")
    sms.add_argument("text")

    mail = commands.add_parser("email", help="write to the city's mail domain")
    mail.add_argument("--from", dest="sender", help="the citizen's address")
    mail.add_argument("--name", help="the sender's display name")
    mail.add_argument("--to", help="an address at the city's domain (default: its mailbox)")
    mail.add_argument("--subject", default="")
    mail.add_argument("--attach", type=Path, action="append", default=[], metavar="FILE")
    mail.add_argument("--raw", type=Path, metavar="FILE", help="send this MIME file as it is")
    mail.add_argument("text", nargs="?", default="")

    call = commands.add_parser("call", help="phone the city's line")
    call.add_argument("--from", dest="sender", help="the caller's number (default: withheld)")
    call.add_argument("--lookup", action="store_true", help="only look the caller up")
    call.add_argument("--theme", help="theme code, e.g. lighting.streetlight-off")
    call.add_argument("--transcript", help="what the caller said")
    call.add_argument("--type", dest="request_type", help="incident, complaint, enquiry, ...")
    call.add_argument("--language", help="ca, es or en")
    call.add_argument("--address")
    call.add_argument("--district", dest="district_code")
    call.add_argument("--neighbourhood", dest="neighbourhood_code")
    call.add_argument("--response-channel", help="email, sms, phone, none, ...")
    call.add_argument("--verified", action="store_true", help="the agent checked who calls")

    social = commands.add_parser("social", help="post on the city's page, or message it")
    social.add_argument("--author", required=True, help="the author's handle, e.g. @veina")
    social.add_argument("--network", choices=("facebook", "instagram"), default="facebook")
    social.add_argument("--kind", choices=("post", "direct"), default="post")
    social.add_argument("text")

    outbox = commands.add_parser("outbox", help="list the SMS and email the city sent")
    outbox.add_argument("--to", help="only those to this recipient")
    outbox.add_argument("--channel", choices=("sms", "email"))
    outbox.add_argument("--since", help="only those sent since this ISO 8601 time")
    return top


def _sms(arguments: argparse.Namespace) -> Call:
    body = {"from": arguments.sender, "text": arguments.text}
    if arguments.to:
        body["to"] = arguments.to
    return "POST", "/_local/sms", body


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise _Refusal(f"cannot read {path}: {exc.strerror or type(exc).__name__}") from exc


def _email(arguments: argparse.Namespace) -> Call:
    if arguments.raw is not None:
        body: dict[str, Any] = {"raw": _read(arguments.raw).decode(errors="replace")}
        if arguments.to:
            body["to"] = arguments.to
        return "POST", "/_local/email", body
    if not arguments.sender:
        raise _Refusal("email needs --from, or --raw with a message that has a From header")
    attachments = [
        {
            "filename": path.name,
            "content_type": mimetypes.guess_type(path.name)[0] or "application/octet-stream",
            "content_base64": base64.b64encode(_read(path)).decode(),
        }
        for path in arguments.attach
    ]
    body = {
        "from": arguments.sender,
        "subject": arguments.subject,
        "text": arguments.text,
        "attachments": attachments,
    }
    for name in ("name", "to"):
        if getattr(arguments, name):
            body[name] = getattr(arguments, name)
    return "POST", "/_local/email", body


_CALL_FIELDS: Final = (
    "theme",
    "transcript",
    "request_type",
    "language",
    "address",
    "district_code",
    "neighbourhood_code",
    "response_channel",
)


def _call(arguments: argparse.Namespace) -> Call:
    body: dict[str, Any] = {
        name: getattr(arguments, name)
        for name in _CALL_FIELDS
        if getattr(arguments, name) is not None
    }
    if arguments.sender:
        body["from"] = arguments.sender
    if arguments.lookup:
        body["operation"] = "lookup"
    if arguments.verified:
        body["identity_verified"] = True
    return "POST", "/_local/call", body


def _social(arguments: argparse.Namespace) -> Call:
    body = {
        "network": arguments.network,
        "kind": arguments.kind,
        "author": arguments.author,
        "text": arguments.text,
    }
    return "POST", "/_local/social", body


def _outbox(arguments: argparse.Namespace) -> Call:
    filters = {
        name: getattr(arguments, name)
        for name in ("to", "channel", "since")
        if getattr(arguments, name)
    }
    query = f"?{urlencode(filters)}" if filters else ""
    return "GET", f"/_local/outbox{query}", None


_REQUESTS: Final[Mapping[str, Callable[[argparse.Namespace], Call]]] = {
    "sms": _sms,
    "email": _email,
    "call": _call,
    "social": _social,
    "outbox": _outbox,
}


def _one_line(text: str, width: int) -> str:
    return textwrap.shorten(" ".join(text.split()), width=width, placeholder="...") or "-"


def outbox_table(items: Sequence[Mapping[str, Any]]) -> str:
    """The outbox as a table: one line a message, its text cut to one line."""
    if not items:
        return "the city has sent nothing yet"
    header = ("sent at", "channel", "to", "from", "cost", "text")
    rows = [header]
    for item in items:
        cost = f"{item['segments']} x {item['encoding']}" if item.get("segments") else ""
        words = f"{item['subject']} | {item['text']}" if item.get("subject") else item["text"]
        sent_at = str(item["sent_at"])[:19].replace("T", " ")
        row = (sent_at, item["channel"], item["to"], item["from"], cost, _one_line(words, 1000))
        rows.append(row)
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    lines = []
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        lines.append("  ".join([*cells, _one_line(row[-1], TEXT_WIDTH)]).rstrip())
    return "\n".join(lines)


def _exchange(url: str, call: Call) -> tuple[int, Any]:
    """Send one request to the gateway; its status and JSON answer."""
    method, path, body = call
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked in main()
        url.rstrip("/") + path,
        data=data,
        method=method,
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310
            return response.status, _parsed(response.read())
    except urllib.error.HTTPError as refused:
        return refused.code, _parsed(refused.read())


def _parsed(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw.decode(errors="replace")


def _report(command: str, answer: Any, out: IO[str]) -> None:
    if command == "outbox":
        print(outbox_table(answer.get("items", [])), file=out)
    elif command in ("sms", "email"):
        print(f"delivered; message id {answer['message_id']}", file=out)
    elif command == "call" and isinstance(answer, dict):
        for key, value in answer.items():
            print(f"{key}: {value}", file=out)
    else:
        print(json.dumps(answer, ensure_ascii=False), file=out)


def _refusal_message(status: int, answer: Any) -> str:
    if isinstance(answer, dict) and "message" in answer:
        return f"refused ({status}): {answer['message']}"
    return f"refused ({status})"


def main(
    argv: Sequence[str] | None = None, *, out: IO[str] | None = None, err: IO[str] | None = None
) -> int:
    """Run one command; answer the exit code (0 done, 1 refused, 2 bad arguments)."""
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    command_line = parser()
    try:
        arguments = command_line.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0) if isinstance(exit_.code, int) else BAD_ARGUMENTS
    url = arguments.url or default_url()
    try:
        if urlsplit(url).scheme not in ("http", "https"):
            raise _Refusal(f"--url must be an http:// address, not {url!r}")
        call = _REQUESTS[arguments.command](arguments)
    except _Refusal as exc:
        print(f"{command_line.prog}: error: {exc}", file=err)
        return BAD_ARGUMENTS
    try:
        status, answer = _exchange(url, call)
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        print(f"cannot reach the gateway at {url}: {reason}", file=err)
        return REFUSED
    if status >= 400:
        print(_refusal_message(status, answer), file=err)
        return REFUSED
    if arguments.command == "social":
        print(f"webhook answered {status}", file=out)
    _report(arguments.command, answer, out)
    return OK


if __name__ == "__main__":
    sys.exit(main())
