"""Lookups in the city's back-office (line-of-business) systems.

The workflow asks each system a theme needs about a request's citizen and place, one
Lambda task per system. Build, once per process, a :class:`Registry`, a
``urllib3.PoolManager`` and a :class:`Breakers`; then per lookup::

    connector = connector_for(registry.system(code), http, secret_json, breakers)
    result = connector.lookup(query)

``lookup`` returns ``ok`` or ``not_found`` and raises :class:`SystemUnavailable` (worth a
retry) or :class:`SystemAnswerInvalid`, whose message is the short reason to record in
an ``unavailable`` :class:`LookupResult`.
"""

import time

import urllib3

from finestra.backoffice.breaker import Breakers, CircuitBreaker, CircuitState
from finestra.backoffice.connector import (
    Clock,
    Connector,
    Credentials,
    HttpJsonConnector,
    Sleep,
    utc_now,
)
from finestra.backoffice.legacy import LegacyFormConnector
from finestra.backoffice.model import (
    BackOfficeError,
    CitizenKeys,
    LookupQuery,
    LookupResult,
    LookupStatus,
    PlaceKeys,
    SystemAnswerInvalid,
    SystemUnavailable,
)
from finestra.backoffice.registry import (
    SYSTEM_CODES,
    BackOfficeSystem,
    LookupKey,
    Registry,
    SystemProtocol,
)

__all__ = [
    "SYSTEM_CODES",
    "BackOfficeError",
    "BackOfficeSystem",
    "Breakers",
    "CircuitBreaker",
    "CircuitState",
    "CitizenKeys",
    "Connector",
    "HttpJsonConnector",
    "LegacyFormConnector",
    "LookupKey",
    "LookupQuery",
    "LookupResult",
    "LookupStatus",
    "PlaceKeys",
    "Registry",
    "SystemAnswerInvalid",
    "SystemProtocol",
    "SystemUnavailable",
    "connector_for",
]

_CONNECTORS: dict[SystemProtocol, type[Connector]] = {
    SystemProtocol.HTTPS_JSON: HttpJsonConnector,
    SystemProtocol.LEGACY_FORM: LegacyFormConnector,
}


def connector_for(
    system: BackOfficeSystem,
    http: urllib3.PoolManager,
    credentials: Credentials,
    breakers: Breakers,
    *,
    clock: Clock = utc_now,
    sleep: Sleep = time.sleep,
) -> Connector:
    """The connector that speaks ``system``'s protocol, with its circuit breaker.

    Parameters
    ----------
    system
        The system's registry entry.
    http
        The process's connection pool.
    credentials
        Reads a secret by name as a JSON object (such as
        :func:`finestra.credentials.secret_json`).
    breakers
        The process's breakers; the system's own is used.
    clock
        Stamps ``fetched_at`` and measures ``duration_ms``.
    sleep
        Waits before the one retry after a failed connection.

    Returns
    -------
    Connector
        A :class:`HttpJsonConnector` or a :class:`LegacyFormConnector`.
    """
    connector_class = _CONNECTORS[system.protocol]
    breaker = breakers.for_system(system.code)
    return connector_class(system, http, credentials, breaker, clock=clock, sleep=sleep)
