"""Satisfaction invitations: a survey to the applicant of each request that closes.

The statistics function's stream runs :class:`SatisfactionTrigger`: a request entering
``closed`` whose theme (or area) has a rule in ``satisfaction.json`` gets one
invitation, written first as ``INVITE#<reference>`` / ``INVITE`` on
``attribute_not_exists`` (so a record seen twice, or a request closed, reopened and
closed again, invites once), together with its place in the due list ``INVITES`` /
``<due time>#<reference>``. The ticker queues the due ones; the sender sends each on
the first of the rule's channels the applicant has a contact point and a surveys
consent on, keeping the quiet hours for SMS and the invitations' own rate cap.

An invitation moves ``waiting`` → ``queued`` → ``sending`` → ``sent`` (or
``opted_out``, ``failed``); a queued one found in ``sending`` was interrupted and is not
sent again.
"""

import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict

from finestra.campaigns.queue import Invitation, InvitationMessage
from finestra.campaigns.sender import (
    CITY_QUIET,
    RESERVE_MS,
    MailSender,
    QuietHours,
    RateLimited,
    SmsSender,
    SurveyTexts,
    profile_citizen,
)
from finestra.domain.campaign import sms_body
from finestra.domain.catalogue import Catalogue
from finestra.domain.citizen import Citizen
from finestra.domain.errors import Conflict
from finestra.domain.vocabulary import ConsentPurpose, ContactKind, Language
from finestra.runtime import IntakeRuntime
from finestra.stats.stream import StreamOutcome
from finestra.storage import keys
from finestra.storage.citizens import CitizenStore
from finestra.storage.table import Check, Delete, Item, Put, Table, TransactionConflict, Update
from finestra.surveys.config import SatisfactionConfig

__all__ = [
    "InvitationBook",
    "InvitationOutcome",
    "InvitationSender",
    "SatisfactionTrigger",
    "invite_key",
    "satisfaction_trigger",
]

DUE: Final = "INVITES"
RATE_KEY: Final = "invitations"
ANSWER_DAYS: Final = 7
_CHANGES: Final = frozenset({"INSERT", "MODIFY"})
_TEXT: Final = {
    Language.CA: "La vostra sol·licitud {reference} s'ha tancat. Ens dieu com ho hem fet?",
    Language.ES: "Su solicitud {reference} se ha cerrado. ¿Nos dice cómo lo hemos hecho?",
    Language.EN: "Your request {reference} is closed. Would you tell us how we did?",
}
_SUBJECT: Final = {
    Language.CA: "[{reference}] Com ho hem fet?",
    Language.ES: "[{reference}] ¿Cómo lo hemos hecho?",
    Language.EN: "[{reference}] How did we do?",
}


def invite_key(reference: str) -> dict[str, str]:
    """Key of a request's invitation."""
    return {"PK": f"INVITE#{reference}", "SK": "INVITE"}


def _image(record: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    return (record.get("dynamodb") or {}).get(name) or {}


def _text(image: Mapping[str, Any], attribute: str) -> str | None:
    value = (image.get(attribute) or {}).get("S")
    return str(value) if value is not None else None


class InvitationBook:
    """The invitation items and the due list."""

    def __init__(self, table: Table) -> None:
        self._table = table

    def open(self, invitation: Invitation, channels: tuple[str, ...], due: datetime) -> bool:
        """Write a new invitation and its due entry; ``False`` if the request had one."""
        due_sk = f"{due.isoformat()}#{invitation.reference}"
        item = {
            **invite_key(invitation.reference),
            "type": "invitation",
            **invitation.model_dump(),
            "channels": list(channels),
            "state": "waiting",
            "due_at": due.isoformat(),
        }
        try:
            self._table.transact(
                [
                    Put(item=item),
                    Put(
                        item={
                            "PK": DUE,
                            "SK": due_sk,
                            "type": "invitation_due",
                            **invitation.model_dump(),
                        }
                    ),
                ]
            )
        except TransactionConflict:
            return False
        return True

    def due(self, now: datetime) -> list[InvitationMessage]:
        """Take the invitations due by ``now`` off the due list, to be queued."""
        items, _ = self._table.query(
            "PK = :pk AND SK <= :now", {":pk": DUE, ":now": f"{now.isoformat()}#~"}, limit=500
        )
        taken = []
        for item in items:
            moved = self._move(item["reference"], "waiting", "queued")
            self._table.delete(Delete(key={"PK": DUE, "SK": str(item["SK"])}))
            if moved:
                taken.append(
                    InvitationMessage(
                        invitation=Invitation(
                            survey_id=item["survey_id"],
                            citizen_id=item["citizen_id"],
                            reference=item["reference"],
                        )
                    )
                )
        return taken

    def postpone(self, invitation: Invitation, until: datetime) -> None:
        """Put a queued invitation back on the due list, for ``until``."""
        if self._move(invitation.reference, "queued", "waiting"):
            entry = {
                "PK": DUE,
                "SK": f"{until.isoformat()}#{invitation.reference}",
                "type": "invitation_due",
                **invitation.model_dump(),
            }
            try:
                self._table.put(Put(item=entry))
            except Conflict:
                return

    def get(self, reference: str) -> Item | None:
        """A request's invitation, read consistently."""
        return self._table.get(invite_key(reference), consistent=True)

    def claim(self, reference: str, citizen_key: dict[str, str], version: int) -> bool:
        """Take a queued invitation for sending, if the profile is at ``version``."""
        try:
            self._table.transact(
                [
                    self._step(reference, "queued", "sending", {}),
                    Check(key=citizen_key, condition="version = :v", values={":v": version}),
                ]
            )
        except TransactionConflict:
            return False
        return True

    def finish(self, reference: str, before: str, after: str, fields: Item) -> bool:
        """Move an invitation from ``before`` to ``after``, setting ``fields``."""
        try:
            self._table.update(self._step(reference, before, after, fields))
        except Conflict:
            return False
        return True

    def _move(self, reference: str, before: str, after: str) -> bool:
        return self.finish(reference, before, after, {})

    @staticmethod
    def _step(reference: str, before: str, after: str, fields: Item) -> Update:
        names = {"#state": "state"}
        values: Item = {":before": before, ":after": after}
        sets = ["#state = :after"]
        for i, (name, value) in enumerate(fields.items()):
            names[f"#f{i}"] = name
            values[f":f{i}"] = value
            sets.append(f"#f{i} = :f{i}")
        return Update(
            key=invite_key(reference),
            expression=f"SET {', '.join(sets)}",
            condition="#state = :before",
            names=names,
            values=values,
        )


class SatisfactionTrigger:
    """The stream consumer that invites the applicant of a request that closed."""

    def __init__(
        self,
        book: InvitationBook,
        config: SatisfactionConfig,
        catalogue: Catalogue,
        clock: Callable[[], datetime],
    ) -> None:
        self._book = book
        self._config = config
        self._catalogue = catalogue
        self._clock = clock

    def handle(self, record: Mapping[str, Any]) -> StreamOutcome | None:
        """Invite once when a request enters ``closed`` and its theme has a survey."""
        if record.get("eventName") not in _CHANGES:
            return None
        new, old = _image(record, "NewImage"), _image(record, "OldImage")
        if _text(new, "type") != "request" or _text(new, "state") != "closed":
            return None
        if _text(old, "state") == "closed":
            return None
        reference, citizen_id = _text(new, "reference"), _text(new, "citizen_id")
        rule = self._config.rule_for(_text(new, "theme_code"), self._catalogue)
        if rule is None or reference is None or citizen_id is None:
            return None
        invitation = Invitation(
            survey_id=rule.survey_id, citizen_id=citizen_id, reference=reference
        )
        due = self._clock() + timedelta(hours=rule.delay_hours)
        opened = self._book.open(invitation, rule.channels, due)
        return StreamOutcome(
            consumer="satisfaction",
            outcome="invited" if opened else "seen",
            metric="SatisfactionInvited" if opened else None,
            fields={"reference": reference, "survey_id": rule.survey_id},
        )


def satisfaction_trigger(runtime: IntakeRuntime) -> SatisfactionTrigger:
    """The trigger with the runtime's table, catalogue, clock and ``satisfaction.json``."""
    catalogue = runtime.catalogue
    config = SatisfactionConfig.load(runtime.settings.config_dir, catalogue)
    return SatisfactionTrigger(InvitationBook(runtime.table), config, catalogue, runtime.clock)


class InvitationOutcome(BaseModel):
    """What sending one invitation did."""

    model_config = ConfigDict(frozen=True)

    reference: str
    outcome: Literal["sent", "opted_out", "failed", "postponed", "skipped"]
    channel: Literal["sms", "email"] | None = None


class InvitationSender:
    """Sends satisfaction invitations."""

    def __init__(
        self,
        book: InvitationBook,
        citizens: CitizenStore,
        *,
        sms: SmsSender,
        mail: MailSender,
        surveys: SurveyTexts,
        take_token: Callable[[str, int, int], bool],
        rate_per_second: int,
        clock: Callable[[], datetime],
        sleep: Callable[[float], None] = time.sleep,
        quiet: QuietHours = CITY_QUIET,
    ) -> None:
        self._book = book
        self._citizens = citizens
        self._sms = sms
        self._mail = mail
        self._surveys = surveys
        self._take_token = take_token
        self._rate = rate_per_second
        self._clock = clock
        self._sleep = sleep
        self._quiet = quiet

    def send(
        self, message: InvitationMessage, remaining_ms: Callable[[], int] = lambda: 60_000
    ) -> InvitationOutcome:
        """Send one invitation, at most once."""
        invitation = message.invitation
        item = self._book.get(invitation.reference)
        state = item["state"] if item else None
        if state == "sending":
            self._book.finish(invitation.reference, "sending", "failed", {"reason": "interrupted"})
            return InvitationOutcome(reference=invitation.reference, outcome="failed")
        if item is None or state != "queued":
            return InvitationOutcome(reference=invitation.reference, outcome="skipped")
        citizen = profile_citizen(self._citizens, invitation.citizen_id)
        channel = _channel(citizen, tuple(item.get("channels") or ()))
        if citizen is None or channel is None:
            self._book.finish(invitation.reference, "queued", "opted_out", {})
            return InvitationOutcome(reference=invitation.reference, outcome="opted_out")
        if channel == "sms" and self._quiet.holds(self._clock()):
            self._book.postpone(invitation, self._quiet.ends(self._clock()))
            return InvitationOutcome(reference=invitation.reference, outcome="postponed")
        return self._claimed(invitation, citizen, channel, remaining_ms)

    def _claimed(
        self,
        invitation: Invitation,
        citizen: Citizen,
        channel: Literal["sms", "email"],
        remaining_ms: Callable[[], int],
    ) -> InvitationOutcome:
        self._wait_token(remaining_ms)
        if not self._book.claim(invitation.reference, keys.citizen(citizen.id), citizen.version):
            return InvitationOutcome(reference=invitation.reference, outcome="skipped")
        message_id = self._deliver(invitation, citizen, channel)
        self._book.finish(
            invitation.reference, "sending", "sent", {"message_id": message_id, "channel": channel}
        )
        return InvitationOutcome(reference=invitation.reference, outcome="sent", channel=channel)

    def _deliver(self, invitation: Invitation, citizen: Citizen, channel: str) -> str:
        language = citizen.language
        text = _TEXT[language].format(reference=invitation.reference)
        if channel == "sms":
            point = citizen.contact(ContactKind.PHONE)
            assert point is not None
            prompt = self._surveys.prompt(invitation.survey_id, language)
            body = sms_body(text, language, prompt)
            message_id = self._sms.send(to=point.value, text=body, reply_to=None)
            self._surveys.await_answer(
                citizen.id,
                invitation.survey_id,
                None,
                invitation.reference,
                self._clock() + timedelta(days=ANSWER_DAYS),
            )
            return message_id
        point = citizen.contact(ContactKind.EMAIL)
        assert point is not None
        link = self._surveys.link(
            invitation.survey_id, citizen.id, None, invitation.reference, language
        )
        return self._mail.send(
            to=point.value,
            subject=_SUBJECT[language].format(reference=invitation.reference),
            text=f"{text}\n\n{link}\n",
        )

    def _wait_token(self, remaining_ms: Callable[[], int]) -> None:
        while True:
            now = self._clock()
            second = int(now.timestamp())
            if self._take_token(RATE_KEY, second, self._rate):
                return
            if remaining_ms() < RESERVE_MS:
                raise RateLimited("the invitations' rate cap leaves no send in time")
            self._sleep(max(0.0, second + 1 - now.timestamp()))


def _channel(citizen: Citizen | None, channels: tuple[str, ...]) -> Literal["sms", "email"] | None:
    if citizen is None:
        return None
    for channel in channels:
        kind = ContactKind.PHONE if channel == "sms" else ContactKind.EMAIL
        if citizen.contact(kind) and citizen.consents_to(channel, ConsentPurpose.SURVEYS):
            return "sms" if channel == "sms" else "email"
    return None
