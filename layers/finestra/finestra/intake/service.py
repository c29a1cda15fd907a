"""The intake: recognise the citizen, then create a request or add to an open one.

A message that starts with a claim keyword (:class:`ClaimKeywords`) on the thread of the
citizen's closed or cancelled request (an email's reference, or for SMS the citizen's
latest such request) opens a claim through the desk's own :class:`ClaimWriter`, within
its 60 days; past them, or without the keyword, the message opens a new request, as a
message on any ended request does.
"""

import hashlib
import secrets
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from finestra.desk.claims import CLAIMABLE_STATES, ClaimCommand, ClaimWriter
from finestra.domain.catalogue import Catalogue, Theme
from finestra.domain.citizen import Citizen, Consent, ContactPoint, EntityApplicant
from finestra.domain.errors import Conflict, ValidationFailed
from finestra.domain.identity import Resolution, choose_citizen
from finestra.domain.ids import new_id
from finestra.domain.language import guess_language
from finestra.domain.opinion import Opinion
from finestra.domain.process import allowed_targets
from finestra.domain.request import Interaction, Request
from finestra.domain.vocabulary import (
    FINAL_STATES,
    ContactKind,
    InputChannel,
    InteractionKind,
    Language,
    RequestState,
    RequestType,
    ResponseChannel,
)
from finestra.intake.claims import ClaimKeywords
from finestra.intake.message import InboundMessage, IntakeOutcome, IntakeResult
from finestra.sentiment import Scorer
from finestra.storage import keys
from finestra.storage.citizens import CitizenStore
from finestra.storage.requests import ReferenceAllocator, RequestStore
from finestra.storage.table import Put, Table, TransactionConflict, Update

Clock = Callable[[], datetime]

NATIVE_RESPONSE = {
    InputChannel.SMS: ResponseChannel.SMS,
    InputChannel.EMAIL: ResponseChannel.EMAIL,
    InputChannel.PHONE: ResponseChannel.PHONE,
    InputChannel.IN_PERSON: ResponseChannel.IMMEDIATE,
}
"""The answer goes back on the channel the citizen used, where the city can answer on it."""

CITIZEN_REPLIED = "citizen_replied"
POSSIBLE_DUPLICATE_CITIZEN = "possible_duplicate_citizen"


def _with_language(message: InboundMessage) -> InboundMessage:
    if message.language is not None:
        return message
    return message.model_copy(update={"language": guess_language(message.text)})


def hash_token(token: str) -> str:
    """The stored form of a citizen's tracking token."""
    return hashlib.sha256(token.encode()).hexdigest()


class IntakeService:
    """One domain function per thing a channel can ask of the city."""

    def __init__(
        self,
        *,
        table: Table,
        citizens: CitizenStore,
        requests: RequestStore,
        references: ReferenceAllocator,
        catalogue: Catalogue,
        triage_group: str,
        clock: Clock,
        claim_keywords: ClaimKeywords | None = None,
        scorer: Scorer | None = None,
    ) -> None:
        self._table = table
        self._citizens = citizens
        self._requests = requests
        self._references = references
        self._catalogue = catalogue
        self._triage_group = triage_group
        self._clock = clock
        self._claim_keywords = claim_keywords or ClaimKeywords()
        self._scorer = scorer
        self._claims = ClaimWriter(requests=requests, catalogue=catalogue, clock=clock)

    def submit(self, message: InboundMessage) -> IntakeResult:
        """Write ``message`` as a new request, or as the next turn of an open one."""
        try:
            return self._submit(message)
        except TransactionConflict:
            # A contact point was indexed by a concurrent message: resolve again.
            return self._submit(message)

    def record_consent(
        self, point: ContactPoint, consents: Sequence[Consent], language: Language | None
    ) -> IntakeResult:
        """Record the citizen's answer on consent, remembering unknown senders too."""
        resolution = self._resolve((point,), language=language)
        citizen = resolution.citizen
        if resolution.is_new:
            citizen = citizen.model_copy(update={"consents": list(consents)})
            self._table.transact(self._citizens.creation(citizen))
        else:
            for consent in consents:
                self._citizens.save(self._citizens.consent_update(citizen, consent, self._now()))
                citizen = citizen.model_copy(update={"version": citizen.version + 1})
        withdrawn = all(not consent.granted for consent in consents)
        return IntakeResult(
            outcome=IntakeOutcome.OPTED_OUT if withdrawn else IntakeOutcome.OPTED_IN,
            citizen_id=citizen.id,
            new_citizen=resolution.is_new,
        )

    def record_opinion(self, message: InboundMessage) -> IntakeResult:
        """Keep a public opinion about the city, attached to its author."""
        message = _with_language(message)
        resolution = self._resolve(message.sender, language=message.language)
        opinion = Opinion(
            id=new_id("op"),
            citizen_id=resolution.citizen.id,
            at=message.received_at,
            channel=message.channel,
            provider_message_id=message.provider_message_id,
            text=message.text,
            language=message.language,
        )
        item = {
            **keys.opinion(opinion.citizen_id, opinion.at.isoformat(), opinion.id),
            "type": "opinion",
            **opinion.model_dump(mode="json", exclude_none=True),
        }
        if self._scorer is not None:
            tone = self._scorer.score(opinion.text, opinion.language)
            item.update(sentiment=tone.label.value, sentiment_method=tone.method)
        self._write(resolution, [Put(item=item)])
        return IntakeResult(
            outcome=IntakeOutcome.OPINION_RECORDED,
            citizen_id=opinion.citizen_id,
            new_citizen=resolution.is_new,
        )

    def find_citizen(self, point: ContactPoint) -> Citizen | None:
        """The citizen behind ``point``, if known."""
        match = self._citizens.find(point)
        return self._citizens.get(match.citizen_id) if match else None

    def open_requests(self, citizen_id: str, limit: int = 10) -> list[dict[str, object]]:
        """The citizen's latest requests that are still open, newest first."""
        recent = self._requests.of_citizen(citizen_id, limit=limit * 2)
        final = {state.value for state in FINAL_STATES}
        return [r for r in recent if r.get("state") not in final][:limit]

    def _submit(self, message: InboundMessage) -> IntakeResult:
        message = _with_language(message)
        if not message.sender:
            return self._create(message, None)
        resolution = self._resolve(
            message.sender,
            language=message.language,
            given_name=message.given_name,
            family_names=message.family_names,
        )
        languages = self._claim_keywords.languages_of(message.text)
        claimed = (
            self._claimed(message, resolution.citizen)
            if languages and not resolution.is_new
            else None
        )
        if claimed is not None:
            return self._claim(claimed, message, resolution, languages)
        target = None if resolution.is_new else self._thread(message, resolution.citizen)
        if target is not None:
            return self._add_to(target, message, resolution)
        return self._create(message, resolution)

    def _claimed(self, message: InboundMessage, citizen: Citizen) -> Request | None:
        """The citizen's ended request a claim keyword names, while it can be claimed."""
        candidate = None
        if message.in_reply_to:
            candidate = self._requests.get(message.in_reply_to)
        elif message.continue_pending:
            claimable = {state.value for state in CLAIMABLE_STATES}
            for summary in self._requests.of_citizen(citizen.id, limit=10):
                if summary.get("state") in claimable:
                    candidate = self._requests.get(str(summary["reference"]))
                    break
        if candidate is None or candidate.citizen_id != citizen.id:
            return None
        try:
            self._claims.check(candidate)
        except Conflict:
            return None
        return candidate

    def _claim(
        self,
        claimed: Request,
        message: InboundMessage,
        resolution: Resolution,
        languages: frozenset[Language],
    ) -> IntakeResult:
        if resolution.new_points:
            self._write(resolution, [])
        command = ClaimCommand(
            idempotency_key=f"{message.channel.value}#{message.provider_message_id}",
            reference=claimed.reference,
            actor=f"citizen:{resolution.citizen.id}",
            text=message.text,
            channel=message.channel,
            language=next(iter(languages)) if len(languages) == 1 else None,
            response_channel=NATIVE_RESPONSE.get(message.channel),
            provider_message_id=message.provider_message_id,
            attachments=message.attachments,
            media_url=message.media_url,
        )
        receipt = self._claims.write(command)
        return IntakeResult(
            outcome=IntakeOutcome.REQUEST_CREATED,
            citizen_id=resolution.citizen.id,
            reference=receipt.reference,
            state=receipt.state,
        )

    def _resolve(
        self,
        points: Sequence[ContactPoint],
        *,
        language: Language | None,
        given_name: str | None = None,
        family_names: str | None = None,
    ) -> Resolution:
        matches = [m for m in (self._citizens.find(p) for p in points) if m is not None]
        chosen = choose_citizen(points, matches)
        now = self._now()
        if chosen is None:
            fresh = Citizen(
                id=new_id("cit"),
                given_name=given_name,
                family_names=family_names,
                language=language or Language.CA,
                contact_points=list(points),
                created_at=now,
                updated_at=now,
            )
            return Resolution(citizen=fresh, is_new=True, new_points=list(points))
        citizen = self._citizens.get(chosen)
        if citizen is None:
            raise Conflict("a contact point names a citizen that does not exist")
        matched = {(m.point.kind, m.point.value) for m in matches}
        new_points = [p for p in points if (p.kind, p.value) not in matched]
        others = {m.citizen_id for m in matches if m.citizen_id != chosen}
        if new_points:
            citizen = citizen.model_copy(
                update={"contact_points": [*citizen.contact_points, *new_points], "updated_at": now}
            )
        return Resolution(
            citizen=citizen, is_new=False, new_points=new_points, possible_duplicate_of=others
        )

    def _thread(self, message: InboundMessage, citizen: Citizen) -> Request | None:
        if message.in_reply_to:
            request = self._requests.get(message.in_reply_to)
            if request and request.citizen_id == citizen.id and request.state not in FINAL_STATES:
                return request
        if message.continue_pending:
            for summary in self._requests.of_citizen(citizen.id, limit=10):
                if summary.get("state") == RequestState.PENDING_ANSWER.value:
                    return self._requests.get(str(summary["reference"]))
        return None

    def _add_to(
        self, request: Request, message: InboundMessage, resolution: Resolution
    ) -> IntakeResult:
        interaction = self._inbound(message, resolution.citizen)
        back_to_work = (
            RequestState.IN_RESOLUTION
            if request.state is RequestState.PENDING_ANSWER
            and RequestState.IN_RESOLUTION in self._targets(request)
            else None
        )
        writes = self._requests.reply(
            request, interaction, flag=CITIZEN_REPLIED, new_state=back_to_work
        )
        self._write(resolution, writes)
        return IntakeResult(
            outcome=IntakeOutcome.ADDED_TO_REQUEST,
            citizen_id=resolution.citizen.id,
            reference=request.reference,
            state=back_to_work or request.state,
        )

    def _create(self, message: InboundMessage, resolution: Resolution | None) -> IntakeResult:
        theme = self._catalogue.theme(message.theme_code) if message.theme_code else None
        request_type = message.request_type or (
            theme.request_types[0] if theme else RequestType.ENQUIRY
        )
        self._check(message, theme, request_type)
        citizen = resolution.citizen if resolution else None
        token = secrets.token_urlsafe(18)
        now = message.received_at
        flags = (
            {POSSIBLE_DUPLICATE_CITIZEN}
            if resolution and resolution.possible_duplicate_of
            else set()
        )
        request = Request(
            reference=self._references.next(),
            request_type=request_type,
            theme_code=theme.code if theme else None,
            description=message.text,
            location=message.location,
            input_channel=message.channel,
            response_channel=self._response_channel(message, theme),
            language=message.language or (citizen.language if citizen else Language.CA),
            state=self._initial_state(theme, citizen),
            responsible_group=theme.responsible_group if theme else self._triage_group,
            sla_due_at=now + timedelta(hours=theme.sla_hours) if theme else None,
            created_at=now,
            updated_at=now,
            citizen_id=citizen.id if citizen else None,
            applicant=self._applicant(message.applicant, citizen),
            origin=self._inbound(message, citizen),
            tracking_token_hash=hash_token(token),
            flags=frozenset(flags),
        )
        self._write(resolution, [self._requests.creation(request)])
        return IntakeResult(
            outcome=IntakeOutcome.REQUEST_CREATED,
            citizen_id=request.citizen_id,
            new_citizen=resolution.is_new if resolution else False,
            reference=request.reference,
            state=request.state,
            tracking_token=token,
        )

    def _check(self, message: InboundMessage, theme: Theme | None, kind: RequestType) -> None:
        location = message.location
        if location is not None:
            self._catalogue.check_place(location.district_code, location.neighbourhood_code)
        if theme is None:
            return
        if kind not in theme.request_types:
            raise ValidationFailed("is not a type this theme accepts", field="request_type")
        if message.response_channel and message.response_channel not in theme.response_channels:
            raise ValidationFailed("is not offered for this theme", field="response_channel")
        has_place = location is not None and (location.has_point or location.address)
        if theme.requires_location and not has_place:
            raise ValidationFailed("is required for this theme", field="location")

    def _response_channel(self, message: InboundMessage, theme: Theme | None) -> ResponseChannel:
        allowed = theme.response_channels if theme else tuple(ResponseChannel)
        wanted = message.response_channel or NATIVE_RESPONSE.get(message.channel)
        if wanted in allowed:
            return wanted
        for channel in (ResponseChannel.EMAIL, ResponseChannel.SMS):
            if channel in allowed and self._reachable(message, channel):
                return channel
        return allowed[0]

    @staticmethod
    def _reachable(message: InboundMessage, channel: ResponseChannel) -> bool:
        kind = ContactKind.EMAIL if channel is ResponseChannel.EMAIL else ContactKind.PHONE
        return any(point.kind is kind for point in message.sender)

    @staticmethod
    def _initial_state(theme: Theme | None, citizen: Citizen | None) -> RequestState:
        identified = citizen is not None and citizen.identified
        if theme and theme.requires_identified_citizen and not identified:
            return RequestState.NOT_PROCESSED
        return RequestState.PENDING_VALIDATION

    @staticmethod
    def _applicant(
        entity: EntityApplicant | None, citizen: Citizen | None
    ) -> EntityApplicant | None:
        if entity is None:
            return None
        return entity.model_copy(update={"contact_citizen_id": citizen.id if citizen else None})

    def _targets(self, request: Request) -> frozenset[RequestState]:
        theme = self._catalogue.theme(request.theme_code) if request.theme_code else None
        if theme is None:
            return frozenset()
        return allowed_targets(theme.process, request.state)

    @staticmethod
    def _inbound(message: InboundMessage, citizen: Citizen | None) -> Interaction:
        author = f"citizen:{citizen.id}" if citizen else "citizen:anonymous"
        return Interaction(
            id=new_id("int"),
            at=message.received_at,
            kind=InteractionKind.INBOUND_MESSAGE,
            channel=message.channel,
            actor=message.actor or author,
            provider_message_id=message.provider_message_id,
            text=message.text,
            attachments=message.attachments,
            media_url=message.media_url,
        )

    def _write(self, resolution: Resolution | None, writes: Sequence[Put | Update]) -> None:
        citizen_writes: list[Put | Update] = []
        if resolution is None:
            pass
        elif resolution.is_new:
            citizen_writes.extend(self._citizens.creation(resolution.citizen))
        elif resolution.new_points:
            before = resolution.citizen.model_copy(
                update={
                    "contact_points": [
                        p
                        for p in resolution.citizen.contact_points
                        if p not in resolution.new_points
                    ]
                }
            )
            citizen_writes.extend(self._citizens.extension(before, resolution.citizen))
        all_writes = [*citizen_writes, *writes]
        if len(all_writes) == 1 and isinstance(all_writes[0], Put):
            self._table.put(all_writes[0])
        else:
            self._table.transact(all_writes)

    def _now(self) -> datetime:
        return self._clock()
