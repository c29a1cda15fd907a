"""Sending one batch of a campaign: consent, quiet hours, the rate cap, at most once.

For each recipient of the batch still ``planned``, in order:

1. the campaign's state is read again every few recipients: a paused campaign's batch
   is left for the ticker to queue once it resumes, a cancelled one's is left alone;
2. an SMS inside the city's quiet hours (21:00 to 09:00, Europe/Madrid) waits, unless
   the campaign overrides them: the batch is held until they end, emails still go;
3. a send token of the campaign's current second is taken (``ADD`` under the cap);
   with none left the sender waits for the next second, and hands the message back to
   SQS when the invocation's time runs short;
4. the citizen's profile is read consistently; a consent withdrawn since planning
   makes the recipient ``opted_out``;
5. the recipient is claimed ``planned`` → ``sending`` on the profile's version, taking
   the citizen's send lock (see :mod:`finestra.campaigns.optout`);
6. the message is sent, and the recipient marked ``sent`` with the provider's id and
   its ``MESSAGE#`` index item.

A recipient found in ``sending`` was claimed by a sender that stopped before recording
what happened; it is marked ``failed`` (reason ``interrupted``) and never sent again,
since the message may have gone. So a replayed SQS message sends nobody twice.
"""

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as clock_time
from typing import Final, Literal, Protocol
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from finestra.campaigns.optout import UnsubscribeTokens
from finestra.campaigns.queue import BatchMessage
from finestra.campaigns.store import CampaignStore
from finestra.domain.campaign import Campaign, CampaignState, Recipient, RecipientState, sms_body
from finestra.domain.citizen import Citizen
from finestra.domain.errors import Conflict, FinestraError
from finestra.domain.vocabulary import ContactKind, Language
from finestra.storage import keys
from finestra.storage.citizens import CitizenStore

__all__ = [
    "CITY_QUIET",
    "CampaignSender",
    "CitizenBusy",
    "MailSender",
    "QuietHours",
    "RateLimited",
    "SendOutcome",
    "SmsSender",
    "SurveyTexts",
    "Unsubscribe",
    "profile_citizen",
]

CITY_ZONE: Final = ZoneInfo("Europe/Madrid")
STATE_EVERY: Final = 20
"""How many recipients the sender sends between two reads of the campaign's state."""
RESERVE_MS: Final = 5_000
"""The time an invocation keeps for itself: below it, a rate-limited message goes back."""
CLAIM_ATTEMPTS: Final = 8
CLAIM_WAIT: Final = 0.2
ANSWER_DAYS: Final = 7

_UNSUBSCRIBE_LINE: Final = {
    Language.CA: "Per no rebre més missatges com aquest: {link}",
    Language.ES: "Para no recibir más mensajes como este: {link}",
    Language.EN: "To receive no more messages like this one: {link}",
}
_SURVEY_LINE: Final = {
    Language.CA: "Responeu l'enquesta: {link}",
    Language.ES: "Responda la encuesta: {link}",
    Language.EN: "Answer the survey: {link}",
}


class SmsSender(Protocol):
    """The SMS adapter (End User Messaging or SNS)."""

    def send(self, *, to: str, text: str, reply_to: str | None) -> str:
        """Send, and answer the provider's message id."""
        ...


class MailSender(Protocol):
    """The SES adapter."""

    def send(
        self, *, to: str, subject: str, text: str, headers: Mapping[str, str] | None = None
    ) -> str:
        """Send, and answer the provider's message id."""
        ...


class SurveyTexts(Protocol):
    """What a message with a survey needs of the surveys (links, SMS prompts, waits)."""

    def link(
        self,
        survey_id: str,
        citizen_id: str,
        campaign_id: str | None,
        reference: str | None,
        language: Language,
        *,
        batch: int | None = None,
    ) -> str:
        """A one-use link to answer the survey, naming the recipient's batch."""
        ...

    def prompt(self, survey_id: str, language: Language) -> str:
        """How to answer the survey by SMS reply."""
        ...

    def await_answer(
        self,
        citizen_id: str,
        survey_id: str,
        campaign_id: str | None,
        reference: str | None,
        expires_at: datetime,
        *,
        batch: int | None = None,
    ) -> None:
        """Note that the citizen's next SMS may answer the survey, naming the batch."""
        ...


class RateLimited(FinestraError):
    """The rate cap left no send for the time this invocation has; SQS tries again."""

    code = "rate_limited"


class CitizenBusy(Conflict):
    """Another message to the citizen kept its send lock; SQS tries again."""

    code = "citizen_busy"


@dataclass(frozen=True)
class QuietHours:
    """The hours no SMS goes out, in the city's time."""

    start: clock_time = clock_time(21, 0)
    end: clock_time = clock_time(9, 0)
    zone: ZoneInfo = CITY_ZONE

    def holds(self, at: datetime) -> bool:
        """Whether ``at`` falls inside the quiet hours."""
        local = at.astimezone(self.zone).time()
        return local >= self.start or local < self.end

    def ends(self, at: datetime) -> datetime:
        """When the quiet hours that hold at ``at`` end (``at`` itself outside them)."""
        if not self.holds(at):
            return at
        local = at.astimezone(self.zone)
        day = local.date() if local.time() < self.end else local.date() + timedelta(days=1)
        return datetime.combine(day, self.end, tzinfo=self.zone)


@dataclass(frozen=True)
class Unsubscribe:
    """Where an email's unsubscribe link and one-click header point."""

    tokens: UnsubscribeTokens
    api_url: str
    """The citizen API's base address, which answers the one-click ``POST``."""
    page_url: str
    """The citizen page that asks to confirm (``…/unsubscribe.html``)."""

    def headers(self, token: str) -> dict[str, str]:
        """The RFC 8058 one-click headers."""
        target = f"{self.api_url.rstrip('/')}/api/citizen/v1/unsubscribe?t={token}"
        return {
            "List-Unsubscribe": f"<{target}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }

    def page(self, token: str) -> str:
        """The link in the email's text."""
        return f"{self.page_url}#t={token}"


CITY_QUIET: Final = QuietHours()


class SendOutcome(BaseModel):
    """What one batch's message did; counts only."""

    model_config = ConfigDict(frozen=True)

    campaign_id: str
    batch: int
    outcome: Literal["done", "held", "paused", "cancelled", "not_running"]
    sent: int = 0
    failed: int = 0
    opted_out: int = 0
    held: int = 0
    waits: int = Field(default=0, description="times the rate cap made the sender wait")


Step = Literal["sent", "failed", "opted_out", "held", "skipped"]


def profile_citizen(citizens: CitizenStore, citizen_id: str) -> Citizen | None:
    """The citizen ``citizen_id`` stands for now, read consistently; ``None`` if erased."""
    item = citizens.surviving(citizen_id)
    if item is None or item.get("erased_at"):
        return None
    fields = {k: v for k, v in item.items() if k in Citizen.model_fields}
    citizen = Citizen.model_validate({**fields, "contact_points": []})
    citizen.contact_points = citizens.unsealed(item)
    return citizen


class CampaignSender:
    """Sends campaign batches through the SMS and email adapters.

    Parameters
    ----------
    store, citizens
        The campaign and citizen stores.
    sms, mail
        The adapters.
    unsubscribe
        Builds each email's unsubscribe link and headers.
    surveys
        Links and prompts of surveys; ``None`` where surveys are not wired.
    clock, sleep
        The time, and how to wait for the next second of the rate cap.
    quiet
        The quiet hours.
    """

    def __init__(
        self,
        store: CampaignStore,
        citizens: CitizenStore,
        *,
        sms: SmsSender,
        mail: MailSender,
        unsubscribe: Unsubscribe,
        surveys: SurveyTexts | None,
        clock: Callable[[], datetime],
        sleep: Callable[[float], None] = time.sleep,
        quiet: QuietHours = CITY_QUIET,
    ) -> None:
        self._store = store
        self._citizens = citizens
        self._sms = sms
        self._mail = mail
        self._unsubscribe = unsubscribe
        self._surveys = surveys
        self._clock = clock
        self._sleep = sleep
        self._quiet = quiet

    @property
    def quiet(self) -> QuietHours:
        """The quiet hours the sender keeps."""
        return self._quiet

    def send_batch(
        self, message: BatchMessage, remaining_ms: Callable[[], int] = lambda: 60_000
    ) -> SendOutcome:
        """Send what is left of one batch.

        Raises
        ------
        RateLimited
            When the rate cap leaves no send in the time the invocation has.
        CitizenBusy
            When a citizen's send lock stayed taken through every attempt.
        """
        cid, batch = message.campaign_id, message.batch
        campaign = self._store.get(cid, consistent=True)
        tally: dict[str, int] = {"sent": 0, "failed": 0, "opted_out": 0, "held": 0, "waits": 0}
        for i, recipient in enumerate(self._store.recipients(cid, batch)):
            if i % STATE_EVERY == 0:
                if i:
                    campaign = self._store.get(cid, consistent=True)
                stopped = self._stopped(campaign, batch, tally)
                if stopped is not None:
                    return stopped
            step = self._deliver(campaign, recipient, remaining_ms, tally)
            if step != "skipped":
                tally[step] += 1
        if tally["held"]:
            self._store.hold_batch(cid, batch, "quiet_hours", self._quiet.ends(self._clock()))
            return SendOutcome(campaign_id=cid, batch=batch, outcome="held", **tally)
        if self._store.finish_batch(cid, batch, self._clock()):
            self._store.complete_if_done(cid, self._clock())
        return SendOutcome(campaign_id=cid, batch=batch, outcome="done", **tally)

    def _stopped(self, campaign: Campaign, batch: int, tally: dict[str, int]) -> SendOutcome | None:
        # A batch is queued only once the whole plan is written, a moment before the
        # campaign is marked running: a batch that arrives in between is sent.
        if campaign.state in {CampaignState.RUNNING, CampaignState.PLANNING}:
            return None
        if campaign.state is CampaignState.PAUSED:
            self._store.hold_batch(campaign.id, batch, "paused", self._clock())
            return SendOutcome(campaign_id=campaign.id, batch=batch, outcome="paused", **tally)
        outcome: Literal["cancelled", "not_running"] = (
            "cancelled" if campaign.state is CampaignState.CANCELLED else "not_running"
        )
        return SendOutcome(campaign_id=campaign.id, batch=batch, outcome=outcome, **tally)

    def _deliver(
        self,
        campaign: Campaign,
        recipient: Recipient,
        remaining_ms: Callable[[], int],
        tally: dict[str, int],
    ) -> Step:
        if recipient.state is RecipientState.SENDING:
            return self._interrupted(recipient)
        if recipient.state is not RecipientState.PLANNED or recipient.channel is None:
            return "skipped"
        if (
            recipient.channel == "sms"
            and not campaign.quiet_hours_override
            and self._quiet.holds(self._clock())
        ):
            return "held"
        tally["waits"] += self._take_token(campaign, remaining_ms)
        for _ in range(CLAIM_ATTEMPTS):
            citizen = profile_citizen(self._citizens, recipient.citizen_id)
            refused = self._refused(campaign, recipient, citizen)
            if refused is not None:
                return refused
            assert citizen is not None
            try:
                self._store.claim(
                    recipient,
                    citizen.version,
                    self._clock(),
                    keys.citizen(citizen.id),
                    holder=citizen.id,
                )
            except Conflict:
                now = self._store.recipient(
                    recipient.campaign_id, recipient.batch, recipient.citizen_id
                )
                if now is None or now.state is not RecipientState.PLANNED:
                    return "skipped"
                self._sleep(CLAIM_WAIT)
                continue
            return self._send(campaign, recipient, citizen)
        raise CitizenBusy("another message to the citizen is being sent")

    def _refused(
        self, campaign: Campaign, recipient: Recipient, citizen: Citizen | None
    ) -> Step | None:
        at = self._clock()
        channel = recipient.channel
        assert channel is not None
        if citizen is None:
            self._store.mark(
                recipient, {RecipientState.PLANNED}, RecipientState.FAILED, at, "no_citizen"
            )
            return "failed"
        if not citizen.consents_to(channel, campaign.purpose):
            self._store.mark(
                recipient, {RecipientState.PLANNED}, RecipientState.OPTED_OUT, at, "withdrawn"
            )
            return "opted_out"
        if citizen.contact(_KIND[channel]) is None:
            self._store.mark(
                recipient, {RecipientState.PLANNED}, RecipientState.FAILED, at, "no_contact"
            )
            return "failed"
        return None

    def _send(self, campaign: Campaign, recipient: Recipient, citizen: Citizen) -> Step:
        sending = recipient.model_copy(update={"state": RecipientState.SENDING})
        try:
            if recipient.channel == "sms":
                message_id = self._send_sms(campaign, recipient, citizen)
            else:
                message_id = self._send_email(campaign, recipient, citizen)
        except Exception:
            self._store.mark(
                sending,
                {RecipientState.SENDING},
                RecipientState.FAILED,
                self._clock(),
                "provider_error",
                counted_from=RecipientState.PLANNED,
            )
            self._store.release(recipient, citizen.id)
            raise
        self._store.mark_sent(sending, message_id, self._clock())
        self._store.release(recipient, citizen.id)
        return "sent"

    def _send_sms(self, campaign: Campaign, recipient: Recipient, citizen: Citizen) -> str:
        point = citizen.contact(ContactKind.PHONE)
        assert point is not None
        language = recipient.language
        prompt = None
        if campaign.survey_id and self._surveys is not None:
            prompt = self._surveys.prompt(campaign.survey_id, language)
        text = sms_body(campaign.message(language), language, prompt)
        message_id = self._sms.send(to=point.value, text=text, reply_to=None)
        if campaign.survey_id and self._surveys is not None:
            self._surveys.await_answer(
                citizen.id,
                campaign.survey_id,
                campaign.id,
                None,
                self._clock() + timedelta(days=ANSWER_DAYS),
                batch=recipient.batch,
            )
        return message_id

    def _send_email(self, campaign: Campaign, recipient: Recipient, citizen: Citizen) -> str:
        point = citizen.contact(ContactKind.EMAIL)
        assert point is not None
        language = recipient.language
        token = self._unsubscribe.tokens.issue(
            citizen.id, "email", [campaign.purpose], campaign_id=campaign.id, batch=recipient.batch
        )
        lines = [campaign.message(language)]
        if campaign.survey_id and self._surveys is not None:
            link = self._surveys.link(
                campaign.survey_id, citizen.id, campaign.id, None, language, batch=recipient.batch
            )
            lines.append(_SURVEY_LINE[language].format(link=link))
        lines.append(_UNSUBSCRIBE_LINE[language].format(link=self._unsubscribe.page(token)))
        return self._mail.send(
            to=point.value,
            subject=campaign.subject_in(language),
            text="\n\n".join(lines) + "\n",
            headers=self._unsubscribe.headers(token),
        )

    def _interrupted(self, recipient: Recipient) -> Step:
        moved = self._store.mark(
            recipient,
            {RecipientState.SENDING},
            RecipientState.FAILED,
            self._clock(),
            "interrupted",
            counted_from=RecipientState.PLANNED,
        )
        return "failed" if moved else "skipped"

    def _take_token(self, campaign: Campaign, remaining_ms: Callable[[], int]) -> int:
        waits = 0
        while True:
            now = self._clock()
            second = int(now.timestamp())
            if self._store.take_token(campaign.id, second, campaign.rate_per_second):
                return waits
            if remaining_ms() < RESERVE_MS:
                raise RateLimited("the campaign's rate cap leaves no send before the time runs out")
            waits += 1
            self._sleep(max(0.0, second + 1 - now.timestamp()))


_KIND: Final = {"sms": ContactKind.PHONE, "email": ContactKind.EMAIL}
