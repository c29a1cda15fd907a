"""The staff desk's read side: worklists, request detail, citizen views and the access log.

Lists that run over more than one page hand out an opaque cursor. It carries where each
underlying query stopped, and it is signed with a key derived from the city's secret, so
a cursor a client edited or made up is refused as bad input rather than followed.
"""

import base64
import binascii
import hmac
import json
from collections.abc import Mapping
from typing import Any, Final

from finestra.domain.errors import MalformedInput
from finestra.domain.identity import ContactVault

__all__ = ["Cursors"]

_PURPOSE: Final = "desk-cursor"
_SIGNATURE_LENGTH: Final = 32
_MAX_LENGTH: Final = 8192


class Cursors:
    """Seals a list's position into an opaque string, and opens only strings it sealed."""

    def __init__(self, vault: ContactVault) -> None:
        self._vault = vault

    def seal(self, kind: str, position: Mapping[str, Any]) -> str:
        """The cursor for ``position`` in the list named ``kind``."""
        text = json.dumps(dict(position), separators=(",", ":"), sort_keys=True)
        body = base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
        return f"{body}.{self._signature(kind, body)}"

    def open(self, kind: str, cursor: str) -> dict[str, Any]:
        """The position a cursor of the list ``kind`` holds.

        Raises
        ------
        MalformedInput
            When the cursor was not sealed here for this list, or was changed since.
        """
        body, _, signature = cursor.rpartition(".")
        expected = self._signature(kind, body)
        if len(cursor) > _MAX_LENGTH or not body or not hmac.compare_digest(signature, expected):
            raise _refused()
        try:
            padded = body + "=" * (-len(body) % 4)
            position = json.loads(base64.urlsafe_b64decode(padded.encode()))
        except (ValueError, binascii.Error):
            raise _refused() from None
        if not isinstance(position, dict):
            raise _refused()
        return position

    def _signature(self, kind: str, body: str) -> str:
        return self._vault.keyed(_PURPOSE, f"{kind}.{body}")[:_SIGNATURE_LENGTH]


def _refused() -> MalformedInput:
    return MalformedInput("is not a cursor this list handed out", field="cursor")
