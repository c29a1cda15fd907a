"""What a back-office lookup asks, what it answers, and how it fails.

A lookup fails in one of two ways, each an exception whose class name is the error name
Step Functions sees (``SystemUnavailable`` is worth a ``Retry``, anything is worth a
``Catch``) and whose message is a short reason code such as ``timeout``, so the ``Catch``
can copy it into the lookup's result without reading an answer.
"""

import json
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from finestra.backoffice.registry import LookupKey
from finestra.domain.citizen import AreaCode
from finestra.domain.errors import FinestraError
from finestra.domain.request import Reference

MAX_DATA_BYTES: Final = 4096
"""The most a lookup's ``data`` may take, as compact UTF-8 JSON."""

CITIZEN_KEYS: Final = (LookupKey.DOCUMENT_ID, LookupKey.PHONE, LookupKey.EMAIL)


class BackOfficeError(FinestraError):
    """A lookup that did not give an answer; ``reason`` is a short code, never the answer."""

    code = "back_office_error"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SystemUnavailable(BackOfficeError):
    """The system could not answer now; worth trying again later.

    Reasons: ``timeout``, ``connection``, ``tls``, ``http_5xx`` and ``http_429``, ``auth``
    (credentials refused), ``credentials`` (the secret cannot be used), ``circuit_open``
    and, for the legacy system, ``legacy_error``.
    """

    code = "system_unavailable"


class SystemAnswerInvalid(BackOfficeError):
    """The system answered something that is not an answer; trying again will not help.

    Reasons: ``invalid_answer`` (not JSON or not a form, the wrong shape), ``too_large``,
    and ``http_<status>`` for a status that makes no sense for a lookup (a 400, a 302).
    """

    code = "system_answer_invalid"


class LookupStatus(StrEnum):
    """How a lookup ended."""

    OK = "ok"
    NOT_FOUND = "not_found"
    UNAVAILABLE = "unavailable"


class CitizenKeys(BaseModel):
    """What a citizen can be looked up by; each may be unknown."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    document_id: str | None = Field(default=None, min_length=1, max_length=20)
    phone: str | None = Field(default=None, min_length=1, max_length=20)
    email: str | None = Field(default=None, min_length=3, max_length=254)


class PlaceKeys(BaseModel):
    """What a place can be looked up by: a point, an address, its district, each optional.

    Fields beyond these (of a request's location, say) are ignored.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    address: str | None = Field(default=None, min_length=1, max_length=200)
    district_code: AreaCode | None = None
    neighbourhood_code: AreaCode | None = None


class LookupQuery(BaseModel):
    """One request's question to the back-office systems: who, and where."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reference: Reference
    theme_code: str = Field(default="", max_length=100, description="empty: not classified")
    citizen: CitizenKeys | None = None
    location: PlaceKeys | None = None

    def payload(self, lookup_by: Iterable[LookupKey]) -> dict[str, Any] | None:
        """The body of the lookup for a system queried by ``lookup_by``.

        Parameters
        ----------
        lookup_by
            What the system is queried by (its registry entry's ``lookup_by``).

        Returns
        -------
        dict or None
            ``reference`` and ``theme_code``, with ``citizen`` holding only the known keys
            the system is queried by, and ``location`` (its known fields) only when the
            system is queried by location; ``None`` when the query holds nothing the
            system could be asked by.
        """
        wanted = set(lookup_by)
        citizen: dict[str, str] = {}
        if self.citizen is not None:
            for key in CITIZEN_KEYS:
                value = getattr(self.citizen, key.value)
                if key in wanted and value is not None:
                    citizen[key.value] = value
        location: dict[str, Any] = {}
        if self.location is not None and LookupKey.LOCATION in wanted:
            location = self.location.model_dump(mode="json", exclude_none=True)
        if not citizen and not location:
            return None
        body: dict[str, Any] = {"reference": self.reference, "theme_code": self.theme_code}
        if citizen:
            body["citizen"] = citizen
        if location:
            body["location"] = location
        return body


def json_size(data: dict[str, Any]) -> int:
    """The size of ``data`` as compact UTF-8 JSON, in bytes.

    Parameters
    ----------
    data
        A JSON object.

    Returns
    -------
    int
        Its size in bytes.

    Raises
    ------
    ValueError
        When ``data`` is not JSON-safe (a value that is not a JSON type, a NaN).
    """
    try:
        text = json.dumps(data, allow_nan=False, ensure_ascii=False, separators=(",", ":"))
    except TypeError as exc:
        raise ValueError("is not JSON-safe") from exc
    return len(text.encode("utf-8"))


class LookupResult(BaseModel):
    """What one system said about one request: its data, or why there is none."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    system: str
    status: LookupStatus
    available: bool
    data: dict[str, Any] = Field(default_factory=dict)
    fetched_at: AwareDatetime
    duration_ms: int = Field(ge=0)
    error: str | None = Field(default=None, pattern=r"^[a-z0-9_]{1,40}$")

    @model_validator(mode="after")
    def _consistent(self) -> "LookupResult":
        if self.available == (self.status is LookupStatus.UNAVAILABLE):
            raise ValueError("available must be false exactly when the status is unavailable")
        if self.data and self.status is not LookupStatus.OK:
            raise ValueError("only a lookup that is ok carries data")
        if json_size(self.data) > MAX_DATA_BYTES:
            raise ValueError(f"data is larger than {MAX_DATA_BYTES} bytes")
        return self

    @classmethod
    def ok(
        cls, system: str, data: dict[str, Any], *, fetched_at: datetime, duration_ms: int
    ) -> "LookupResult":
        """The system knew the citizen or the place and said what it knows."""
        return cls(
            system=system,
            status=LookupStatus.OK,
            available=True,
            data=data,
            fetched_at=fetched_at,
            duration_ms=duration_ms,
        )

    @classmethod
    def not_found(
        cls, system: str, *, fetched_at: datetime, duration_ms: int, error: str | None = None
    ) -> "LookupResult":
        """The system does not know the citizen or the place (``error`` may say why)."""
        return cls(
            system=system,
            status=LookupStatus.NOT_FOUND,
            available=True,
            fetched_at=fetched_at,
            duration_ms=duration_ms,
            error=error,
        )

    @classmethod
    def unavailable(
        cls, system: str, error: str, *, fetched_at: datetime, duration_ms: int = 0
    ) -> "LookupResult":
        """The system could not be asked, or gave no usable answer; ``error`` says why.

        Parameters
        ----------
        system
            The system's code.
        error
            A short reason code, such as ``timeout``, ``http_503`` or ``circuit_open``
            (a :class:`BackOfficeError`'s ``reason``).
        fetched_at
            When the lookup gave up.
        duration_ms
            How long it tried, when known.

        Returns
        -------
        LookupResult
            A result with no data whose ``available`` is false.
        """
        return cls(
            system=system,
            status=LookupStatus.UNAVAILABLE,
            available=False,
            fetched_at=fetched_at,
            duration_ms=duration_ms,
            error=error,
        )
