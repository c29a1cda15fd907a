"""Who is calling the callback API: a body's API key, checked against its stored hash.

A body calls with ``X-Api-Key: <body code>.<secret part>``. The secret of the external
bodies (named by the settings, in Secrets Manager) holds, under ``api_keys``, each
body's SHA-256 hex digest of its whole key, never the key itself; the check hashes what
was sent and compares the digests in constant time. A key is rotated by writing the new
digest into the secret; the function reads it again within the secret cache's minutes.
"""

import hashlib
import hmac
from typing import Final

from pydantic import BaseModel, ConfigDict, Field

from finestra.domain.errors import Unauthorised
from finestra.external.bodies import ExternalBodies, ExternalBody

__all__ = ["API_KEY_HEADER", "ApiKeys", "ExternalSecret", "key_digest"]

API_KEY_HEADER: Final = "x-api-key"
_MAX_KEY: Final = 200


class ExternalSecret(BaseModel):
    """The secret's JSON: the link key and each body's API key digest."""

    model_config = ConfigDict(frozen=True)

    link_key: str = Field(min_length=16)
    api_keys: dict[str, str] = Field(default_factory=dict)


def key_digest(key: str) -> str:
    """The SHA-256 hex digest of an API key, as the secret stores it."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class ApiKeys:
    """Authenticates the external bodies' calls.

    Parameters
    ----------
    secret
        The external bodies' secret.
    bodies
        The bodies the city works with.
    """

    def __init__(self, secret: ExternalSecret, bodies: ExternalBodies) -> None:
        self._digests = secret.api_keys
        self._bodies = bodies

    def caller(self, presented: str | None) -> ExternalBody:
        """The body whose key ``presented`` is.

        Raises
        ------
        Unauthorised
            When no key is given, it is malformed, names no body, or does not match.
        """
        if not presented:
            raise Unauthorised(f"needs the body's API key in {API_KEY_HEADER}")
        code, dot, rest = presented.partition(".")
        if not dot or not rest or len(presented) > _MAX_KEY:
            raise Unauthorised("this API key is not valid")
        stored = self._digests.get(code, "")
        matches = hmac.compare_digest(key_digest(presented), stored.lower() or "-" * 64)
        if not matches or not stored or not self._bodies.known(code):
            raise Unauthorised("this API key is not valid")
        return self._bodies.get(code)
