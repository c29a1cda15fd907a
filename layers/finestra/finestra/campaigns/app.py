"""The campaign functions' settings and application object: sender, ticker, delivery events.

The three functions share one set of parts, built on first use: the campaign store,
the planner (members from the segment index), the sender, the invitation sender, the
ticker and the delivery events.
"""

import time
from collections.abc import Callable, Iterator
from functools import cached_property
from typing import Final, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from finestra.adapters.email import SesEmailSender
from finestra.adapters.sms import EndUserMessagingSender, SnsSmsSender
from finestra.apps.base import App, Clock
from finestra.campaigns.delivery import DeliveryEvents
from finestra.campaigns.invitations import InvitationBook, InvitationSender
from finestra.campaigns.optout import OptOut, UnsubscribeTokens, unsubscribe_key
from finestra.campaigns.planner import Planner
from finestra.campaigns.queue import BatchMessage, CampaignQueue, PlanMessage, read_message
from finestra.campaigns.sender import (
    CampaignSender,
    QuietHours,
    SmsSender,
    SurveyTexts,
    Unsubscribe,
)
from finestra.campaigns.store import CampaignStore
from finestra.campaigns.ticker import CampaignTicker
from finestra.domain.campaign import Campaign
from finestra.domain.segment import Member
from finestra.runtime import Clients, utc_now
from finestra.segments import SegmentEvaluator, SegmentStore
from finestra.settings import FunctionSettings, TimeZoneName
from finestra.storage.citizens import CitizenStore
from finestra.storage.table import Table
from finestra.surveys.wiring import SurveyMessages, survey_links, survey_store

__all__ = ["CampaignApp", "CampaignSettings", "Work"]

PLAN_RESERVE_MS: Final = 20_000
"""The time a planning invocation keeps to queue the batches and hand over."""


class Work(BaseModel):
    """What one message of the campaign queue did; ids and counts only."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["plan", "batch", "invitation"]
    outcome: str
    campaign_id: str | None = None
    sent: int = 0
    failed: int = 0
    opted_out: int = 0
    waits: int = 0


class CampaignSettings(FunctionSettings):
    """The campaign sender, the campaign ticker and the delivery-events function."""

    campaign_queue_url: str | None = Field(
        default=None,
        min_length=8,
        description="the sender's SQS queue (not read by delivery events)",
    )
    mail_from: str = Field(min_length=3, description="the city's verified sender address")
    ses_configuration_set: str | None = None
    sms_backend: str = Field(pattern=r"^(end_user_messaging|sns)$")
    sms_origination: str = ""
    sms_configuration_set: str | None = Field(
        default=None, description="End User Messaging's configuration set, for delivery events"
    )
    city_time_zone: TimeZoneName = "Europe/Madrid"
    public_api_url: str = Field(
        default="https://finestra.example.org", description="answers one-click unsubscribes"
    )
    desktop_origin: str = Field(
        default="https://finestra.example.org", description="serves the citizen pages"
    )
    invitation_rate_per_second: int = Field(default=5, ge=1, le=100)


class CampaignApp(App):
    """The campaign parts, from one function's settings."""

    def __init__(
        self,
        settings: CampaignSettings,
        clients: Clients | None = None,
        clock: Clock = utc_now,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(settings, clients, clock)
        self.settings = settings
        self.clock = clock
        self.sleep = sleep

    @property
    def table(self) -> Table:
        """The one table."""
        return self.runtime.table

    @cached_property
    def store(self) -> CampaignStore:
        """Campaigns and recipients."""
        return CampaignStore(self.table)

    @cached_property
    def queue(self) -> CampaignQueue:
        """The sender's queue.

        Raises
        ------
        ValueError
            In a function whose settings name no queue.
        """
        url = self.settings.campaign_queue_url
        if not url:
            raise ValueError("this function's settings name no campaign queue")
        return CampaignQueue(self.runtime.clients.get("sqs"), url)

    @cached_property
    def quiet(self) -> QuietHours:
        """The quiet hours, in the city's zone."""
        return QuietHours(zone=ZoneInfo(self.settings.city_time_zone))

    @cached_property
    def planner(self) -> Planner:
        """Plans campaigns from the segment index."""
        segments = SegmentStore(self.table, self.clock)
        evaluator = SegmentEvaluator(self.table, self.runtime.catalogue)

        def members(campaign: Campaign, after: str | None) -> Iterator[Member]:
            definition = segments.get(campaign.segment_id).definition
            return evaluator.members(definition, after)

        return Planner(self.store, members, self.queue, self.clock)

    @cached_property
    def tokens(self) -> UnsubscribeTokens:
        """Signs and reads unsubscribe tokens."""
        return UnsubscribeTokens(unsubscribe_key(self.runtime.vault), self.clock)

    @cached_property
    def optout(self) -> OptOut:
        """Withdraws consents."""
        return OptOut(self.table, self.clock, self.sleep)

    @cached_property
    def surveys(self) -> SurveyTexts:
        """Links, prompts and pending answers of surveys."""
        links = survey_links(self.runtime, self.settings.desktop_origin)
        return SurveyMessages(survey_store(self.runtime), links)

    @cached_property
    def sms(self) -> SmsSender:
        """End User Messaging where AWS offers it, SNS elsewhere (and locally)."""
        settings, clients = self.settings, self.runtime.clients
        if settings.sms_backend == "end_user_messaging":
            return EndUserMessagingSender(
                clients.get("pinpoint-sms-voice-v2"),
                settings.sms_origination,
                settings.sms_configuration_set,
            )
        return SnsSmsSender(clients.get("sns"), settings.sms_origination)

    @cached_property
    def mail(self) -> SesEmailSender:
        """SES, through the configuration set that publishes delivery events."""
        settings = self.settings
        return SesEmailSender(
            self.runtime.clients.get("sesv2"), settings.mail_from, settings.ses_configuration_set
        )

    @cached_property
    def sender(self) -> CampaignSender:
        """Sends campaign batches."""
        page = f"{self.settings.desktop_origin.rstrip('/')}/unsubscribe.html"
        return CampaignSender(
            self.store,
            CitizenStore(self.table, self.runtime.vault),
            sms=self.sms,
            mail=self.mail,
            unsubscribe=Unsubscribe(self.tokens, self.settings.public_api_url, page),
            surveys=self.surveys,
            clock=self.clock,
            sleep=self.sleep,
            quiet=self.quiet,
        )

    @cached_property
    def invitations(self) -> InvitationSender:
        """Sends satisfaction invitations."""
        return InvitationSender(
            InvitationBook(self.table),
            CitizenStore(self.table, self.runtime.vault),
            sms=self.sms,
            mail=self.mail,
            surveys=self.surveys,
            take_token=self.store.take_token,
            rate_per_second=self.settings.invitation_rate_per_second,
            clock=self.clock,
            sleep=self.sleep,
            quiet=self.quiet,
        )

    @cached_property
    def ticker(self) -> CampaignTicker:
        """Starts, resumes and completes campaigns."""
        return CampaignTicker(self.store, self.queue, InvitationBook(self.table), self.clock)

    def receive(self, body: str, remaining_ms: Callable[[], int]) -> Work:
        """Do what one message of the campaign queue asks.

        Raises
        ------
        MalformedInput
            When the body is no campaign queue message.
        RateLimited
            When the rate cap leaves no send in the time left (SQS tries again).
        """
        message = read_message(body)
        if isinstance(message, PlanMessage):
            planned = self.planner.plan(message.plan, lambda: remaining_ms() < PLAN_RESERVE_MS)
            if planned.outcome == "more":
                self.queue.send([message])
            return Work(kind="plan", outcome=planned.outcome, campaign_id=message.plan)
        if isinstance(message, BatchMessage):
            sent = self.sender.send_batch(message, remaining_ms)
            return Work(
                kind="batch",
                outcome=sent.outcome,
                campaign_id=sent.campaign_id,
                sent=sent.sent,
                failed=sent.failed,
                opted_out=sent.opted_out,
                waits=sent.waits,
            )
        invited = self.invitations.send(message, remaining_ms)
        return Work(
            kind="invitation",
            outcome=invited.outcome,
            sent=int(invited.outcome == "sent"),
            failed=int(invited.outcome == "failed"),
            opted_out=int(invited.outcome == "opted_out"),
        )

    @cached_property
    def delivery(self) -> DeliveryEvents:
        """Moves recipients on the providers' events."""
        return DeliveryEvents(self.store, self.optout, self.clock)
