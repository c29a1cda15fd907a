"""The city's sixteen back-office systems, played on one loopback port for the local stack.

:class:`DemoBackOffice` answers every system's lookups on the system's registry path, so
a registry loaded with ``base_url_override=demo.base_url`` reaches it. Its answers are
made up but deterministic: each is drawn from a SHA-256 of the system's code and what the
lookup is keyed by (the first of the system's ``lookup_by`` that the query holds), so the
same query always gets the same data, on any machine and any day. About one citizen in
eight is unknown to each citizen-keyed system (``404``); a point outside Barcelona is
unknown to the place-keyed ones. Dates are reckoned back and forth from
:data:`DEMO_TODAY`.

Credentials. Each system checks the ``Authorization`` header against its token:
``Bearer <token>``, or HTTP Basic when the token is ``username:password``. Unless given
others, the tokens are :data:`DEMO_TOKENS`: ``demo-<code>-token`` for every system, and
``finestra:demo-complaints-legacy-password`` (Basic) for ``complaints-legacy``.
:func:`demo_secrets` gives the Secrets Manager secrets that hold them.

Faults, per system and switchable at run time, in Python or over HTTP:

- ``POST /_faults`` with ``{"system": code, "mode": mode, "delay_ms": n}``, where mode is
  ``ok``, ``slow`` (answers after ``delay_ms``, by default past the system's timeout),
  ``fail`` (``503``), ``garbage`` (``200`` with an HTML page) or ``down`` (closes the
  connection without answering); ``delay_ms`` delays any mode;
- ``POST /_faults`` with ``{"random": {"seed": s, "rate": r, "modes": [...]}}`` picks a
  fault for a share ``r`` of calls, from the seed, the system and the number of the call
  (so :meth:`DemoBackOffice.reset_calls` replays the same faults); ``{"random": null}``
  stops it; a fault set for a system wins over the random ones;
- ``GET /_faults`` shows them and ``DELETE /_faults`` clears them all.

``GET /_calls`` counts the lookups each system received (``DELETE /_calls`` resets).
Every wait is bounded by :data:`MAX_DELAY_MS` and ends when the service stops.
"""

import base64
import csv
import hashlib
import hmac
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Final, TypeVar, cast
from urllib.parse import parse_qs, urlencode, urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from finestra.backoffice.registry import (
    SYSTEM_CODES,
    BackOfficeSystem,
    LookupKey,
    Registry,
    SystemProtocol,
)

HOST: Final = "127.0.0.1"
DEMO_TODAY: Final = date(2026, 3, 14)
MAX_DELAY_MS: Final = 10_000
SLOW_MARGIN_MS: Final = 500
MAX_BODY_BYTES: Final = 65_536
UNKNOWN_CITIZEN_SHARE: Final = 32
"""Out of 256: the share of citizens a citizen-keyed system does not know."""

CITY_BOUNDS: Final = ((41.317, 41.470), (2.052, 2.229))
"""Barcelona's latitude and longitude, roughly; a point outside is an unknown place."""

DEMO_TOKENS: Final[Mapping[str, str]] = {
    **{code: f"demo-{code}-token" for code in SYSTEM_CODES},
    "complaints-legacy": "finestra:demo-complaints-legacy-password",
}

T = TypeVar("T")


class FaultMode(StrEnum):
    """How a demo system misbehaves."""

    OK = "ok"
    SLOW = "slow"
    FAIL = "fail"
    GARBAGE = "garbage"
    DOWN = "down"


FAULTS: Final = (FaultMode.SLOW, FaultMode.FAIL, FaultMode.GARBAGE, FaultMode.DOWN)


@dataclass(frozen=True)
class Fault:
    """A system's fault and how long it waits before it (0: no wait)."""

    mode: FaultMode
    delay_ms: int


NO_FAULT: Final = Fault(FaultMode.OK, 0)


class FaultSetting(BaseModel):
    """The body of ``POST /_faults`` for one system."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    system: str
    mode: FaultMode
    delay_ms: int | None = Field(default=None, ge=0, le=MAX_DELAY_MS)


class RandomFaults(BaseModel):
    """Faults picked per call from a seed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seed: int
    rate: float = Field(ge=0, le=1)
    modes: tuple[FaultMode, ...] = Field(default=FAULTS, min_length=1)


class RandomFaultsSetting(BaseModel):
    """The body of ``POST /_faults`` that starts or stops random faults."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    random: RandomFaults | None


def demo_secret(token: str) -> dict[str, str]:
    """The Secrets Manager secret that holds ``token``.

    Parameters
    ----------
    token
        A demo token: ``username:password`` for HTTP Basic, anything else for Bearer.

    Returns
    -------
    dict
        ``{"scheme": "basic", "username": …, "password": …}`` or
        ``{"scheme": "bearer", "token": …}``.
    """
    username, colon, password = token.partition(":")
    if colon:
        return {"scheme": "basic", "username": username, "password": password}
    return {"scheme": "bearer", "token": token}


def demo_secrets(
    registry: Registry, tokens: Mapping[str, str] | None = None
) -> dict[str, dict[str, str]]:
    """Every system's secret, by secret name, for the demo's tokens.

    Parameters
    ----------
    registry
        The registry whose ``secret`` names are used.
    tokens
        Tokens by system code that replace :data:`DEMO_TOKENS`.

    Returns
    -------
    dict
        Secret name to secret JSON, to put in Secrets Manager or to read in a test.
    """
    merged = {**DEMO_TOKENS, **(tokens or {})}
    return {s.secret: demo_secret(merged[s.code]) for s in registry.systems}


class _Draw:
    """Deterministic choices from a SHA-256 stream seeded with a text."""

    def __init__(self, seed: str) -> None:
        self._seed = seed.encode("utf-8")
        self._block = 0
        self._buffer = b""

    def _bytes(self, count: int) -> bytes:
        while len(self._buffer) < count:
            block = self._block.to_bytes(4, "big")
            self._buffer += hashlib.sha256(self._seed + block).digest()
            self._block += 1
        taken, self._buffer = self._buffer[:count], self._buffer[count:]
        return taken

    def byte(self) -> int:
        return self._bytes(1)[0]

    def between(self, low: int, high: int) -> int:
        return low + int.from_bytes(self._bytes(4), "big") % (high - low + 1)

    def chance(self, percent: int) -> bool:
        return self.between(0, 99) < percent

    def pick(self, choices: Sequence[T]) -> T:
        return choices[self.between(0, len(choices) - 1)]

    def digits(self, count: int) -> str:
        return "".join(str(self.between(0, 9)) for _ in range(count))

    def day(self, days_back: int, days_ahead: int = 0) -> str:
        return (DEMO_TODAY + timedelta(days=self.between(-days_back, days_ahead))).isoformat()

    def euros(self, low: int, high: int) -> str:
        cents = self.between(low * 100, high * 100)
        return f"{cents // 100}.{cents % 100:02d}"


def _lookup_key(system: BackOfficeSystem, query: Mapping[str, Any]) -> tuple[str, str] | None:
    """What the lookup is keyed by: the kind (``citizen`` or ``place``) and the key."""
    citizen = query.get("citizen") or {}
    location = query.get("location") or {}
    for key in system.lookup_by:
        if key is not LookupKey.LOCATION:
            value = citizen.get(key.value)
            if isinstance(value, str) and value.strip():
                return "citizen", f"{key.value}:{value.strip().lower()}"
            continue
        latitude, longitude = location.get("latitude"), location.get("longitude")
        if isinstance(latitude, int | float) and isinstance(longitude, int | float):
            return "place", f"point:{float(latitude):.4f},{float(longitude):.4f}"
        for field in ("address", "neighbourhood_code", "district_code"):
            value = location.get(field)
            if isinstance(value, str) and value.strip():
                return "place", f"{field}:{value.strip().lower()}"
    return None


def _in_city(key: str) -> bool:
    if not key.startswith("point:"):
        return True
    latitude, longitude = (float(part) for part in key.removeprefix("point:").split(","))
    (south, north), (west, east) = CITY_BOUNDS
    return south <= latitude <= north and west <= longitude <= east


CENTRES: Final = ("Raval", "Sagrada Família", "Poble-sec", "Les Corts", "Sarrià", "Gràcia")
LIBRARIES: Final = (
    "Biblioteca Jaume Fuster",
    "Biblioteca Sant Antoni - Joan Oliver",
    "Biblioteca Vila de Gràcia",
    "Biblioteca Sagrada Família - Josep M. Ainaud de Lasarte",
    "Biblioteca Montbau - Albert Pérez Baró",
)
SPORTS_CENTRES: Final = ("CEM Can Felipa", "CEM Claror Cartagena", "CEM Joan Miró", "CEM Perill")
TREES: Final = (
    "Platanus x hispanica",
    "Celtis australis",
    "Tipuana tipu",
    "Jacaranda mimosifolia",
    "Styphnolobium japonicum",
)
LAMP_FAULTS: Final = ("lamp off", "flickering", "on by day", "damaged column")
LEGACY_THEMES: Final = ("Enllumenat públic", "Neteja viària", "Sorolls", "Via pública", "Arbrat")


def _population_register(draw: _Draw, home: tuple[str, str]) -> dict[str, Any]:
    neighbourhood, district = home
    return {
        "registered": True,
        "district_code": district,
        "neighbourhood_code": neighbourhood,
        "registered_since": draw.day(40 * 365),
        "household_size": draw.between(1, 6),
        "address_verified": draw.chance(85),
    }


def _municipal_taxes(draw: _Draw) -> dict[str, Any]:
    pending = draw.between(0, 2)
    return {
        "taxpayer": True,
        "ibi_receipts_pending": pending,
        "ibi_amount_pending_eur": draw.euros(150, 900) if pending else "0.00",
        "vehicle_tax_paid": draw.chance(85),
        "direct_debit": draw.chance(60),
        "payment_plan": draw.chance(10),
        "next_charge_on": draw.day(0, 120),
    }


def _fines(draw: _Draw) -> dict[str, Any]:
    open_fines = draw.between(0, 3)
    return {
        "open_fines": open_fines,
        "amount_due_eur": draw.euros(45, 600) if open_fines else "0.00",
        "next_deadline": draw.day(0, 60) if open_fines else None,
        "appeals_open": draw.between(0, 1) if open_fines else 0,
    }


def _waste_collection(draw: _Draw) -> dict[str, Any]:
    kinds = ("rebuig", "paper", "envasos", "vidre", "orgànica")
    return {
        "nearest_container_id": f"CT-{draw.digits(6)}",
        "distance_m": draw.between(5, 150),
        "container_types": [k for k in kinds if k == "rebuig" or draw.chance(70)],
        "collection_round": f"R{draw.between(1, 48):02d}",
        "bulky_pickups_booked": draw.between(0, 1),
    }


def _permits(draw: _Draw) -> dict[str, Any]:
    kinds = ("obra menor", "obra major", "activitat", "terrassa", "ocupació de via pública")
    states = ("en tràmit", "requeriment", "concedida", "denegada")
    files = [
        {
            "file_number": f"{draw.between(1, 10):02d}-{draw.between(2019, 2026)}-{draw.digits(5)}",
            "kind": draw.pick(kinds),
            "state": draw.pick(states),
            "applied_on": draw.day(3 * 365),
        }
        for _ in range(draw.between(0, 2))
    ]
    return {"open_files": len(files), "files": files}


def _social_services(draw: _Draw) -> dict[str, Any]:
    followed = draw.chance(60)
    return {
        "followed": followed,
        "centre": f"CSS {draw.pick(CENTRES)}" if followed else None,
        "professional_assigned": followed and draw.chance(85),
        "home_care": followed and draw.chance(25),
        "telecare": followed and draw.chance(30),
        "last_contact_on": draw.day(180) if followed else None,
    }


def _housing(draw: _Draw) -> dict[str, Any]:
    registered = draw.chance(50)
    return {
        "social_housing_register": registered,
        "register_number": f"RSH-{draw.between(2015, 2025)}-{draw.digits(6)}"
        if registered
        else None,
        "aid_applications_open": draw.between(0, 2),
        "loss_of_home_case": draw.chance(8),
    }


def _libraries(draw: _Draw) -> dict[str, Any]:
    return {
        "card_number": f"2{draw.digits(13)}",
        "home_library": draw.pick(LIBRARIES),
        "active_loans": draw.between(0, 8),
        "reservations": draw.between(0, 3),
        "suspended_until": draw.day(0, 30) if draw.chance(10) else None,
    }


def _sports_facilities(draw: _Draw) -> dict[str, Any]:
    member = draw.chance(55)
    return {
        "member": member,
        "centre": draw.pick(SPORTS_CENTRES) if member else None,
        "member_since": draw.day(10 * 365) if member else None,
        "bookings_next_7_days": draw.between(0, 3) if member else 0,
    }


def _parking(draw: _Draw, place: bool) -> dict[str, Any]:
    zone = f"{draw.between(1, 10):02d}{draw.pick('ABCDEFG')}"
    if place:
        return {
            "zone_at_place": zone,
            "zone_kind": draw.pick(("verda", "blava")),
            "meters_out_of_order": draw.between(0, 2),
        }
    resident = draw.chance(70)
    return {
        "area_verda_resident": resident,
        "zone": zone if resident else None,
        "permit_valid_until": draw.day(0, 365) if resident else None,
        "vehicles": draw.between(1, 2) if resident else 0,
    }


def _bicycle_sharing(draw: _Draw) -> dict[str, Any]:
    subscriber = draw.chance(65)
    return {
        "subscriber": subscriber,
        "plan": draw.pick(("tarifa plana", "tarifa d'ús")) if subscriber else None,
        "account_state": draw.pick(("active", "active", "suspended")) if subscriber else None,
        "trips_last_30_days": draw.between(0, 40) if subscriber else 0,
        "balance_eur": draw.euros(0, 20) if subscriber else "0.00",
    }


def _city_police(draw: _Draw) -> dict[str, Any]:
    kinds = {
        "noise": draw.between(0, 3),
        "civic_behaviour": draw.between(0, 2),
        "traffic": draw.between(0, 2),
    }
    total = sum(kinds.values())
    return {
        "incidents_last_30_days": total,
        "by_kind": kinds,
        "vehicles_towed_last_30_days": draw.between(0, 2),
        "last_incident_on": draw.day(30) if total else None,
    }


def _street_lighting(draw: _Draw) -> dict[str, Any]:
    faults = [
        {
            "fault": draw.pick(LAMP_FAULTS),
            "reported_on": draw.day(60),
            "state": draw.pick(("open", "repair scheduled")),
        }
        for _ in range(draw.between(0, 2))
    ]
    return {
        "lamp_id": f"FL-{draw.digits(6)}",
        "cabinet_id": f"QE-{draw.digits(4)}",
        "circuit": f"C{draw.between(1, 12)}",
        "distance_m": draw.between(2, 40),
        "known_faults": faults,
    }


def _parks_and_trees(draw: _Draw) -> dict[str, Any]:
    return {
        "nearest_tree_id": f"ARB-{draw.digits(6)}",
        "species": draw.pick(TREES),
        "condition": draw.pick(("good", "good", "fair", "poor")),
        "last_inspection_on": draw.day(2 * 365),
        "pruning_planned_on": draw.day(0, 180) if draw.chance(40) else None,
    }


def _environment_noise(draw: _Draw) -> dict[str, Any]:
    return {
        "noise_map_level_db": draw.between(52, 78),
        "acoustic_zone": draw.pick("ABCD"),
        "measurements_last_year": draw.between(0, 4),
        "open_noise_files": draw.between(0, 2),
    }


def _complaints_legacy(draw: _Draw) -> dict[str, Any]:
    count = draw.between(1, 6)
    return {
        "num_expedients": str(count),
        "darrer_expedient": f"QS-{draw.between(2008, 2022)}-{draw.digits(6)}",
        "darrera_data": draw.day(15 * 365, -3 * 365),
        "darrer_estat": draw.pick(("RESPOST", "TANCAT", "EN CURS")),
        "temes": [draw.pick(LEGACY_THEMES) for _ in range(min(count, 3))],
    }


def _read_homes(config_dir: Path) -> tuple[tuple[str, str], ...]:
    with (config_dir / "neighbourhoods.csv").open(encoding="utf-8", newline="") as handle:
        return tuple((r["neighbourhood_code"], r["district_code"]) for r in csv.DictReader(handle))


class DemoBackOffice:
    """The sixteen back-office systems on one loopback port, with switchable faults.

    Parameters
    ----------
    config_dir
        The configuration folder (the registry's paths, the city's neighbourhoods).
    tokens
        Tokens by system code, replacing those of :data:`DEMO_TOKENS`.
    port
        The port to listen on, on 127.0.0.1; 0 picks any free one.
    """

    def __init__(
        self, config_dir: Path, *, tokens: Mapping[str, str] | None = None, port: int = 0
    ) -> None:
        self.registry = Registry.load(config_dir)
        unknown = set(tokens or {}) - set(self.registry.codes)
        if unknown:
            raise ValueError("tokens are given for systems that do not exist")
        self._tokens = {**DEMO_TOKENS, **(tokens or {})}
        self._homes = _read_homes(config_dir)
        self._by_path = {s.path: s for s in self.registry.systems}
        self._port = port
        self._lock = threading.Lock()
        self._faults: dict[str, Fault] = {}
        self._random: RandomFaults | None = None
        self._calls = dict.fromkeys(self.registry.codes, 0)
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # Running.

    def start(self) -> str:
        """Listen and serve in a daemon thread.

        Returns
        -------
        str
            The base URL (``http://127.0.0.1:<port>``) to give ``Registry.load`` as its
            ``base_url_override``.
        """
        if self._server is not None:
            raise RuntimeError("the demo back office is already running")
        self._stopping.clear()
        server = _Server((HOST, self._port), _Handler)
        server.demo = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="demo-backoffice",
            daemon=True,
        )
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        """Stop serving, wake every delayed answer and close the port."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        self._server = self._thread = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>`` while running."""
        if self._server is None:
            raise RuntimeError("the demo back office is not running")
        return f"http://{HOST}:{self._server.server_address[1]}"

    def __enter__(self) -> "DemoBackOffice":
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # Faults and calls.

    def set_fault(self, system: str, mode: FaultMode | str, delay_ms: int | None = None) -> None:
        """Make ``system`` misbehave from its next call on.

        Parameters
        ----------
        system
            A system code.
        mode
            ``ok``, ``slow``, ``fail``, ``garbage`` or ``down``.
        delay_ms
            How long to wait before the fault (at most :data:`MAX_DELAY_MS`); by default
            past the system's timeout for ``slow``, and no wait for the others.
        """
        self._apply(FaultSetting(system=system, mode=FaultMode(mode), delay_ms=delay_ms))

    def random_faults(
        self, seed: int | None, rate: float = 0.2, modes: Sequence[FaultMode | str] = FAULTS
    ) -> None:
        """Pick a fault for a share of calls, deterministically from ``seed``.

        Parameters
        ----------
        seed
            The seed; ``None`` stops random faults.
        rate
            The share of calls that get a fault, from 0 to 1.
        modes
            The faults to pick from.
        """
        if seed is None:
            setting = None
        else:
            setting = RandomFaults(seed=seed, rate=rate, modes=tuple(map(FaultMode, modes)))
        with self._lock:
            self._random = setting

    def clear_faults(self) -> None:
        """Every system answers normally again; random faults stop."""
        with self._lock:
            self._faults.clear()
            self._random = None

    def faults(self) -> dict[str, Any]:
        """The faults in force, as ``GET /_faults`` shows them.

        Returns
        -------
        dict
            ``systems``: the mode and delay of every system; ``random``: the random
            faults' seed, rate and modes, or ``None``.
        """
        with self._lock:
            faults, random = dict(self._faults), self._random
        return {
            "systems": {
                code: {"mode": fault.mode.value, "delay_ms": fault.delay_ms}
                for code in self.registry.codes
                for fault in [faults.get(code, NO_FAULT)]
            },
            "random": None if random is None else random.model_dump(mode="json"),
        }

    def calls(self) -> dict[str, int]:
        """How many lookups each system has received, answered or not."""
        with self._lock:
            return dict(self._calls)

    def reset_calls(self) -> None:
        """Count calls from zero again (and replay the same random faults)."""
        with self._lock:
            self._calls = dict.fromkeys(self.registry.codes, 0)

    def _apply(self, setting: FaultSetting) -> None:
        system = self.registry.system(setting.system)
        delay = setting.delay_ms
        if delay is None:
            delay = self._slow_delay(system) if setting.mode is FaultMode.SLOW else 0
        with self._lock:
            if setting.mode is FaultMode.OK and delay == 0:
                self._faults.pop(system.code, None)
            else:
                self._faults[system.code] = Fault(setting.mode, delay)

    def _apply_random(self, setting: RandomFaultsSetting) -> None:
        with self._lock:
            self._random = setting.random

    @staticmethod
    def _slow_delay(system: BackOfficeSystem) -> int:
        return min(system.timeout_ms + SLOW_MARGIN_MS, MAX_DELAY_MS)

    def _count(self, system: BackOfficeSystem) -> Fault:
        """Count a call and say which fault it meets."""
        with self._lock:
            self._calls[system.code] += 1
            number = self._calls[system.code]
            fault, random = self._faults.get(system.code), self._random
        if fault is not None:
            return fault
        if random is None:
            return NO_FAULT
        digest = hashlib.sha256(f"{random.seed}|{system.code}|{number}".encode()).digest()
        if int.from_bytes(digest[:8], "big") / 2**64 >= random.rate:
            return NO_FAULT
        mode = random.modes[digest[8] % len(random.modes)]
        return Fault(mode, self._slow_delay(system) if mode is FaultMode.SLOW else 0)

    def _wait(self, delay_ms: int) -> bool:
        """Wait ``delay_ms`` (bounded); False when the service stopped meanwhile."""
        return not self._stopping.wait(min(delay_ms, MAX_DELAY_MS) / 1000)

    # Answers.

    def authorised(self, system: BackOfficeSystem, header: str | None) -> bool:
        """Whether an ``Authorization`` header carries the system's token.

        Parameters
        ----------
        system
            The system called.
        header
            The header's value, if any.

        Returns
        -------
        bool
            True for ``Bearer <token>``, or Basic with ``username:password`` equal to the
            token.
        """
        token = self._tokens[system.code].encode("utf-8")
        scheme, _, credential = (header or "").partition(" ")
        if scheme.lower() == "bearer":
            return hmac.compare_digest(credential.encode("utf-8"), token)
        if scheme.lower() == "basic":
            try:
                pair = base64.b64decode(credential, validate=True)
            except ValueError:
                return False
            return hmac.compare_digest(pair, token)
        return False

    def answer(self, system_code: str, query: Mapping[str, Any]) -> dict[str, Any] | None:
        """What a system knows about a lookup, or ``None`` when it knows nothing.

        Parameters
        ----------
        system_code
            The system asked.
        query
            The lookup's body: ``citizen`` and ``location`` objects, either optional.

        Returns
        -------
        dict or None
            The same data for the same system and key, every time; ``None`` for an
            unknown citizen or place, or a query with nothing the system is keyed by.
        """
        system = self.registry.system(system_code)
        keyed = _lookup_key(system, query)
        if keyed is None:
            return None
        kind, key = keyed
        draw = _Draw(f"{system.code}|{key}")
        if kind == "citizen" and draw.byte() < UNKNOWN_CITIZEN_SHARE:
            return None
        if kind == "place" and not _in_city(key):
            return None
        return self._data(system.code, draw, place=kind == "place")

    def _data(self, code: str, draw: _Draw, *, place: bool) -> dict[str, Any]:
        if code == "population-register":
            return _population_register(draw, draw.pick(self._homes))
        if code == "parking":
            return _parking(draw, place)
        return _ANSWERS[code](draw)


_ANSWERS: Final[Mapping[str, Callable[[_Draw], dict[str, Any]]]] = {
    "municipal-taxes": _municipal_taxes,
    "fines": _fines,
    "waste-collection": _waste_collection,
    "permits": _permits,
    "social-services": _social_services,
    "housing": _housing,
    "libraries": _libraries,
    "sports-facilities": _sports_facilities,
    "bicycle-sharing": _bicycle_sharing,
    "city-police": _city_police,
    "street-lighting": _street_lighting,
    "parks-and-trees": _parks_and_trees,
    "environment-noise": _environment_noise,
    "complaints-legacy": _complaints_legacy,
}
"""How each system draws its data, but the two that need more than the draw."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    demo: DemoBackOffice

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (a timeout, a closed pool) is no error of the service."""


LEGACY_CHARSET: Final = "iso-8859-1"
GARBAGE: Final = b"<html><body><h1>Error intern del servidor</h1></body></html>"


class _Handler(BaseHTTPRequestHandler):
    server_version = "DemoBackOffice/1"

    @property
    def demo(self) -> DemoBackOffice:
        return cast(_Server, self.server).demo

    def log_message(self, format: str, *args: Any) -> None:
        """Nothing is written: the lookups hold personal data."""

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == "/_faults":
            self._json(200, self.demo.faults())
        elif path == "/_calls":
            self._json(200, self.demo.calls())
        else:
            self._json(404, {"code": "not_found", "message": "There is nothing here."})

    def do_DELETE(self) -> None:
        path = urlsplit(self.path).path
        if path == "/_faults":
            self.demo.clear_faults()
            self._json(200, self.demo.faults())
        elif path == "/_calls":
            self.demo.reset_calls()
            self._json(200, self.demo.calls())
        else:
            self._json(404, {"code": "not_found", "message": "There is nothing here."})

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        system = self.demo._by_path.get(path)
        if system is not None:
            self._lookup(system)
        elif path == "/_faults":
            self._set_faults()
        else:
            self._read_body()
            self._json(404, {"code": "not_found", "message": "There is nothing here."})

    def _read_body(self) -> bytes | None:
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY_BYTES:
            self.close_connection = True
            return None
        return self.rfile.read(length)

    def _set_faults(self) -> None:
        body = self._read_body()
        try:
            document = json.loads(body or b"")
        except ValueError:
            self._error(400, "bad_request", "The body is not JSON.")
            return
        try:
            if isinstance(document, dict) and "random" in document:
                self.demo._apply_random(RandomFaultsSetting.model_validate(document))
            else:
                setting = FaultSetting.model_validate(document)
                if setting.system not in self.demo.registry.codes:
                    self._error(
                        422, "invalid_request", "A field breaks a rule.", "system", "unknown_system"
                    )
                    return
                self.demo._apply(setting)
        except ValidationError as exc:
            error = exc.errors(include_input=False, include_url=False)[0]
            field = ".".join(map(str, error["loc"])) or "body"
            self._error(422, "invalid_request", "A field breaks a rule.", field, error["type"])
            return
        self._json(200, self.demo.faults())

    def _lookup(self, system: BackOfficeSystem) -> None:
        fault = self.demo._count(system)
        body = self._read_body()
        if fault.delay_ms and not self.demo._wait(fault.delay_ms):
            return
        if fault.mode is FaultMode.DOWN:
            self.close_connection = True
            return
        if body is None:
            self._reply(413, b"Payload Too Large", "text/plain")
            return
        if fault.mode is FaultMode.FAIL:
            self._reply(503, b"Service Unavailable", "text/plain")
            return
        if fault.mode is FaultMode.GARBAGE:
            self._reply(200, GARBAGE, "text/html")
            return
        if not self.demo.authorised(system, self.headers.get("Authorization")):
            self._reply(401, b"Unauthorized", "text/plain", {"WWW-Authenticate": "Bearer"})
            return
        if system.protocol is SystemProtocol.LEGACY_FORM:
            self._legacy_lookup(system, body)
        else:
            self._json_lookup(system, body)

    def _json_lookup(self, system: BackOfficeSystem, body: bytes) -> None:
        try:
            query = json.loads(body)
        except ValueError:
            query = None
        if not isinstance(query, dict) or not all(
            isinstance(query.get(part, {}), dict) for part in ("citizen", "location")
        ):
            self._error(400, "bad_request", "The body is not a lookup.")
            return
        data = self.demo.answer(system.code, query)
        if data is None:
            self._json(404, {"code": "not_found", "message": "Nothing is known."})
        else:
            self._json(200, data)

    def _legacy_lookup(self, system: BackOfficeSystem, body: bytes) -> None:
        try:
            fields = parse_qs(body.decode("ascii"), keep_blank_values=True, strict_parsing=True)
        except ValueError:
            self._reply(200, b"estat=ERROR&missatge=peticio+incorrecta", _legacy_type())
            return
        first = {name: values[0] for name, values in fields.items()}
        query: dict[str, Any] = {
            "citizen": {k: first[k] for k in ("document_id", "phone", "email") if k in first},
            "location": {k: first[k] for k in ("address", "neighbourhood_code") if k in first},
        }
        data = self.demo.answer(system.code, query)
        if data is None:
            self._reply(200, b"estat=NO_TROBAT", _legacy_type())
            return
        text = urlencode({"estat": "OK", **data}, doseq=True, encoding=LEGACY_CHARSET)
        self._reply(200, text.encode("ascii"), _legacy_type())

    def _json(self, status: int, document: Any) -> None:
        body = json.dumps(document, ensure_ascii=False).encode("utf-8")
        self._reply(status, body, "application/json")

    def _error(self, status: int, code: str, message: str, field: str = "", rule: str = "") -> None:
        document: dict[str, Any] = {"code": code, "message": message}
        if field:
            document["errors"] = [{"field": field, "rule": rule}]
        self._json(status, document)

    def _reply(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except ConnectionError:
            self.close_connection = True


def _legacy_type() -> str:
    return f"application/x-www-form-urlencoded; charset={LEGACY_CHARSET}"
