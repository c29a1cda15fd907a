"""Wiring: the clients, stores and services a function needs, built once per process.

Handlers call :func:`intake_runtime` on their first invocation; nothing here runs at
import time, so a cold start pays only for what the function uses.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, Generic, TypeVar

import boto3
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyValidationError
from aws_lambda_powertools.utilities.idempotency.serialization.pydantic import (
    PydanticSerializer,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.config import Config
from pydantic import BaseModel

from finestra.credentials import secret_bytes
from finestra.domain.catalogue import Catalogue
from finestra.domain.errors import Conflict
from finestra.domain.identity import ContactVault
from finestra.intake.claims import ClaimKeywords
from finestra.intake.service import IntakeService
from finestra.sentiment import Scorer, scorer_for
from finestra.settings import FunctionSettings
from finestra.storage.citizens import CitizenStore
from finestra.storage.requests import ReferenceAllocator, RequestStore
from finestra.storage.table import CapacityMeter, Table

M = TypeVar("M", bound=BaseModel)
R = TypeVar("R", bound=BaseModel)

_BOTO_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=5
)
_SERVICE_CONFIG = {"s3": _BOTO_CONFIG.merge(Config(signature_version="s3v4"))}
"""S3 signs with SigV4, so the presigned links it hands out work in every region."""


def utc_now() -> datetime:
    """The current time, in UTC."""
    return datetime.now(UTC)


@dataclass
class Clients:
    """AWS clients, each built on first use and shared by the process."""

    session: boto3.session.Session = field(default_factory=boto3.session.Session)
    _built: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, service: str) -> Any:
        """The client for ``service``."""
        with self._lock:
            if service not in self._built:
                config = _SERVICE_CONFIG.get(service, _BOTO_CONFIG)
                self._built[service] = self.session.client(service, config=config)  # type: ignore[call-overload]
            return self._built[service]


@dataclass
class IntakeRuntime:
    """Everything an intake function uses, from its settings."""

    settings: FunctionSettings
    clients: Clients = field(default_factory=Clients)
    clock: Callable[[], datetime] = utc_now
    meter: CapacityMeter = field(default_factory=CapacityMeter)
    _configs: list[IdempotencyConfig] = field(default_factory=list)

    @cached_property
    def catalogue(self) -> Catalogue:
        """The theme catalogue and territory of the configuration folder."""
        return Catalogue.load(self.settings.config_dir)

    @cached_property
    def table(self) -> Table:
        """The one table."""
        return Table(self.clients.get("dynamodb"), self.settings.table, self.meter)

    @cached_property
    def vault(self) -> ContactVault:
        """Hashes and seals contact points with the city's secret."""
        return ContactVault(secret_bytes(self.settings.contact_key_secret))

    @cached_property
    def intake(self) -> IntakeService:
        """The intake service."""
        table = self.table
        return IntakeService(
            table=table,
            citizens=CitizenStore(table, self.vault),
            requests=RequestStore(table, shards=self.settings.queue_shards),
            references=ReferenceAllocator(
                table,
                self.settings.city_code,
                block=self.settings.reference_block,
                clock=self.clock,
            ),
            catalogue=self.catalogue,
            triage_group=self.settings.triage_group,
            clock=self.clock,
            claim_keywords=ClaimKeywords.load(self.settings.config_dir),
            scorer=self.scorer,
        )

    @cached_property
    def scorer(self) -> Scorer:
        """Judges the tone of opinions and free-text answers, as the settings say."""
        if self.settings.sentiment_scorer == "comprehend":
            return scorer_for("comprehend", self.clients.get("comprehend"))
        return scorer_for("lexicon")

    def idempotent(
        self, function: Callable[[M], R], result: type[R], *, key: str, payload: str
    ) -> Callable[[M], R]:
        """``function`` made idempotent on its message: a replay returns the first result.

        ``key`` is a JMESPath into the message naming the provider's own message id;
        ``payload`` names what must be the same when the id repeats.
        """
        config = IdempotencyConfig(
            event_key_jmespath=key,
            payload_validation_jmespath=payload,
            raise_on_no_idempotency_key=True,
            expires_after_seconds=self.settings.idempotency_ttl_seconds,
            hash_function="sha256",
        )
        self._configs.append(config)
        persistence = DynamoDBPersistenceLayer(
            table_name=self.settings.idempotency_table,
            boto3_client=self.clients.get("dynamodb"),
        )

        @idempotent_function(  # type: ignore[untyped-decorator]
            data_keyword_argument="message",
            persistence_store=persistence,
            config=config,
            output_serializer=PydanticSerializer(result),
            key_prefix=function.__qualname__,
        )
        def once(*, message: M) -> R:
            return function(message)

        def call(message: M) -> R:
            try:
                return once(message=message)  # type: ignore[no-any-return]
            except IdempotencyValidationError as exc:
                raise Conflict(
                    "was already received with other content", field="provider_message_id"
                ) from exc

        return call

    def bind(self, context: LambdaContext | Any) -> None:
        """Let idempotency know how long the current invocation may still run."""
        if context is not None:
            for config in self._configs:
                config.register_lambda_context(context)


T = TypeVar("T")


class Lazy(Generic[T]):
    """A value built on first use and kept for the life of the process."""

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._value: T | None = None
        self._lock = threading.Lock()

    def get(self) -> T:
        """The value, built now if this is the first call."""
        with self._lock:
            if self._value is None:
                self._value = self._build()
            return self._value

    def reset(self) -> None:
        """Forget the value, so the next call builds it again from fresh settings."""
        with self._lock:
            self._value = None
