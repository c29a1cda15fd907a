"""Settings read from the environment once, validated, and passed down from there."""

from pathlib import Path
from typing import Annotated, Final, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

SLA_NEAR_FRACTION: Final = 0.9
"""The share of its SLA a request has spent when it is about to breach (desk and watch)."""


def _known_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError("is not a time zone this runtime knows") from exc
    return value


TimeZoneName = Annotated[str, AfterValidator(_known_zone)]
"""The name of a time zone the runtime knows, such as ``Europe/Madrid``."""


class FunctionSettings(BaseSettings):
    """What every Finestra function needs; a missing or empty value stops it at start."""

    model_config = SettingsConfigDict(env_prefix="FINESTRA_", frozen=True, extra="ignore")

    table: str = Field(min_length=3, description="the one table")
    idempotency_table: str = Field(min_length=3)
    config_dir: Path = Field(description="folder with themes.json, groups.json and the CSVs")
    contact_key_secret: str = Field(min_length=1, description="secret holding the HMAC key")
    city_code: str = Field(pattern=r"^[A-Z]{2,5}$")
    reference_block: int = Field(default=20, ge=1, le=1000)
    queue_shards: int = Field(default=4, ge=1, le=64)
    triage_group: str = "triage"
    idempotency_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=60)
    sentiment_scorer: Literal["comprehend", "lexicon"] = Field(
        default="lexicon", description="Amazon Comprehend in AWS, the city's word lists locally"
    )


class WebSettings(FunctionSettings):
    """The citizen API."""

    city_time_zone: TimeZoneName = Field(
        default="Europe/Madrid", description="the city days Open311 date lists are read by"
    )
    open311_per_minute: int = Field(
        default=30, ge=1, le=1000, description="requests one Open311 client app may file a minute"
    )


class SmsSettings(FunctionSettings):
    """The SMS intake, which also answers HELP."""

    sms_backend: Literal["end_user_messaging", "sns"]
    sms_origination: str = Field(default="", description="origination identity for replies")


class EmailSettings(FunctionSettings):
    """The email intake."""

    inbound_mail_bucket: str = Field(min_length=3)
    attachments_bucket: str = Field(min_length=3)
    max_mail_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    max_attachments: int = Field(default=10, ge=0)


class VoiceSettings(FunctionSettings):
    """The Amazon Connect contact-flow function."""


class SocialSettings(FunctionSettings):
    """The social-media webhook."""

    social_secret: str = Field(min_length=1, description="secret with app_secret, verify_token")


class WorkflowSettings(FunctionSettings):
    """The request workflow's tasks."""

    event_bus: str = Field(min_length=1)
    mail_from: str = Field(min_length=3, description="the city's verified sender address")
    ses_configuration_set: str | None = None
    sms_backend: Literal["end_user_messaging", "sns"]
    sms_origination: str = ""
    backoffice_base_url: str | None = Field(
        default=None, description="replaces every back-office host (the local stack only)"
    )
    tracking_url: str | None = Field(default=None, description="the citizen tracking page")


class StarterSettings(FunctionSettings):
    """Starts one workflow execution per new request."""

    state_machine_arn: str = Field(min_length=20)


class DeskSettings(FunctionSettings):
    """The staff desk API: worklists, case work, citizen views and data-protection duties."""

    attachments_bucket: str = Field(min_length=3)
    exports_bucket: str | None = Field(default=None, description="where large exports go")
    campaign_queue_url: str | None = Field(default=None, description="where launches go")
    sms_segment_price_eur: float = Field(default=0.07, ge=0, description="one SMS segment, Spain")
    email_price_usd_per_thousand: float = Field(default=0.10, ge=0, description="SES")
    eur_per_usd: float = Field(default=0.92, gt=0)
    mail_from: str = Field(min_length=3, description="the city's verified sender address")
    ses_configuration_set: str | None = None
    sms_backend: Literal["end_user_messaging", "sns"]
    sms_origination: str = ""
    event_bus: str | None = None
    near_fraction: float = Field(
        default=SLA_NEAR_FRACTION, gt=0, lt=1, description="share of the SLA spent"
    )
    page_size: int = Field(default=50, ge=1, le=200)
    upload_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    upload_expiry_seconds: int = Field(default=600, ge=60, le=3600)
    download_expiry_seconds: int = Field(
        default=300, ge=30, le=3600, description="how long a file's download link works"
    )
    lock_seconds: int = Field(
        default=600, ge=60, le=3600, description="how long a request stays locked unrenewed"
    )
    external_bodies_secret: str | None = Field(
        default=None, description="secret with the reply-link key and the bodies' key digests"
    )
    public_api_url: str | None = Field(
        default=None, description="the public API's base address, for external reply links"
    )


class SlaWatchSettings(FunctionSettings):
    """The scheduled SLA watch."""

    near_fraction: float = Field(
        default=SLA_NEAR_FRACTION, gt=0, lt=1, description="share of the SLA spent"
    )


class ExternalApiSettings(FunctionSettings):
    """The external bodies' callback API and reply pages."""

    external_bodies_secret: str = Field(
        min_length=1, description="secret with the reply-link key and the bodies' key digests"
    )
