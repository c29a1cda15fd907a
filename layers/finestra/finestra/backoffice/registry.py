"""The registry of the city's back-office systems: where each one is and how to ask it.

It is read from ``lob_systems.json`` in the configuration folder. Every system answers on
an origin of its own (``base_url``) at a path of its own; the local stack and the tests
point every system at one loopback origin with ``base_url_override``, which keeps each
system's path, so the paths must differ from one another.
"""

import json
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from finestra.domain.catalogue import Names
from finestra.domain.errors import NotFound

SYSTEM_CODES: Final = (
    "population-register",
    "municipal-taxes",
    "fines",
    "waste-collection",
    "permits",
    "social-services",
    "housing",
    "libraries",
    "sports-facilities",
    "parking",
    "bicycle-sharing",
    "city-police",
    "street-lighting",
    "parks-and-trees",
    "environment-noise",
    "complaints-legacy",
)
"""The sixteen back-office systems the city runs today."""

LOOPBACK_HOSTS: Final = frozenset({"127.0.0.1", "localhost", "::1"})


class SystemProtocol(StrEnum):
    """How a system is spoken to."""

    HTTPS_JSON = "https-json"
    """A JSON object POSTed, a JSON object answered."""

    LEGACY_FORM = "legacy-form"
    """A form-encoded POST, answered with ``key=value&…`` text."""


class LookupKey(StrEnum):
    """What a system can be queried by."""

    DOCUMENT_ID = "document_id"
    PHONE = "phone"
    EMAIL = "email"
    LOCATION = "location"


def _origin(value: str) -> str:
    """``value`` if it is a scheme and a host (and a port) only; https unless loopback."""
    parts = urlsplit(value)
    if parts.path or parts.query or parts.fragment or not parts.hostname:
        raise ValueError("is not an origin: a scheme and a host, with no path")
    if parts.port == 0:  # reading the port also refuses one out of range
        raise ValueError("has port 0, which nothing listens on")
    if parts.scheme == "https":
        return value
    if parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS:
        return value
    raise ValueError("is not https (plain http is allowed to the loopback host only)")


class BackOfficeSystem(BaseModel):
    """One back-office system: its names, where it answers and how it is asked."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    names: Names
    knows: str = Field(min_length=1)
    protocol: SystemProtocol
    base_url: str
    path: str = Field(pattern=r"^(/[A-Za-z0-9._~-]+)+$")
    lookup_by: tuple[LookupKey, ...] = Field(min_length=1)
    secret: str = Field(pattern=r"^finestra/backoffice/[a-z0-9-]+$")
    timeout_ms: int = Field(ge=100, le=10_000)
    cache_seconds: int = Field(ge=300, le=86_400)

    @field_validator("code")
    @classmethod
    def _known_code(cls, value: str) -> str:
        if value not in SYSTEM_CODES:
            raise ValueError("is not one of the city's back-office systems")
        return value

    @field_validator("base_url")
    @classmethod
    def _base_url_is_origin(cls, value: str) -> str:
        return _origin(value)

    @field_validator("lookup_by")
    @classmethod
    def _lookup_by_once(cls, value: tuple[LookupKey, ...]) -> tuple[LookupKey, ...]:
        if len(set(value)) != len(value):
            raise ValueError("names a key twice")
        return value

    @property
    def url(self) -> str:
        """Where the system's lookups are POSTed."""
        return self.base_url + self.path

    @property
    def timeout_seconds(self) -> float:
        """How long one call may take, in seconds."""
        return self.timeout_ms / 1000


class Registry(BaseModel):
    """The sixteen back-office systems, each once."""

    model_config = ConfigDict(frozen=True)

    systems: tuple[BackOfficeSystem, ...]

    @model_validator(mode="after")
    def _all_sixteen(self) -> "Registry":
        codes = [s.code for s in self.systems]
        if len(set(codes)) != len(codes):
            raise ValueError("a back-office system is listed twice")
        missing = sorted(set(SYSTEM_CODES) - set(codes))
        if missing:
            raise ValueError(f"back-office systems missing: {', '.join(missing)}")
        if len({s.path for s in self.systems}) != len(self.systems):
            raise ValueError("two back-office systems share a path")
        return self

    @cached_property
    def _by_code(self) -> dict[str, BackOfficeSystem]:
        return {s.code: s for s in self.systems}

    @property
    def codes(self) -> tuple[str, ...]:
        """The codes of the systems, in the registry's order."""
        return tuple(s.code for s in self.systems)

    def system(self, code: str) -> BackOfficeSystem:
        """The system with ``code``.

        Parameters
        ----------
        code
            A back-office system code, such as ``population-register``.

        Returns
        -------
        BackOfficeSystem
            The system's entry.

        Raises
        ------
        NotFound
            When no system has that code (``field`` is ``system``).
        """
        try:
            return self._by_code[code]
        except KeyError:
            raise NotFound("is not a back-office system", field="system") from None

    @classmethod
    def load(cls, config_dir: Path, *, base_url_override: str | None = None) -> "Registry":
        """Read ``lob_systems.json`` from the configuration folder.

        Parameters
        ----------
        config_dir
            The configuration folder (``infra/config``, or ``/opt/finestra-config``).
        base_url_override
            An origin (such as ``http://127.0.0.1:8765``) that replaces every system's
            scheme and host, keeping its path; for the local stack and the tests.

        Returns
        -------
        Registry
            The validated registry.

        Raises
        ------
        pydantic.ValidationError
            When the file breaks a rule: a system missing, unknown or twice, a bad
            field, or an override that is not an origin.
        """
        document = json.loads((config_dir / "lob_systems.json").read_text(encoding="utf-8"))
        systems: list[dict[str, Any]] = list(document["systems"])
        if base_url_override is not None:
            origin = base_url_override.rstrip("/")
            systems = [{**entry, "base_url": origin} for entry in systems]
        return cls.model_validate({"systems": systems})
