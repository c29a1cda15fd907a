"""The demo city: made-up citizens and their past requests, seeded into the local table.

:func:`plan_city` draws a city from a seed and a moment ``now`` (every date is reckoned
back from it), so every start on every machine gets the same city; :func:`seed_city`
builds the table's items with the project's own stores and writes them.

What the city holds:

- Citizens spread over the districts in proportion to their population
  (``districts.csv``), by the largest-remainder method. The neighbourhoods have no
  population of their own, so a district's citizens are dealt out to its neighbourhoods
  in equal shares; the few left over go to its neighbourhoods in code order. Languages
  are Catalan, Spanish and English in shares of 52, 40 and 8 in a hundred. Most have a
  phone and an email, some a verified document id (a DNI, or an NIE for English
  speakers) and a few a social handle; consents are recorded per channel and purpose.
- A few legal entities (shops, workshops) that file requests through a contact person.
- Requests over every input channel (in the city's 2023 shares: phone, web and app
  first), every theme of the catalogue and every state of the city's process. Each has
  the history the real code would have written: the inbound message, the routing to the
  theme's group or branch with its SLA due time, the acknowledgement on the citizen's
  channel, staff notes and state changes, and the answer before it closed. About one in
  five is still open: most on time, some about to breach, some breached, flagged as the
  SLA watch would have flagged them.
- The reference counters of each year, past the seeded references.
- The segment index of every citizen, as the statistics function would have kept it
  from the stream, which never sees the seeded items
  (:mod:`finestra_local.demo_index`).

Everything is fictional. Names are drawn from common first names and surnames. Spain
reserves no range of phone numbers for fiction (as the UK's drama numbers are), so every
number is a mobile of the ``+34 600 0`` block and the local stack never delivers an SMS
beyond moto. Emails are at ``example.org``; document ids start ``99`` (DNI) or ``Y9``
(NIE); company tax ids start ``B99``.

Items are built by :class:`~finestra.storage.citizens.CitizenStore` and
:class:`~finestra.storage.requests.RequestStore` (contact points hashed and sealed with
the ``ContactKeySecret``) and written with unconditional ``BatchWriteItem``, 25 at a
time, which only an empty table makes safe. Moto's server runs inside the stack's
process, where the code that sends the items would take turns with the server that
stores them, so the stack hands the items to a writer process of their own
(``writer_process=True``). The default city is about 25,000 items.

The stack seeds before its stream pollers start: they read from ``LATEST``, which moto
places after every record already in the shard, so no seeded request starts a
workflow. The workflow starter's filter takes every inserted request, whatever its
state, so a seeded request cannot be kept out by its state; should a workflow start
all the same, the request is already routed and acknowledged, so it is neither routed
again nor acknowledged twice.
"""

from __future__ import annotations

import os
import pickle
import random
import string
import subprocess
import sys
import time
import unicodedata
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import boto3
from botocore.config import Config
from ulid import ULID

from finestra.domain.acknowledgement import acknowledgement
from finestra.domain.catalogue import Catalogue, Theme
from finestra.domain.citizen import (
    Citizen,
    Consent,
    ContactPoint,
    EntityApplicant,
    EntityContact,
)
from finestra.domain.contacts import normalise_tax_id
from finestra.domain.errors import ValidationFailed
from finestra.domain.geo import encode
from finestra.domain.identity import ContactVault
from finestra.domain.process import PATHS
from finestra.domain.request import Interaction, Location, Request, SystemStatus
from finestra.domain.routing import route
from finestra.domain.vocabulary import (
    FINAL_STATES,
    ConsentPurpose,
    ContactKind,
    InputChannel,
    InteractionKind,
    Language,
    Priority,
    Process,
    RequestState,
    RequestType,
    ResponseChannel,
)
from finestra.intake.service import CITIZEN_REPLIED, NATIVE_RESPONSE, hash_token
from finestra.storage import keys
from finestra.storage.citizens import CitizenStore
from finestra.storage.requests import RequestStore
from finestra.storage.table import Item, Table, serialise
from finestra.workflow.sla import LOOKAHEAD, SLA_BREACHED, SLA_NEAR
from finestra.workflow.tasks import LOW_CONFIDENCE_FLAG, TRIAGE_SLA, geo_precision
from finestra_local.demo_index import segment_index_items

__all__ = [
    "DEMO_CITIZENS",
    "ENV_CITIZENS",
    "ENV_REQUESTS",
    "ENV_SEED",
    "CityReport",
    "CitySize",
    "DemoCitizen",
    "DemoCity",
    "DemoRequest",
    "SeededRequest",
    "city_items",
    "counter_item",
    "interaction_item",
    "plan_city",
    "report_of",
    "request_item",
    "seed_city",
    "write_items",
]

T = TypeVar("T")
S = RequestState

ENV_CITIZENS: Final = "FINESTRA_DEMO_CITIZENS"
ENV_REQUESTS: Final = "FINESTRA_DEMO_REQUESTS"
ENV_SEED: Final = "FINESTRA_DEMO_SEED"
MIN_CITIZENS: Final = 20
MAX_CITIZENS: Final = 90_000
"""As many as the phone block and the document numbers hold."""
MIN_REQUESTS: Final = 200
"""Enough for every theme, channel and state to occur at least once."""

BATCH_SIZE: Final = 25
WRITER_CONFIG: Final = Config(parameter_validation=False, retries={"mode": "standard"})
"""The seeding client: the items are the stores' own, so botocore need not check them."""
WRITER_MODULE: Final = "finestra_local.demo_city"
WRITER_THREADS: Final = 2
WRITER_TIMEOUT_S: Final = 300
LOOPBACK: Final = frozenset({"127.0.0.1", "localhost", "::1"})
MAX_ATTEMPTS: Final = 8
NEAR_FRACTION: Final = 0.9
"""The share of an SLA spent that the SLA watch calls about to breach (its default)."""

PHONE_BLOCK: Final = "+346000"
EMAIL_DOMAIN: Final = "example.org"

LANGUAGE_SHARES: Final = ((Language.CA, 52), (Language.ES, 40), (Language.EN, 8))
CHANNEL_SHARES: Final = (
    (InputChannel.PHONE, 400),
    (InputChannel.WEB, 370),
    (InputChannel.APP, 190),
    (InputChannel.EMAIL, 15),
    (InputChannel.IN_PERSON, 10),
    (InputChannel.SMS, 6),
    (InputChannel.SOCIAL, 5),
    (InputChannel.OPEN311, 4),
)
"""Per thousand requests: the city's 2023 shares, the small channels making up the rest."""

ANONYMOUS_PERCENT: Final = {InputChannel.OPEN311: 40, InputChannel.WEB: 4, InputChannel.APP: 2}
FREE_TEXT: Final = frozenset({InputChannel.SMS, InputChannel.EMAIL, InputChannel.SOCIAL})
"""Channels whose requests the classifier gives a theme, with a confidence."""

OPEN_PERCENT: Final = 20
OPEN_WEIGHTS: Final = {
    S.PENDING_VALIDATION: 12,
    S.PLANNED: 14,
    S.IN_RESOLUTION: 44,
    S.PENDING_ANSWER: 18,
    S.EXTERNALLY_PROCESSED: 12,
}
FINAL_WEIGHTS: Final = {S.CLOSED: 90, S.CANCELLED: 5, S.NOT_PROCESSED: 5}
SHORTEST_SPAN: Final = timedelta(minutes=10)
"""The least time a request that ended took: after its acknowledgement, at least."""
REPLY_PERCENT: Final = 8
"""Of the requests answered by SMS or email, those whose citizen replied to the answer."""
NOTE_PERCENT: Final = 10
"""Of the requests planned or put in resolution, those staff wrote a note on."""
COVERAGE_STATES: Final = (
    S.CLOSED,
    S.CANCELLED,
    S.NOT_PROCESSED,
    S.PENDING_VALIDATION,
    S.PLANNED,
    S.IN_RESOLUTION,
    S.PENDING_ANSWER,
    S.EXTERNALLY_PROCESSED,
)
COMMON_AREAS: Final = frozenset(
    {"street-cleaning", "waste-collection", "street-lighting", "noise", "roads-pavements"}
)

_HOUR_WEIGHTS: Final = (1, 1, 1, 1, 1, 2, 5, 9, 12, 12, 12, 11, 10, 9, 10, 11, 11, 10, 8, 6, 4)
"""Weights of the hour of the day (UTC) a request arrives at; none after 20:59."""

_DNI_LETTERS: Final = "TRWAGMYFPDXBNJZSQVHLCKE"
_TOKEN_ALPHABET: Final = string.ascii_letters + string.digits

NEIGHBOURHOOD_CENTRES: Final[Mapping[str, tuple[float, float]]] = {
    "1": (41.3800, 2.1680),
    "2": (41.3830, 2.1770),
    "3": (41.3800, 2.1890),
    "4": (41.3870, 2.1800),
    "5": (41.3960, 2.1820),
    "6": (41.4040, 2.1750),
    "7": (41.3950, 2.1660),
    "8": (41.3880, 2.1560),
    "9": (41.3820, 2.1490),
    "10": (41.3780, 2.1610),
    "11": (41.3720, 2.1600),
    "12": (41.3540, 2.1420),
    "13": (41.3610, 2.1370),
    "14": (41.3710, 2.1440),
    "15": (41.3750, 2.1420),
    "16": (41.3690, 2.1370),
    "17": (41.3760, 2.1280),
    "18": (41.3790, 2.1350),
    "19": (41.3850, 2.1320),
    "20": (41.3800, 2.1180),
    "21": (41.3900, 2.1120),
    "22": (41.4150, 2.1080),
    "23": (41.4000, 2.1200),
    "24": (41.3980, 2.1310),
    "25": (41.4050, 2.1340),
    "26": (41.3970, 2.1430),
    "27": (41.4060, 2.1450),
    "28": (41.4130, 2.1430),
    "29": (41.4180, 2.1480),
    "30": (41.4120, 2.1520),
    "31": (41.4030, 2.1560),
    "32": (41.4060, 2.1650),
    "33": (41.4100, 2.1700),
    "34": (41.4170, 2.1620),
    "35": (41.4190, 2.1720),
    "36": (41.4250, 2.1640),
    "37": (41.4220, 2.1550),
    "38": (41.4240, 2.1460),
    "39": (41.4300, 2.1400),
    "40": (41.4320, 2.1450),
    "41": (41.4300, 2.1500),
    "42": (41.4300, 2.1560),
    "43": (41.4310, 2.1610),
    "44": (41.4300, 2.1750),
    "45": (41.4340, 2.1780),
    "46": (41.4330, 2.1690),
    "47": (41.4360, 2.1660),
    "48": (41.4400, 2.1700),
    "49": (41.4420, 2.1650),
    "50": (41.4460, 2.1740),
    "51": (41.4440, 2.1770),
    "52": (41.4420, 2.1800),
    "53": (41.4490, 2.1840),
    "54": (41.4560, 2.1830),
    "55": (41.4600, 2.1750),
    "56": (41.4560, 2.1900),
    "57": (41.4500, 2.1930),
    "58": (41.4470, 2.1990),
    "59": (41.4380, 2.2000),
    "60": (41.4350, 2.1900),
    "61": (41.4220, 2.1880),
    "62": (41.4260, 2.1820),
    "63": (41.4160, 2.1860),
    "64": (41.4130, 2.1800),
    "65": (41.4090, 2.1880),
    "66": (41.3990, 2.1930),
    "67": (41.3900, 2.1970),
    "68": (41.4000, 2.2040),
    "69": (41.4080, 2.2160),
    "70": (41.4150, 2.2140),
    "71": (41.4120, 2.2040),
    "72": (41.4170, 2.1990),
    "73": (41.4220, 2.2020),
}
"""Each neighbourhood's rough centre; a request's point lies within about 200 m of it."""
POINT_SPREAD: Final = 0.0018


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


GIVEN_NAMES: Final[Mapping[Language, tuple[str, ...]]] = {
    Language.CA: _words(
        "Jordi Montserrat Núria Pere Marta Joan Laia Pau Arnau Aina Marc Mireia Oriol Gemma "
        "Xavier Roser Albert Carme Ferran Meritxell Sergi Anna Martí Clara Quim Berta"
    ),
    Language.ES: _words(
        "Lucía Javier Carmen Antonio María José Ana David Laura Manuel Elena Sergio Isabel "
        "Pablo Cristina Alejandro Rocío Daniel Paula Francisco Sara Miguel Raquel Carlos "
        "Irene"
    ),
    Language.EN: _words(
        "Emma James Olivia Thomas Sophie Lukas Giulia Pierre Camille Marco Hannah Erik Chloe "
        "Noah Freya Matteo Léa"
    ),
}
FAMILY_NAMES: Final[Mapping[Language, tuple[str, ...]]] = {
    Language.CA: _words(
        "Puig Vila Soler Ferrer Roca Serra Font Pujol Riera Casals Vidal Coll Sala Bosch Mas "
        "Pons Prat Camps Batlle Roig Badia Tort Vinyes Bonet"
    ),
    Language.ES: _words(
        "García Martínez López Sánchez Pérez Gómez Fernández Ruiz Díaz Moreno Muñoz Álvarez "
        "Romero Navarro Torres Domínguez Vázquez Ramos Gil Serrano Castro Ortega Molina "
        "Delgado"
    ),
    Language.EN: _words(
        "Smith Müller Rossi Dubois Johansson Novak Murphy Jansen Silva Kowalski Bennett "
        "Schneider Ricci Larsen Byrne Costa"
    ),
}
TRADES: Final = _words(
    "Forn Fruiteria Ferreteria Llibreria Bar Taller Perruqueria Floristeria Papereria Farmàcia"
)

_DESCRIPTIONS: Final[Mapping[tuple[Language, str], tuple[str, ...]]] = {
    (Language.CA, "report"): (
        "{detail}, a {place}.",
        "Bon dia. Us aviso: {detail_l}, a {place}.",
        "{detail}. Ho he vist avui a {place}.",
        "Voldria comunicar-vos un problema: {detail_l} ({place}). Gràcies.",
    ),
    (Language.ES, "report"): (
        "{detail}, en {place}.",
        "Buenos días. Les aviso: {detail_l}, en {place}.",
        "{detail}. Lo he visto hoy en {place}.",
        "Quería comunicarles un problema: {detail_l} ({place}). Gracias.",
    ),
    (Language.EN, "report"): (
        "{detail}, in {place}.",
        "Hello. Just letting you know: {detail_l}, in {place}.",
        "{detail}. I saw it today in {place}.",
        "I would like to report a problem: {detail_l} ({place}). Thank you.",
    ),
    (Language.CA, "enquiry"): ("Voldria saber com funciona: {detail_l}. Visc a {place}.",),
    (Language.ES, "enquiry"): ("Quería saber cómo funciona: {detail_l}. Vivo en {place}.",),
    (Language.EN, "enquiry"): ("Could you tell me how this works: {detail_l}? I live in {place}.",),
    (Language.CA, "suggestion"): ("Us proposo una millora sobre {detail_l} a {place}.",),
    (Language.ES, "suggestion"): ("Les propongo una mejora sobre {detail_l} en {place}.",),
    (Language.EN, "suggestion"): ("A suggestion about {detail_l} in {place}.",),
    (Language.CA, "thanks"): ("Moltes gràcies per la feina feta: {detail_l}, a {place}.",),
    (Language.ES, "thanks"): ("Muchas gracias por el trabajo hecho: {detail_l}, en {place}.",),
    (Language.EN, "thanks"): ("Many thanks for the work done: {detail_l}, in {place}.",),
}
_UNCLASSIFIED: Final[Mapping[Language, str]] = {
    Language.CA: "Bon dia, no sé a qui adreçar-me. Hi ha una cosa al barri que cal mirar.",
    Language.ES: "Buenos días, no sé a quién dirigirme. Hay algo en el barrio que hay que mirar.",
    Language.EN: "Hello, I am not sure who to ask. There is something in the area to look at.",
}
_ANSWERS: Final[Mapping[Language, str]] = {
    Language.CA: "Hem atès la vostra sol·licitud {reference}. Gràcies per avisar-nos.",
    Language.ES: "Hemos atendido su solicitud {reference}. Gracias por avisarnos.",
    Language.EN: "We have dealt with your request {reference}. Thank you for telling us.",
}
_REPLIES: Final[Mapping[Language, str]] = {
    Language.CA: "Encara hi és. Si us plau, torneu-ho a mirar.",
    Language.ES: "Sigue igual. Por favor, vuelvan a revisarlo.",
    Language.EN: "It is still there. Please take another look.",
}
_NOTES: Final = (
    "Assignat a la brigada del districte.",
    "Revisat sobre el terreny.",
    "Pendent de material.",
    "Coordinat amb el servei responsable.",
)
_REASONS: Final[Mapping[RequestState, tuple[str, ...]]] = {
    S.CANCELLED: ("Retirada per la persona sol·licitant.", "Repeteix una sol·licitud anterior."),
    S.NOT_PROCESSED: ("No és competència municipal.", "Falta informació per poder actuar."),
}
_KIND_OF_TYPE: Final = {
    RequestType.ENQUIRY: "enquiry",
    RequestType.SUGGESTION: "suggestion",
    RequestType.THANKS: "thanks",
}


@dataclass(frozen=True)
class DemoCitizen:
    """A citizen a newcomer can look up in the desktop: the same on every start."""

    id: str
    given_name: str
    family_names: str
    language: Language
    phone: str
    email: str
    district_code: str


DEMO_CITIZENS: Final = (
    DemoCitizen(
        id="cit_01JGZZW1M00000000000000001",
        given_name="Aina",
        family_names="Soler Vila",
        language=Language.CA,
        phone="+34600000101",
        email="aina.soler@example.org",
        district_code="6",
    ),
    DemoCitizen(
        id="cit_01JGZZW1M00000000000000002",
        given_name="Lucía",
        family_names="Romero Castro",
        language=Language.ES,
        phone="+34600000102",
        email="lucia.romero@example.org",
        district_code="10",
    ),
    DemoCitizen(
        id="cit_01JGZZW1M00000000000000003",
        given_name="Oliver",
        family_names="Bennett",
        language=Language.EN,
        phone="+34600000103",
        email="oliver.bennett@example.org",
        district_code="2",
    ),
)
"""One citizen per language, each with an open, a pending and a closed request."""

_DEMO_SPECS: Final = (
    (S.IN_RESOLUTION, InputChannel.WEB, 0.5),
    (S.PENDING_ANSWER, InputChannel.SMS, 0.7),
    (S.CLOSED, InputChannel.EMAIL, 0.4),
)
"""Each demo citizen's requests: the state, the channel, and the share of the SLA spent."""
DEMO_CLOSED_DAYS: Final = 40


def _positive(environ: Mapping[str, str], name: str, default: int) -> int:
    text = environ.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit():
        raise ValueError(f"{name} must be a whole number")
    return int(text)


@dataclass(frozen=True)
class CitySize:
    """How big the demo city is, and the seed it is drawn from.

    Parameters
    ----------
    citizens
        How many citizens, legal entities' contact people included; 20 to 90,000.
    requests
        How many past requests; at least 200, so that every theme occurs.
    seed
        The seed: the same seed and ``now`` give the same city.
    """

    citizens: int = 1500
    requests: int = 3000
    seed: int = 2026

    def __post_init__(self) -> None:
        if not MIN_CITIZENS <= self.citizens <= MAX_CITIZENS:
            raise ValueError(f"the demo city holds {MIN_CITIZENS} to {MAX_CITIZENS} citizens")
        if self.requests < MIN_REQUESTS:
            raise ValueError(f"the demo city needs at least {MIN_REQUESTS} requests")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> CitySize:
        """The default size, changed by ``FINESTRA_DEMO_CITIZENS`` and ``_REQUESTS``.

        ``FINESTRA_DEMO_SEED`` changes the seed. ``environ`` defaults to the process
        environment.

        Raises
        ------
        ValueError
            When a variable is not a whole number, or the size is too small.
        """
        source = os.environ if environ is None else environ
        default = cls()
        return cls(
            citizens=_positive(source, ENV_CITIZENS, default.citizens),
            requests=_positive(source, ENV_REQUESTS, default.requests),
            seed=_positive(source, ENV_SEED, default.seed),
        )


@dataclass(frozen=True)
class DemoRequest:
    """A demo citizen's request, with the token that tracks it on the citizen pages."""

    citizen_id: str
    reference: str
    state: RequestState
    tracking_token: str


@dataclass(frozen=True)
class SeededRequest:
    """A request of the demo city, its history after the first message, its map cell."""

    request: Request
    history: tuple[Interaction, ...]
    geo_cell: str | None


@dataclass(frozen=True)
class DemoCity:
    """Everything :func:`plan_city` drew, before it becomes items."""

    citizens: tuple[Citizen, ...]
    requests: tuple[SeededRequest, ...]
    last_numbers: Mapping[int, int]
    demo_requests: tuple[DemoRequest, ...]
    entities: int
    city_code: str


@dataclass(frozen=True)
class CityReport:
    """What was seeded, for the start-up banner and for tests."""

    citizens: int
    entities: int
    requests: int
    items: int
    citizens_by_district: Mapping[str, int]
    requests_by_district: Mapping[str, int]
    requests_by_channel: Mapping[str, int]
    requests_by_state: Mapping[str, int]
    themes: int
    last_references: Mapping[int, str]
    demo_requests: tuple[DemoRequest, ...]
    elapsed_s: float

    def lines(self) -> list[str]:
        """The banner: sizes, spreads, and the demo citizens to look up."""

        def spread(counts: Mapping[str, int]) -> str:
            return ", ".join(f"{name} {count}" for name, count in counts.items())

        lines = [
            f"demo city: {self.citizens} citizens, {self.entities} legal entities, "
            f"{self.requests} requests over {self.themes} themes "
            f"({self.items} items in {self.elapsed_s:.1f} s)",
            f"  citizens by district: {spread(self.citizens_by_district)}",
            f"  requests by channel: {spread(self.requests_by_channel)}",
            f"  requests by state: {spread(self.requests_by_state)}",
            "  demo citizens (phone, email; then requests and tracking tokens):",
        ]
        for citizen in DEMO_CITIZENS:
            lines.append(
                f"    {citizen.given_name} {citizen.family_names} ({citizen.language.value}) "
                f"{citizen.phone} {citizen.email}"
            )
            lines += [
                f"      {d.reference} {d.state.value} {d.tracking_token}"
                for d in self.demo_requests
                if d.citizen_id == citizen.id
            ]
        return lines


# Drawing.


def _pick(rng: random.Random, weighted: Sequence[tuple[T, int]]) -> T:
    return rng.choices([value for value, _ in weighted], [w for _, w in weighted])[0]


def _chance(rng: random.Random, percent: float) -> bool:
    return rng.random() * 100 < percent


def _apportion(total: int, weights: Sequence[int]) -> list[int]:
    """Whole shares of ``total`` in proportion to ``weights`` (largest remainders).

    Ties in the remainders go to the earlier weight, so the result depends on nothing
    but its arguments.
    """
    whole = sum(weights)
    counts = [total * weight // whole for weight in weights]
    order = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for index in order[: total - sum(counts)]:
        counts[index] += 1
    return counts


def _ulid(rng: random.Random, at: datetime) -> str:
    milliseconds = int(at.timestamp() * 1000)
    return str(ULID.from_bytes(milliseconds.to_bytes(6, "big") + rng.randbytes(10)))


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text)
    return "".join(c for c in folded if c.isascii() and c.isalnum()).lower()


def _dni(number: int) -> str:
    digits = f"99{number:06d}"
    return digits + _DNI_LETTERS[int(digits) % 23]


def _nie(number: int) -> str:
    rest = f"9{number:06d}"
    return "Y" + rest + _DNI_LETTERS[int("1" + rest) % 23]


def _tax_id(number: int) -> str:
    """A company tax id of the ``B99`` block, its control digit found by the validator."""
    stem = f"B99{number:05d}"
    for control in string.digits:
        try:
            return normalise_tax_id(stem + control)
        except ValidationFailed:
            continue
    raise ValueError("no control digit fits the tax id")


# Citizens.


@dataclass
class _Person:
    """A citizen being drawn: what the models are built from once their requests exist."""

    index: int
    language: Language
    district: str
    neighbourhood: str
    given_name: str
    family_names: str
    phone: str | None
    email: str | None
    document: str | None
    social: str | None
    verified: frozenset[ContactKind]
    demo: DemoCitizen | None = None
    first_seen: datetime | None = None
    first_channel: InputChannel | None = None

    @property
    def identified(self) -> bool:
        return bool(self.verified)

    def reaches(self, channel: InputChannel) -> bool:
        needs = {
            InputChannel.SMS: self.phone,
            InputChannel.PHONE: self.phone,
            InputChannel.EMAIL: self.email,
            InputChannel.SOCIAL: self.social,
        }
        return channel not in needs or needs[channel] is not None


def _homes(catalogue: Catalogue, total: int) -> list[tuple[str, str]]:
    """Every citizen's (district, neighbourhood), by the rule of the module's docstring."""
    districts = catalogue.districts
    homes: list[tuple[str, str]] = []
    for district, count in zip(
        districts, _apportion(total, [d.population for d in districts]), strict=True
    ):
        inside = [n.code for n in catalogue.neighbourhoods if n.district_code == district.code]
        for code, share in zip(inside, _apportion(count, [1] * len(inside)), strict=True):
            homes.extend([(district.code, code)] * share)
    return homes


def _family_names(rng: random.Random, language: Language) -> str:
    if language is Language.EN:
        return rng.choice(FAMILY_NAMES[Language.EN])
    first = rng.choice(FAMILY_NAMES[language])
    other = Language.ES if _chance(rng, 60) else Language.CA
    return f"{first} {rng.choice(FAMILY_NAMES[other])}"


def _person(rng: random.Random, index: int, home: tuple[str, str]) -> _Person:
    language = _pick(rng, LANGUAGE_SHARES)
    given = rng.choice(GIVEN_NAMES[language])
    family = _family_names(rng, language)
    has_phone = _chance(rng, 92)
    has_email = _chance(rng, 75) or not has_phone
    document = None
    if _chance(rng, 30):
        document = _nie(index) if language is Language.EN else _dni(index)
    social = f"{rng.choice(('facebook', 'instagram'))}:1784{index:011d}"
    verified = {ContactKind.DOCUMENT} if document else set()
    if has_phone and _chance(rng, 35):
        verified.add(ContactKind.PHONE)
    if has_email and _chance(rng, 45):
        verified.add(ContactKind.EMAIL)
    return _Person(
        index=index,
        language=language,
        district=home[0],
        neighbourhood=home[1],
        given_name=given,
        family_names=family,
        phone=f"{PHONE_BLOCK}{10000 + index:05d}" if has_phone else None,
        email=f"{_ascii(given)}.{_ascii(family.split()[0])}.{index:04d}@{EMAIL_DOMAIN}"
        if has_email
        else None,
        document=document,
        social=social if _chance(rng, 6) or index == len(DEMO_CITIZENS) else None,
        verified=frozenset(verified),
    )


def _demo_person(rng: random.Random, demo: DemoCitizen, home: tuple[str, str]) -> _Person:
    person = _person(rng, DEMO_CITIZENS.index(demo), home)
    person.language = demo.language
    person.given_name, person.family_names = demo.given_name, demo.family_names
    person.phone, person.email, person.social = demo.phone, demo.email, None
    person.verified = person.verified | {ContactKind.PHONE}
    person.demo = demo
    return person


def _people(rng: random.Random, catalogue: Catalogue, total: int) -> list[_Person]:
    homes = _homes(catalogue, total)
    rng.shuffle(homes)
    people: list[_Person] = []
    for demo in DEMO_CITIZENS:
        home = next(h for h in homes if h[0] == demo.district_code)
        homes.remove(home)
        people.append(_demo_person(rng, demo, home))
    people.extend(_person(rng, len(people) + i, home) for i, home in enumerate(homes))
    return people


# Requests, as drawn before they become models.


@dataclass
class _Plan:
    """One request being drawn."""

    index: int
    theme: Theme | None
    channel: InputChannel
    state: RequestState
    person: _Person | None
    created_at: datetime
    span: timedelta
    """From creation to the last change: the close, or for an open request, up to now."""
    entity: int | None = None
    token: str = ""
    reference: str = ""


@dataclass
class _Drawing:
    """The seed's stream and what every request is drawn from."""

    rng: random.Random
    catalogue: Catalogue
    now: datetime
    people: list[_Person]
    themes: list[Theme]
    theme_weights: list[float]
    staff: list[str]
    entities: list[tuple[EntityApplicant, _Person]] = field(default_factory=list)
    _pools: dict[tuple[InputChannel, bool], list[_Person]] = field(default_factory=dict)

    def pool(self, channel: InputChannel, *, identified: bool) -> list[_Person]:
        """The ordinary citizens who can write on ``channel`` (identified ones only, or all)."""
        wanted = (channel, identified)
        if wanted not in self._pools:
            self._pools[wanted] = [
                p
                for p in self.people
                if p.reaches(channel) and p.demo is None and (p.identified or not identified)
            ]
        return self._pools[wanted]


def _theme_weights(rng: random.Random, themes: Sequence[Theme]) -> list[float]:
    return [
        rng.lognormvariate(0, 0.8) * (4 if theme.area in COMMON_AREAS else 1) for theme in themes
    ]


def _reachable_states(theme: Theme | None) -> set[RequestState]:
    if theme is None:
        return {S.PENDING_VALIDATION}
    return set(PATHS[theme.process]) | {S.CANCELLED, S.NOT_PROCESSED}


def _draw_state(rng: random.Random, theme: Theme | None) -> RequestState:
    if theme is None:
        return S.PENDING_VALIDATION
    reachable = _reachable_states(theme)
    if _chance(rng, OPEN_PERCENT):
        weights = [(s, w) for s, w in OPEN_WEIGHTS.items() if s in reachable]
        return _pick(rng, weights)
    return _pick(rng, list(FINAL_WEIGHTS.items()))


def _requester(drawing: _Drawing, theme: Theme | None, channel: InputChannel) -> _Person | None:
    rng = drawing.rng
    needs_identity = theme is not None and theme.requires_identified_citizen
    if not needs_identity and _chance(rng, ANONYMOUS_PERCENT.get(channel, 0)):
        return None
    pool = drawing.pool(channel, identified=needs_identity and _chance(rng, 92))
    return rng.choice(pool or drawing.pool(channel, identified=False))


def _daytime(rng: random.Random, moment: datetime) -> datetime:
    hour = rng.choices(range(len(_HOUR_WEIGHTS)), _HOUR_WEIGHTS)[0]
    return moment.replace(
        hour=hour, minute=rng.randrange(60), second=rng.randrange(60), microsecond=0
    )


def _sla(theme: Theme | None) -> timedelta:
    return timedelta(hours=theme.sla_hours) if theme else TRIAGE_SLA


def _final_timing(
    rng: random.Random, theme: Theme | None, state: RequestState, now: datetime
) -> tuple[datetime, timedelta]:
    """When a request that is closed (or cancelled, or refused) was made, and how long it ran."""
    if theme is not None and theme.process is Process.IMMEDIATE_CLOSE:
        span = timedelta(minutes=rng.uniform(5, 120))
    else:
        span = _sla(theme) * min(max(rng.lognormvariate(-0.8, 0.7), 0.02), 2.5)
    if state is S.CANCELLED:
        span *= rng.uniform(0.1, 0.7)
    elif state is S.NOT_PROCESSED:
        span = timedelta(hours=rng.uniform(1, 48))
    span = max(span, SHORTEST_SPAN)
    days = rng.uniform(0, 30) if _chance(rng, 45) else rng.uniform(0, 365)
    created = _daytime(rng, now - timedelta(days=days))
    while created + span >= now:
        created -= timedelta(days=1)
    return created, span


def _open_timing(
    rng: random.Random, theme: Theme | None, now: datetime
) -> tuple[datetime, timedelta]:
    """When an open request was made: most on time, some about to breach, some breached."""
    sla = _sla(theme)
    roll = rng.random() * 100
    if roll < 12:
        spent = rng.uniform(1.02, 1.8)
    elif roll < 22:
        lowest = max(NEAR_FRACTION, 1 - LOOKAHEAD / sla) + 0.005
        spent = rng.uniform(lowest, 0.985)
    else:
        spent = rng.uniform(0.03, 0.85)
    span = sla * spent
    return now - span, span


def _plan(
    drawing: _Drawing,
    index: int,
    *,
    theme: Theme | None,
    channel: InputChannel,
    state: RequestState,
    person: _Person | None,
) -> _Plan:
    rng = drawing.rng
    identified = person is not None and person.identified
    refused = theme is not None and theme.requires_identified_citizen and not identified
    if refused:
        state = S.NOT_PROCESSED
    if state in FINAL_STATES:
        created, span = _final_timing(rng, theme, state, drawing.now)
    else:
        created, span = _open_timing(rng, theme, drawing.now)
    token = "trk_" + "".join(rng.choices(_TOKEN_ALPHABET, k=22))
    # A request refused at intake for want of an identified citizen was never open.
    return _Plan(
        index,
        theme,
        channel,
        state,
        person,
        created,
        timedelta(0) if refused else span,
        token=token,
    )


def _theme_for(drawing: _Drawing, state: RequestState) -> Theme:
    return next(
        t
        for t in drawing.themes
        if state in _reachable_states(t) and not t.requires_identified_citizen
    )


def _coverage(drawing: _Drawing) -> list[_Plan]:
    """The first requests: one per state and channel, one unclassified, one of an entity."""
    rng = drawing.rng
    channels = [c for c, _ in CHANNEL_SHARES]
    plans = []
    for index, state in enumerate(COVERAGE_STATES):
        channel = channels[index % len(channels)]
        person = rng.choice(
            drawing.pool(channel, identified=True) or drawing.pool(channel, identified=False)
        )
        theme = _theme_for(drawing, state)
        plans.append(
            _plan(drawing, index, theme=theme, channel=channel, state=state, person=person)
        )
    entity = next(p for p in plans if p.channel is InputChannel.WEB)
    entity.entity = 0
    entity.person = drawing.entities[0][1]
    channel = InputChannel.SMS
    person = rng.choice(drawing.pool(channel, identified=False))
    unclassified = _plan(
        drawing, len(plans), theme=None, channel=channel, state=S.PENDING_VALIDATION, person=person
    )
    return [*plans, unclassified]


def _demo_theme(drawing: _Drawing, state: RequestState, which: int) -> Theme:
    fitting = [
        t
        for t in drawing.catalogue.themes
        if state in PATHS[t.process]
        and t.requires_location
        and {ResponseChannel.SMS, ResponseChannel.EMAIL} <= set(t.response_channels)
    ]
    return fitting[which % len(fitting)]


def _demo_plans(drawing: _Drawing, start: int) -> list[_Plan]:
    """Each demo citizen's requests: in resolution, pending an answer, closed."""
    plans: list[_Plan] = []
    demo_people = [p for p in drawing.people if p.demo is not None]
    for which, person in enumerate(demo_people):
        for state, channel, spent in _DEMO_SPECS:
            theme = _demo_theme(drawing, state, which)
            plan = _plan(
                drawing,
                start + len(plans),
                theme=theme,
                channel=channel,
                state=state,
                person=person,
            )
            sla = _sla(theme)
            if state is S.CLOSED:
                days = timedelta(days=DEMO_CLOSED_DAYS)
                plan.created_at = _daytime(drawing.rng, drawing.now - days)
                plan.span = sla * spent
            else:
                plan.span = sla * spent
                plan.created_at = drawing.now - plan.span
            plans.append(plan)
    return plans


def _ordinary(drawing: _Drawing, index: int, covered: int) -> _Plan:
    """A request of the ordinary kind: every theme once first, then by their weights."""
    rng = drawing.rng
    themes = drawing.themes
    position = index - covered
    theme: Theme | None
    if position < len(themes):
        theme = themes[position]
    elif _chance(rng, 1):
        theme = None
    else:
        theme = rng.choices(themes, drawing.theme_weights)[0]
    channel = _pick(rng, CHANNEL_SHARES)
    if theme is None and channel not in FREE_TEXT:
        channel = InputChannel.EMAIL
    person = _requester(drawing, theme, channel)
    plan = _plan(
        drawing,
        index,
        theme=theme,
        channel=channel,
        state=_draw_state(rng, theme),
        person=person,
    )
    if (
        channel is InputChannel.WEB
        and theme is not None
        and not theme.requires_identified_citizen
        and _chance(rng, 6)
    ):
        plan.entity = rng.randrange(len(drawing.entities))
        plan.person = drawing.entities[plan.entity][1]
    return plan


def _entities(
    rng: random.Random, people: Sequence[_Person]
) -> list[tuple[EntityApplicant, _Person]]:
    speakers = [p for p in people if p.demo is None and p.email and p.phone]
    count = max(3, len(people) // 100)
    found = []
    for number, person in enumerate(rng.sample(speakers, min(count, len(speakers)))):
        family = person.family_names.split()[0]
        entity = EntityApplicant(
            tax_id=_tax_id(number + 1),
            business_name=f"{rng.choice(TRADES)} {family} {number + 1} SL",
            contact=EntityContact(
                name=f"{person.given_name} {person.family_names}",
                email=person.email,
                phone=person.phone,
            ),
        )
        found.append((entity, person))
    return found


def _number(plans: Sequence[_Plan], city_code: str) -> dict[int, int]:
    """Give each request its reference, in order of creation, per year; the last numbers."""
    last: dict[int, int] = {}
    for plan in sorted(plans, key=lambda p: (p.created_at, p.index)):
        year = plan.created_at.year
        last[year] = last.get(year, 0) + 1
        plan.reference = f"{city_code}-{year}-{last[year]:06d}"
    return last


# Models.


def _points(person: _Person) -> list[ContactPoint]:
    seen = person.first_channel or InputChannel.WEB
    given = (
        (ContactKind.PHONE, person.phone),
        (ContactKind.EMAIL, person.email),
        (ContactKind.DOCUMENT, person.document),
        (ContactKind.SOCIAL, person.social),
    )
    return [
        ContactPoint(kind=kind, value=value, verified=kind in person.verified, first_seen_on=seen)
        for kind, value in given
        if value is not None
    ]


def _consents(rng: random.Random, person: _Person, since: datetime) -> list[Consent]:
    source = person.first_channel or InputChannel.WEB
    found = []
    reachable = (("sms", person.phone), ("email", person.email))
    for channel, value in reachable:
        if value is None:
            continue
        for purpose, yes, no in (
            (ConsentPurpose.SERVICE, 35, 4),
            (ConsentPurpose.CAMPAIGNS, 30, 20),
            (ConsentPurpose.SURVEYS, 35, 10),
        ):
            roll = rng.random() * 100
            if person.demo is not None and purpose is ConsentPurpose.SERVICE:
                roll = 0
            if roll < yes + no:
                found.append(
                    Consent(
                        channel=channel,
                        purpose=purpose,
                        granted=roll < yes,
                        recorded_at=since + timedelta(seconds=rng.randrange(1, 600)),
                        source=source,
                    )
                )
    return found


def _citizen(rng: random.Random, person: _Person, now: datetime) -> Citizen:
    created = person.first_seen or _daytime(rng, now - timedelta(days=rng.uniform(30, 700)))
    return Citizen(
        id=person.demo.id if person.demo else "cit_" + _ulid(rng, created),
        given_name=person.given_name,
        family_names=person.family_names,
        language=person.language,
        district_code=person.district,
        neighbourhood_code=person.neighbourhood,
        contact_points=_points(person),
        consents=_consents(rng, person, created),
        provisional=not person.identified,
        created_at=created,
        updated_at=created,
    )


def _location(drawing: _Drawing, plan: _Plan) -> Location | None:
    rng = drawing.rng
    theme, person = plan.theme, plan.person
    if theme is not None and not theme.requires_location and _chance(rng, 50):
        return None
    if person is not None and _chance(rng, 65):
        neighbourhood = person.neighbourhood
    else:
        neighbourhood = rng.choices(
            drawing.catalogue.neighbourhoods, _neighbourhood_weights(drawing.catalogue)
        )[0].code
    district = drawing.catalogue.district_of(neighbourhood)
    if theme is not None and not theme.requires_location:
        return Location(district_code=district, neighbourhood_code=neighbourhood)
    latitude, longitude = NEIGHBOURHOOD_CENTRES[neighbourhood]
    return Location(
        latitude=round(latitude + rng.uniform(-POINT_SPREAD, POINT_SPREAD), 6),
        longitude=round(longitude + rng.uniform(-POINT_SPREAD, POINT_SPREAD), 6),
        district_code=district,
        neighbourhood_code=neighbourhood,
    )


def _neighbourhood_weights(catalogue: Catalogue) -> list[float]:
    inside = Counter(n.district_code for n in catalogue.neighbourhoods)
    population = {d.code: d.population for d in catalogue.districts}
    return [population[n.district_code] / inside[n.district_code] for n in catalogue.neighbourhoods]


def _description(
    rng: random.Random, theme: Theme | None, kind: RequestType, language: Language, place: str
) -> str:
    if theme is None:
        return _UNCLASSIFIED[language]
    detail = theme.detail.in_(language)
    shapes = _DESCRIPTIONS[(language, _KIND_OF_TYPE.get(kind, "report"))]
    text = rng.choice(shapes)
    return text.format(detail=detail, detail_l=detail[0].lower() + detail[1:], place=place)


def _response_channel(
    theme: Theme | None, channel: InputChannel, person: _Person | None
) -> ResponseChannel:
    allowed = theme.response_channels if theme else tuple(ResponseChannel)
    can = {
        ResponseChannel.EMAIL: person is not None and person.email is not None,
        ResponseChannel.SMS: person is not None and person.phone is not None,
    }
    wanted = NATIVE_RESPONSE.get(channel)
    if wanted is None:
        wanted = ResponseChannel.EMAIL if can[ResponseChannel.EMAIL] else ResponseChannel.SMS
    if wanted in allowed and can.get(wanted, person is not None):
        return wanted
    for candidate in (ResponseChannel.EMAIL, ResponseChannel.SMS):
        if candidate in allowed and can[candidate]:
            return candidate
    return ResponseChannel.NONE if ResponseChannel.NONE in allowed else allowed[0]


def _provider_id(rng: random.Random, channel: InputChannel | ResponseChannel) -> str:
    if channel in (InputChannel.EMAIL, ResponseChannel.EMAIL):
        return "".join(rng.choices(string.ascii_lowercase + string.digits, k=40))
    if channel is InputChannel.SOCIAL:
        return "m_" + "".join(rng.choices(_TOKEN_ALPHABET, k=30))
    if channel is InputChannel.IN_PERSON:
        return "visit-" + _uuid(rng)
    return _uuid(rng)


# Histories.

_Step = tuple[RequestState, bool]
"""A state the request moved to, and whether a citizen's reply moved it there."""


@dataclass
class _History:
    """The entries of one request's history as they are drawn, and what they changed."""

    drawing: _Drawing
    request: Request
    citizen: Citizen | None
    entries: list[Interaction] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    updates: int = 0

    def add(
        self, at: datetime, kind: InteractionKind, channel: str, actor: str, **extra: Any
    ) -> None:
        self.entries.append(
            Interaction(
                id="int_" + _ulid(self.drawing.rng, at),
                at=at,
                kind=kind,
                channel=channel,
                actor=actor,
                **extra,
            )
        )

    def staff(self) -> str:
        return "staff:" + self.drawing.rng.choice(self.drawing.staff)

    def change(self, at: datetime, here: RequestState, there: RequestState) -> None:
        reasons = _REASONS.get(there)
        self.add(
            at,
            InteractionKind.STATE_CHANGE,
            "internal",
            self.staff(),
            from_state=here.value,
            to_state=there.value,
            reason=self.drawing.rng.choice(reasons) if reasons else None,
        )
        self.updates += 1

    def reply(self, at: datetime) -> None:
        request, rng = self.request, self.drawing.rng
        channel = InputChannel(request.response_channel.value)
        self.add(
            at,
            InteractionKind.INBOUND_MESSAGE,
            channel.value,
            f"citizen:{request.citizen_id}",
            provider_message_id=_provider_id(rng, channel),
            text=_REPLIES[request.language],
        )
        self.flags.add(CITIZEN_REPLIED)
        self.updates += 1

    def answer(self, at: datetime) -> None:
        """The answer a member of staff sent from the desk, which lowers the reply flag."""
        request = self.request
        self.flags.discard(CITIZEN_REPLIED)
        self.add(
            at,
            InteractionKind.OUTBOUND_MESSAGE,
            request.response_channel.value,
            self.staff(),
            text=_ANSWERS[request.language].format(reference=request.reference),
        )


def _steps(rng: random.Random, plan: _Plan, response: ResponseChannel) -> list[_Step]:
    """The states the request went through after its first, in order."""
    theme, state = plan.theme, plan.state
    if theme is None or state is S.PENDING_VALIDATION or plan.span <= timedelta(0):
        return []
    path = list(PATHS[theme.process])
    if state is S.NOT_PROCESSED:
        return [(S.NOT_PROCESSED, False)]
    if state is S.CANCELLED:
        open_states = [s for s in path if s not in FINAL_STATES]
        stop = rng.randrange(len(open_states))
        return [(s, False) for s in path[1 : stop + 1]] + [(S.CANCELLED, False)]
    steps = [(s, False) for s in path[1 : path.index(state) + 1]]
    replied = (
        state is S.CLOSED
        and S.PENDING_ANSWER in path
        and response in (ResponseChannel.SMS, ResponseChannel.EMAIL)
        and _chance(rng, REPLY_PERCENT)
    )
    if replied:
        at = steps.index((S.PENDING_ANSWER, False)) + 1
        steps[at:at] = [(S.IN_RESOLUTION, True), (S.PENDING_ANSWER, False)]
    return steps


def _times(rng: random.Random, start: datetime, end: datetime, count: int) -> list[datetime]:
    seconds = max((end - start).total_seconds(), float(count))
    offsets = sorted(rng.uniform(0, seconds) for _ in range(count))
    return [start + timedelta(seconds=offset) for offset in offsets]


def _acknowledge(history: _History, at: datetime, tracking_url: str | None) -> datetime | None:
    """The acknowledgement the workflow would have sent, if it had a channel to send on."""
    request, citizen = history.request, history.citizen
    channel = request.response_channel
    if citizen is None or channel not in (ResponseChannel.SMS, ResponseChannel.EMAIL):
        return None
    kind = ContactKind.PHONE if channel is ResponseChannel.SMS else ContactKind.EMAIL
    if citizen.contact(kind) is None:
        return None
    if not citizen.consents_to(channel.value, ConsentPurpose.SERVICE):
        return None
    catalogue = history.drawing.catalogue
    theme = catalogue.theme(request.theme_code) if request.theme_code else None
    due = request.sla_due_at or request.created_at + TRIAGE_SLA
    wording = acknowledgement(
        request.language,
        "sms" if channel is ResponseChannel.SMS else "email",
        request.reference,
        due.date(),
        theme.detail.in_(request.language) if theme else None,
        tracking_url,
    )
    history.add(
        at,
        InteractionKind.OUTBOUND_MESSAGE,
        channel.value,
        "system",
        provider_message_id=_provider_id(history.drawing.rng, channel),
        text=wording.text,
    )
    return at


def _work(history: _History, steps: Sequence[_Step], start: datetime, end: datetime) -> None:
    """Staff notes, state changes, a citizen's reply and the answer, in time order."""
    rng = history.drawing.rng
    answered = history.request.response_channel in (ResponseChannel.SMS, ResponseChannel.EMAIL)
    times = _times(rng, start, end, len(steps))
    if steps and steps[-1][0] in FINAL_STATES:
        times[-1] = end
    here = S.PENDING_VALIDATION
    for at, (there, by_reply) in zip(times, steps, strict=True):
        if by_reply:
            history.reply(at)
            here = there
            continue
        if there is S.CLOSED and answered:
            history.answer(at - timedelta(seconds=rng.uniform(30, 300)))
        history.change(at, here, there)
        if there in (S.PLANNED, S.IN_RESOLUTION) and _chance(rng, NOTE_PERCENT):
            note_at = min(at + timedelta(minutes=rng.uniform(5, 90)), end)
            history.add(
                note_at, InteractionKind.NOTE, "internal", history.staff(), text=rng.choice(_NOTES)
            )
        here = there


def _sla_flags(request: Request, end: datetime) -> set[str]:
    """The flags the SLA watch raised while the request was open, which was until ``end``."""
    due = request.sla_due_at
    if due is None:
        return set()
    flags = set()
    if end >= request.created_at + (due - request.created_at) * NEAR_FRACTION:
        flags.add(SLA_NEAR)
    if end >= due:
        flags.add(SLA_BREACHED)
    return flags


def _geo_cell(theme: Theme | None, location: Location | None) -> str | None:
    """The cell the duplicate search finds the request in, as the workflow indexes it."""
    if theme is None or theme.duplicate_radius_m is None or location is None:
        return None
    if location.latitude is None or location.longitude is None:
        return None
    return encode(location.latitude, location.longitude, geo_precision(theme.duplicate_radius_m))


# Requests, as models.


@dataclass(frozen=True)
class _Context:
    """What every request's model needs beyond its plan."""

    citizens: Mapping[int, Citizen]
    triage_group: str
    tracking_url: str | None


def _origin(drawing: _Drawing, plan: _Plan, citizen: Citizen | None, text: str) -> Interaction:
    rng = drawing.rng
    if plan.channel is InputChannel.IN_PERSON:
        actor = "staff:" + rng.choice(drawing.staff)
    else:
        actor = f"citizen:{citizen.id}" if citizen else "citizen:anonymous"
    return Interaction(
        id="int_" + _ulid(rng, plan.created_at),
        at=plan.created_at,
        kind=InteractionKind.INBOUND_MESSAGE,
        channel=plan.channel.value,
        actor=actor,
        provider_message_id=_provider_id(rng, plan.channel),
        text=text,
    )


def _backoffice(rng: random.Random, theme: Theme | None, at: datetime) -> dict[str, SystemStatus]:
    systems = theme.back_office_systems if theme else ()
    return {
        code: SystemStatus(
            status="ok" if _chance(rng, 85) else "not_found",
            available=True,
            fetched_at=at + timedelta(seconds=rng.uniform(1, 20)),
        )
        for code in systems
    }


def _applicant(drawing: _Drawing, plan: _Plan, citizen: Citizen | None) -> EntityApplicant | None:
    if plan.entity is None or citizen is None:
        return None
    entity = drawing.entities[plan.entity][0]
    return entity.model_copy(update={"contact_citizen_id": citizen.id})


def _routing(
    drawing: _Drawing, plan: _Plan, location: Location | None, text: str, kind: RequestType
) -> tuple[str | None, Priority, datetime]:
    """The group, priority and due time the workflow's router gives; ``None`` for triage."""
    theme = plan.theme
    if theme is None:
        return None, Priority.NORMAL, plan.created_at + TRIAGE_SLA
    routing = route(
        drawing.catalogue,
        theme,
        location.district_code if location else None,
        location.neighbourhood_code if location else None,
        received_at=plan.created_at,
        text=text,
        request_type=kind,
    )
    return routing.responsible_group, routing.priority, routing.sla_due_at


def _first_request(drawing: _Drawing, plan: _Plan, context: _Context) -> Request:
    """The request as routed and before any of its history: what the intake stored."""
    rng = drawing.rng
    theme, person = plan.theme, plan.person
    citizen = context.citizens[person.index] if person else None
    language = person.language if person else _pick(rng, LANGUAGE_SHARES)
    location = _location(drawing, plan)
    place = "Barcelona"
    if location is not None and location.neighbourhood_code is not None:
        place = next(
            n.name
            for n in drawing.catalogue.neighbourhoods
            if n.code == location.neighbourhood_code
        )
    kind = rng.choice(theme.request_types) if theme else RequestType.ENQUIRY
    text = _description(rng, theme, kind, language, place)
    group, priority, due = _routing(drawing, plan, location, text, kind)
    routed_at = plan.created_at + timedelta(seconds=rng.uniform(3, 40))
    confidence = None
    if plan.channel in FREE_TEXT:
        confidence = round(rng.uniform(0.61, 0.98), 3) if theme else round(rng.uniform(0.1, 0.5), 3)
    return Request(
        reference=plan.reference,
        request_type=kind,
        theme_code=theme.code if theme else None,
        description=text,
        location=location,
        input_channel=plan.channel,
        response_channel=_response_channel(theme, plan.channel, person),
        language=language,
        state=plan.state,
        responsible_group=group or context.triage_group,
        priority=priority,
        sla_due_at=due,
        created_at=plan.created_at,
        updated_at=routed_at,
        citizen_id=citizen.id if citizen else None,
        applicant=_applicant(drawing, plan, citizen),
        origin=_origin(drawing, plan, citizen, text),
        tracking_token_hash=hash_token(plan.token),
        classification_confidence=confidence,
        backoffice=_backoffice(rng, theme, plan.created_at),
        routed_at=routed_at,
    )


def _seeded(drawing: _Drawing, plan: _Plan, context: _Context) -> SeededRequest:
    """A request with its whole history and the flags its history raised."""
    rng = drawing.rng
    request = _first_request(drawing, plan, context)
    history = _History(
        drawing, request, context.citizens.get(plan.person.index) if plan.person else None
    )
    ack_at = plan.created_at + timedelta(seconds=rng.uniform(45, 120))
    acknowledged = _acknowledge(history, ack_at, context.tracking_url)
    end = plan.created_at + plan.span
    steps = _steps(rng, plan, request.response_channel)
    _work(history, steps, ack_at + timedelta(minutes=2), end)
    flags = history.flags | _sla_flags(request, end)
    if plan.theme is None:
        flags.add(LOW_CONFIDENCE_FLAG)
    assert request.routed_at is not None
    # The acknowledgement is recorded without touching the request's time of change.
    changes = [entry.at for entry in history.entries if entry.actor != "system"]
    last = max([request.routed_at, *changes])
    entries = sorted(history.entries, key=lambda e: (e.at.isoformat(), e.id))
    final = request.model_copy(
        update={
            "flags": frozenset(flags),
            "acknowledged_at": acknowledged,
            "updated_at": last,
            "version": 2 + history.updates + len(flags - {CITIZEN_REPLIED}),
        }
    )
    return SeededRequest(final, tuple(entries), _geo_cell(plan.theme, request.location))


# The city.


def plan_city(
    catalogue: Catalogue,
    *,
    size: CitySize,
    now: datetime,
    city_code: str = "BCN",
    triage_group: str = "triage",
    tracking_url: str | None = None,
) -> DemoCity:
    """Draw the demo city: the same ``size`` (and seed) and ``now`` give the same city.

    Parameters
    ----------
    catalogue
        The city's themes, groups and territory.
    size
        How many citizens and requests, and the seed.
    now
        The moment every date is reckoned back from (timezone-aware).
    city_code
        The prefix of references (``BCN``).
    triage_group
        The group unclassified requests wait in.
    tracking_url
        The citizen tracking page the acknowledgements point to, if any.

    Returns
    -------
    DemoCity
        The citizens and requests as the domain's models, nothing written yet.

    Raises
    ------
    ValueError
        When ``now`` has no timezone.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now carries its timezone")
    rng = random.Random(size.seed)  # noqa: S311 - demo data, reproducible by design
    people = _people(rng, catalogue, size.citizens)
    themes = list(catalogue.themes)
    rng.shuffle(themes)
    drawing = _Drawing(rng, catalogue, now, people, themes, _theme_weights(rng, themes), staff=[])
    drawing.staff = [_uuid(rng) for _ in range(48)]
    drawing.entities = _entities(rng, people)
    plans = _coverage(drawing)
    plans += _demo_plans(drawing, len(plans))
    covered = len(plans)
    plans += [_ordinary(drawing, index, covered) for index in range(covered, size.requests)]
    last_numbers = _number(plans, city_code)
    plans.sort(key=lambda plan: plan.reference)
    for plan in plans:
        if plan.person is not None and plan.person.first_seen is None:
            plan.person.first_seen, plan.person.first_channel = plan.created_at, plan.channel
    citizens = {person.index: _citizen(rng, person, now) for person in people}
    context = _Context(citizens, triage_group, tracking_url)
    return DemoCity(
        citizens=tuple(citizens.values()),
        requests=tuple(_seeded(drawing, plan, context) for plan in plans),
        last_numbers=last_numbers,
        demo_requests=tuple(
            DemoRequest(citizens[p.person.index].id, p.reference, p.state, p.token)
            for p in plans
            if p.person is not None and p.person.demo is not None
        ),
        entities=len(drawing.entities),
        city_code=city_code,
    )


# Items and writing.


def interaction_item(reference: str, interaction: Interaction) -> Item:
    """The item of one entry of a request's history, as :class:`RequestStore` writes it."""
    return {
        **keys.interaction(reference, interaction.at.isoformat(), interaction.id),
        "type": "interaction",
        **interaction.model_dump(mode="json", exclude_none=True),
    }


def request_item(seeded: SeededRequest, store: RequestStore) -> Item:
    """A request's item as the intake, the workflow and the desk leave it.

    The intake's item, with what the later writes set as they set it: the routing's
    times, the acknowledgement's and the last change's, and the workflow's map cell.
    """
    request = seeded.request
    item = store.creation(request).item
    later = {
        "routed_at": request.routed_at,
        "sla_due_at": request.sla_due_at,
        "acknowledged_at": request.acknowledged_at,
        "updated_at": request.updated_at,
    }
    item.update({name: at.isoformat() for name, at in later.items() if at is not None})
    if seeded.geo_cell is not None and request.theme_code is not None:
        created = request.created_at.isoformat()
        item.update(keys.geo_index(request.theme_code, seeded.geo_cell, created, request.reference))
    return item


def counter_item(city_code: str, year: int, last_number: int) -> Item:
    """The reference counter of a year, as :class:`ReferenceAllocator` leaves it."""
    return {
        **keys.reference_counter(city_code, year),
        "type": "counter",
        "last_number": last_number,
    }


def city_items(city: DemoCity, *, citizens: CitizenStore, requests: RequestStore) -> list[Item]:
    """Every item of the demo city: profiles, contact points, requests, history, counters."""
    items = [put.item for citizen in city.citizens for put in citizens.creation(citizen)]
    for seeded in city.requests:
        reference = seeded.request.reference
        items.append(request_item(seeded, requests))
        items.extend(interaction_item(reference, entry) for entry in seeded.history)
    items.extend(
        counter_item(city.city_code, year, last) for year, last in sorted(city.last_numbers.items())
    )
    return items


def _write_batch(
    client: Any, table: str, batch: Sequence[Item], sleep: Callable[[float], None]
) -> None:
    pending: dict[str, Any] = {table: [{"PutRequest": {"Item": serialise(i)}} for i in batch]}
    for attempt in range(MAX_ATTEMPTS):
        pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
        if not pending:
            return
        sleep(min(0.05 * 2**attempt, 2.0))
    raise RuntimeError("the table kept refusing part of the demo city")


def write_items(
    client: Any,
    table: str,
    items: Sequence[Item],
    sleep: Callable[[float], None] = time.sleep,
    *,
    threads: int = 1,
) -> None:
    """Write ``items`` 25 at a time, retrying what the table leaves unprocessed.

    ``threads`` batches are in flight at once: with a server in another process, one
    is sent while another is prepared.

    Raises
    ------
    RuntimeError
        When some items are still unprocessed after :data:`MAX_ATTEMPTS` tries.
    """
    batches = [items[i : i + BATCH_SIZE] for i in range(0, len(items), BATCH_SIZE)]
    if threads <= 1:
        for batch in batches:
            _write_batch(client, table, batch, sleep)
        return
    with ThreadPoolExecutor(threads, thread_name_prefix="demo-city-writer") as pool:
        for future in [pool.submit(_write_batch, client, table, b, sleep) for b in batches]:
            future.result()


def _counted(values: Iterable[str], order: Sequence[str]) -> dict[str, int]:
    counts = Counter(values)
    return {name: counts[name] for name in order if counts[name]}


def report_of(city: DemoCity, catalogue: Catalogue, *, items: int, elapsed_s: float) -> CityReport:
    """Count what ``city`` holds, for the start-up banner."""
    requests = [seeded.request for seeded in city.requests]
    districts = [d.code for d in catalogue.districts]
    located = [r.location.district_code if r.location else None for r in requests]
    return CityReport(
        citizens=len(city.citizens),
        entities=city.entities,
        requests=len(requests),
        items=items,
        citizens_by_district=_counted((c.district_code or "" for c in city.citizens), districts),
        requests_by_district=_counted((code or "none" for code in located), [*districts, "none"]),
        requests_by_channel=_counted(
            (r.input_channel.value for r in requests), [c.value for c in InputChannel]
        ),
        requests_by_state=_counted(
            (r.state.value for r in requests), [s.value for s in RequestState]
        ),
        themes=len({r.theme_code for r in requests if r.theme_code}),
        last_references={
            year: f"{city.city_code}-{year}-{last:06d}"
            for year, last in sorted(city.last_numbers.items())
        },
        demo_requests=city.demo_requests,
        elapsed_s=elapsed_s,
    )


@dataclass(frozen=True)
class _WriterOrder:
    """What the writer process is handed on its standard input."""

    endpoint: str
    region: str
    table: str
    items: list[Item]


def _writer_endpoint(client: Any) -> str:
    """The loopback moto server the writer process reaches ``client``'s table on."""
    url = str(client.meta.endpoint_url)
    if urlsplit(url).hostname not in LOOPBACK:
        raise ValueError("the writer process writes to the local stack's moto server only")
    return url


class _Writer:
    """``python -m finestra_local.demo_city``: writes the items it is handed on stdin.

    The local stack's moto server runs in the stack's process, where every request it
    serves takes turns with the code that sends it; from another process, the sending
    runs on the other core.
    """

    def __init__(self) -> None:
        self._process = subprocess.Popen(  # noqa: S603 - this interpreter, this module
            [sys.executable, "-m", WRITER_MODULE],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def write(self, order: _WriterOrder) -> None:
        """Hand over the items and wait until every one is written.

        Raises
        ------
        RuntimeError
            When the writer process fails (its error output is not repeated: it may
            quote an item).
        """
        _, _ = self._process.communicate(pickle.dumps(order), timeout=WRITER_TIMEOUT_S)
        if self._process.returncode != 0:
            raise RuntimeError(f"the demo city's writer failed (exit {self._process.returncode})")

    def stop(self) -> None:
        """End the writer process if it is still running."""
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()


def _write_from_stdin() -> None:
    order: _WriterOrder = pickle.load(sys.stdin.buffer)  # noqa: S301 - from our own process
    client = boto3.session.Session().client(
        "dynamodb",
        endpoint_url=order.endpoint,
        region_name=order.region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - moto's fake credentials
        config=WRITER_CONFIG,
    )
    write_items(client, order.table, order.items, threads=WRITER_THREADS)


def seed_city(
    clients: Callable[..., Any],
    *,
    table: str,
    contact_key_secret: str,
    config_dir: Path,
    now: datetime,
    size: CitySize,
    city_code: str = "BCN",
    queue_shards: int = 4,
    triage_group: str = "triage",
    tracking_url: str | None = None,
    writer_process: bool = False,
    time_zone: str = "Europe/Madrid",
    sleep: Callable[[float], None] = time.sleep,
    timer: Callable[[], float] = time.perf_counter,
) -> CityReport:
    """Draw the demo city and write it into an empty table.

    Parameters
    ----------
    clients
        Builds a boto3 client for a service, with a botocore ``config`` when given one
        (``Stack.client``).
    table
        The one table's name; it must be empty, since the writes are unconditional.
    contact_key_secret
        The name or ARN of the secret that keys and seals contact points.
    config_dir
        The configuration folder (themes, groups, districts, neighbourhoods).
    now
        The moment every date is reckoned back from (timezone-aware).
    size
        How many citizens and requests, and the seed (:meth:`CitySize.from_env`).
    city_code, queue_shards, triage_group, tracking_url
        What the functions are configured with (``FINESTRA_CITY_CODE``,
        ``FINESTRA_QUEUE_SHARDS``, ``FINESTRA_TRIAGE_GROUP``, ``FINESTRA_TRACKING_URL``).
    writer_process
        Write from a process of its own (:class:`_Writer`), beside a moto server that
        runs in this process; the client's endpoint must then be on loopback.
    time_zone
        The city's time zone (``FINESTRA_CITY_TIME_ZONE``): the seeded citizens and
        requests are indexed for segments as the statistics function would index them.
    sleep, timer
        The wait between retries (in this process) and the clock the time is taken by.

    Returns
    -------
    CityReport
        What was written and how long it took.

    Raises
    ------
    ValueError
        When a writer process is asked for and the endpoint is not on loopback.
    RuntimeError
        When the table or the writer process does not take every item.

    Examples
    --------
    >>> report = seed_city(  # doctest: +SKIP
    ...     stack.client,
    ...     table=stack.environment["FINESTRA_TABLE"],
    ...     contact_key_secret=stack.environment["FINESTRA_CONTACT_KEY_SECRET"],
    ...     config_dir=stack.config_dir,
    ...     now=datetime.now(UTC),
    ...     size=CitySize.from_env(),
    ...     writer_process=True,
    ... )
    >>> print("\\n".join(report.lines()))  # doctest: +SKIP
    """
    started = timer()
    dynamodb = clients("dynamodb", config=WRITER_CONFIG)
    endpoint = _writer_endpoint(dynamodb) if writer_process else ""
    # The writer starts while the city is drawn.
    writer = _Writer() if writer_process else None
    try:
        secret = clients("secretsmanager").get_secret_value(SecretId=contact_key_secret)
        vault = ContactVault(str(secret["SecretString"]).encode())
        catalogue = Catalogue.load(config_dir)
        city = plan_city(
            catalogue,
            size=size,
            now=now,
            city_code=city_code,
            triage_group=triage_group,
            tracking_url=tracking_url,
        )
        stores = Table(dynamodb, table)
        items = city_items(
            city,
            citizens=CitizenStore(stores, vault),
            requests=RequestStore(stores, shards=queue_shards),
        )
        items.extend(segment_index_items(items, ZoneInfo(time_zone)))
        if writer is None:
            write_items(dynamodb, table, items, sleep)
        else:
            writer.write(_WriterOrder(endpoint, str(dynamodb.meta.region_name), table, items))
    finally:
        if writer is not None:
            writer.stop()
    return report_of(city, catalogue, items=len(items), elapsed_s=timer() - started)


if __name__ == "__main__":
    _write_from_stdin()
