"""The embedded AWS the handlers run against: moto with the template's tables."""

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from moto import mock_aws

from tests.conftest import (
    ATTACHMENTS_BUCKET,
    CITY_MAIL,
    CONTACT_SECRET,
    ENVIRONMENT,
    EVENT_BUS,
    INBOUND_BUCKET,
    REGION,
    SOCIAL_APP_SECRET,
    SOCIAL_SECRET,
    SOCIAL_VERIFY_TOKEN,
)
from tests.support.cfn import table_create_kwargs

TABLES = ("FinestraTable", "IdempotencyTable")
MAIN_TABLE, IDEMPOTENCY_TABLE = TABLES
BENCH_CONTACT_KEY = "benchmark-only-contact-point-key-" + "0123456789abcdef" * 2


@contextmanager
def settings_environment() -> Iterator[None]:
    """The functions' settings, as the tests set them, for the duration of the block."""
    saved = {name: os.environ.get(name) for name in ENVIRONMENT}
    os.environ.update(ENVIRONMENT)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def embedded_aws(template: dict[str, Any]) -> Iterator[None]:
    """Moto with what the tests' ``aws`` fixture builds: tables, secrets, bus, mail.

    The tables have no stream: moto keeps every stream record in the table, and copies
    the whole table for each transaction, so a stream would slow every later write of
    the run. Streams cost an intake nothing (DynamoDB does not charge their writes).
    """
    with settings_environment(), mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        for logical_id in TABLES:
            kwargs = table_create_kwargs(template, logical_id)
            kwargs.pop("StreamSpecification", None)
            dynamodb.create_table(**kwargs)
        secrets = boto3.client("secretsmanager", region_name=REGION)
        secrets.create_secret(Name=CONTACT_SECRET, SecretString=BENCH_CONTACT_KEY)
        secrets.create_secret(
            Name=SOCIAL_SECRET,
            SecretString=json.dumps(
                {"app_secret": SOCIAL_APP_SECRET, "verify_token": SOCIAL_VERIFY_TOKEN}
            ),
        )
        boto3.client("events", region_name=REGION).create_event_bus(Name=EVENT_BUS)
        boto3.client("sesv2", region_name=REGION).create_email_identity(
            EmailIdentity=CITY_MAIL.partition("@")[2]
        )
        s3 = boto3.client("s3", region_name=REGION)
        for bucket in (INBOUND_BUCKET, ATTACHMENTS_BUCKET):
            s3.create_bucket(
                Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
            )
        yield
