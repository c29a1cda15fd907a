"""Conversations on a request: with another group, with an external body, with the citizen.

Each conversation is an item of the request's collection (``CONVERSATION#<id>``) and
each of its messages an item beside it (``CONVERSATION#<id>#MSG#<time>#<id>``), written
in one transaction with the entry that puts the message into the request's history and
with the unread marks it raises. A conversation's ``unread`` holds the groups that have
a message they have not opened; each such group also has an inbox item
(``INBOX#<group>`` / ``<reference>#<conversation id>``), so a group that does not own
the request still finds it with one ``Query``. A member of a group opening the
conversation (``read``) lowers that group's mark and drops its inbox item.

- **Internal**: the request's responsible group and one other group; each side's message
  marks the other side unread.
- **External body**: the city's message goes by email to the body's address, with a
  signed one-use link (:mod:`finestra.external.links`) to a public reply page; the
  body's answer marks the responsible group unread.
- **Citizen**: the city's message goes on the request's response channel through the
  desk's reply path (so consent, the channel's address and the SMS length are checked
  as for any reply); the citizen answers as they answer any reply, through the intake,
  which threads the answer onto the request. Those answers (the history's inbound
  messages since the conversation opened) are the conversation's replies, unread until
  a member of the responsible group opens it.

Staff messages check the request's lock in their transaction, as every change does.
Nothing a message says is logged.
"""

import hashlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Annotated, Final, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from finestra.auth import Role, Staff
from finestra.desk.locks import RequestLocks
from finestra.domain.catalogue import Catalogue
from finestra.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from finestra.domain.ids import new_id
from finestra.domain.request import REFERENCE, Interaction, Request
from finestra.domain.vocabulary import InteractionKind, Language
from finestra.external.bodies import ExternalBodies, ExternalBody
from finestra.external.links import LinkClaims, ReplyLinks
from finestra.storage import keys
from finestra.storage.requests import RequestStore
from finestra.storage.table import Check, Delete, Item, Put, Table, TransactionConflict, Update

__all__ = [
    "CONVERSATION_UNREAD",
    "CitizenReply",
    "ConversationOrder",
    "ConversationView",
    "Conversations",
    "ExternalReplyOrder",
    "InboxEntry",
    "LinkPage",
    "MessageOrder",
    "MessageView",
]

CONVERSATION_UNREAD: Final = "conversation_unread"
"""The request's alarm while its responsible group has a conversation message unopened.

Kept here until the desk's alarms have one module of their own."""

_EXTERNAL_SUBJECT: Final = {
    Language.CA: "[{reference}] Consulta de l'Ajuntament",
    Language.ES: "[{reference}] Consulta del Ayuntamiento",
    Language.EN: "[{reference}] Question from the City Council",
}
_EXTERNAL_FOOTER: Final = {
    Language.CA: "Responeu des d'aquest enllaç (vàlid fins al {until}, un sol ús):",
    Language.ES: "Responda desde este enlace (válido hasta el {until}, un solo uso):",
    Language.EN: "Answer through this link (valid until {until}, one use only):",
}

With = Literal["group", "external", "citizen"]
Said = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]


class CitizenReply(Protocol):
    """Sends a message to the citizen through the desk's reply path; answers its entry id."""

    def __call__(self, staff: Staff, reference: str, text: str, key: str) -> str:
        """Send ``text`` once per ``key`` and return the history entry's id."""
        ...


class Mailer(Protocol):
    """Sends a plain-text email from the city's address."""

    def send(self, *, to: str, subject: str, text: str) -> str:
        """Send it; returns the provider's message id."""
        ...


class ConversationOrder(BaseModel):
    """Open a conversation and send its first message."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    with_: With = Field(alias="with")
    group: str | None = Field(default=None, min_length=1, max_length=80)
    body_code: str | None = Field(default=None, min_length=1, max_length=40)
    text: Said


class MessageOrder(BaseModel):
    """One more message in a conversation."""

    model_config = ConfigDict(extra="forbid")

    text: Said


class ExternalReplyOrder(BaseModel):
    """An external body's answer through its reply link."""

    model_config = ConfigDict(extra="forbid")

    text: Said
    author: str | None = Field(default=None, min_length=1, max_length=120)


class MessageView(BaseModel):
    """One message of a conversation."""

    id: str
    at: datetime
    author: str = Field(description="staff:<id>, external:<body code> or citizen:<id>")
    author_name: str | None
    group: str | None
    text: str | None
    incoming: bool = Field(description="whether it came to the responsible group")


class ConversationView(BaseModel):
    """A conversation as staff see it, with the caller's groups' unread mark."""

    id: str
    reference: str
    with_: With = Field(serialization_alias="with")
    groups: list[str]
    body_code: str | None
    body_name: str | None
    opened_at: datetime
    opened_by: str
    last_at: datetime
    unread: bool
    unread_groups: list[str]
    messages: list[MessageView]


class InboxEntry(BaseModel):
    """A conversation a group has not opened since its last message."""

    reference: str
    conversation_id: str
    at: datetime


class LinkPage(BaseModel):
    """What the public reply page shows: the request and the city's last question."""

    reference: str
    body_name: str
    question: str | None
    language: Language
    expires_at: datetime


_conversation_key = keys.conversation
_message_key = keys.conversation_message
_inbox_key = keys.inbox


def _member_of(staff: Staff, group: str) -> bool:
    """Whether ``staff`` belongs to ``group`` itself (a supervisor's reach is not enough)."""
    return group in staff.groups or group.split(".", 1)[0] in staff.groups


class Conversations:
    """Opens conversations, adds messages, marks them read, and takes external answers.

    Parameters
    ----------
    table, requests
        The one table and the request store on it.
    catalogue
        Checks the groups named as the other side.
    bodies
        The external bodies, their addresses and themes.
    links
        Signs the external bodies' reply links; ``None`` refuses external conversations.
    locks
        The request locks every staff message checks.
    mailer
        Sends the external bodies' emails.
    citizen_reply
        The desk's reply path, for the citizen's side.
    reply_url
        Gives the public base address the reply links start with (``…/replies/<token>``).
    clock
        Stamps every message.
    """

    def __init__(
        self,
        *,
        table: Table,
        requests: RequestStore,
        catalogue: Catalogue,
        bodies: ExternalBodies,
        links: ReplyLinks | None,
        locks: RequestLocks,
        mailer: Mailer,
        citizen_reply: CitizenReply,
        reply_url: Callable[[], str | None],
        clock: Callable[[], datetime],
    ) -> None:
        self._table = table
        self._requests = requests
        self._catalogue = catalogue
        self._bodies = bodies
        self._links = links
        self._locks = locks
        self._mailer = mailer
        self._citizen_reply = citizen_reply
        self._reply_url = reply_url
        self._clock = clock

    # ------------------------------------------------------------------ staff

    def open(
        self, staff: Staff, reference: str, order: ConversationOrder, *, idempotency_key: str
    ) -> ConversationView:
        """Open a conversation on a request and send its first message, once per key.

        The conversation's id comes from the caller, the request and the idempotency
        key, so a repeated call answers the conversation the first one opened and sends
        nothing again.

        Raises
        ------
        ValidationFailed
            When the other side is missing or unknown, or is the request's own group.
        Forbidden
            When the request is outside the caller's groups or districts.
        Conflict
            When an external conversation is asked for and the city has no reply link
            set up, or the citizen cannot be answered on the request's channel.
        Locked
            When another staff member holds the request's lock.
        """
        request = self._owned(staff, reference)
        seed = f"{staff.user_id}#{request.reference}#{idempotency_key}".encode()
        conversation_id = "cnv_" + hashlib.sha256(seed).hexdigest()[:26]
        key = _conversation_key(request.reference, conversation_id)
        if self._table.get(key, consistent=True) is not None:
            return self._view(staff, request, conversation_id)
        groups = [request.responsible_group]
        body: ExternalBody | None = None
        if order.with_ == "group":
            other = self._other_group(order.group, request)
            groups.append(other)
        elif order.with_ == "external":
            body = self._body(order.body_code, request)
        head: Item = {
            **_conversation_key(request.reference, conversation_id),
            "type": "conversation",
            "id": conversation_id,
            "reference": request.reference,
            "with": order.with_,
            "groups": groups,
            "body_code": body.code if body else None,
            "opened_by": staff.username,
            "opened_at": self._clock().isoformat(),
            "last_at": self._clock().isoformat(),
        }
        if order.with_ == "citizen":
            interaction_id = self._citizen_reply(
                staff, request.reference, order.text, f"cnv-{idempotency_key}"
            )
            self._write_citizen_message(request, head, staff, order.text, interaction_id, new=True)
        else:
            self._write_staff_message(
                request, head, staff, order.text, body=body, new=True, sender_group=groups[0]
            )
        return self._view(staff, request, conversation_id)

    def post(
        self, staff: Staff, reference: str, conversation_id: str, order: MessageOrder
    ) -> ConversationView:
        """Add a message to a conversation, from the caller's side.

        Raises
        ------
        NotFound
            When the request has no such conversation, or the caller is on neither side.
        Locked
            When another staff member holds the request's lock.
        """
        request = self._request(reference)
        head = self._head(request.reference, conversation_id)
        side = self._side(staff, request, head)
        if head["with"] == "citizen":
            interaction_id = self._citizen_reply(
                staff, request.reference, order.text, f"cnv-{new_id('msg')}"
            )
            self._write_citizen_message(request, head, staff, order.text, interaction_id, new=False)
        else:
            body = self._bodies.get(head["body_code"]) if head.get("body_code") else None
            self._write_staff_message(
                request, head, staff, order.text, body=body, new=False, sender_group=side
            )
        return self._view(staff, request, conversation_id)

    def of_request(self, staff: Staff, reference: str) -> list[ConversationView]:
        """The request's conversations the caller may see, newest activity first."""
        request = self._request(reference)
        heads = [i for i in self._items(request.reference) if i["type"] == "conversation"]
        visible = [h for h in heads if self._may_see(staff, request, h)]
        if not visible:
            self._owned(staff, reference)
        entries = self._entries(request.reference)
        views = [self._view(staff, request, str(h["id"]), entries) for h in visible]
        return sorted(views, key=lambda v: v.last_at, reverse=True)

    def read(self, staff: Staff, reference: str, conversation_id: str) -> ConversationView:
        """Open a conversation: the caller's groups' unread marks and inbox items go.

        The request's alarm goes with the responsible group's last unread mark.
        """
        request = self._request(reference)
        head = self._head(request.reference, conversation_id)
        self._side(staff, request, head)
        entries = self._entries(request.reference)
        shown = self._view(staff, request, conversation_id, entries)
        mine = [g for g in shown.unread_groups if _member_of(staff, g)]
        if head["with"] == "citizen" and mine:
            self._table.update(
                Update(
                    key=_conversation_key(request.reference, conversation_id),
                    expression="SET seen_at = :now",
                    condition="attribute_exists(PK)",
                    values={":now": self._clock().isoformat()},
                )
            )
        elif mine:
            self._table.transact(
                [
                    Update(
                        key=_conversation_key(request.reference, conversation_id),
                        expression="DELETE unread :mine",
                        condition="attribute_exists(PK)",
                        values={":mine": set(mine)},
                    ),
                    *(Delete(key=_inbox_key(g, request.reference, conversation_id)) for g in mine),
                ]
            )
        if request.responsible_group in mine:
            self._lower_alarm(request)
        return self._view(staff, request, conversation_id, entries)

    def hand_over_body(self, staff: Staff, reference: str) -> ExternalBody:
        """The body a request would be handed to, checked before anything moves.

        Raises
        ------
        Forbidden
            When the request is outside the caller's groups or districts.
        Conflict
            When the request's theme is not handled by an external body, or the city has
            no reply links set up.
        """
        request = self._owned(staff, reference)
        self._require_links()
        theme = self._catalogue.theme(request.theme_code) if request.theme_code else None
        return self._bodies.of_theme(theme)

    def inbox(self, staff: Staff, group: str) -> list[InboxEntry]:
        """The conversations ``group`` has not opened since their last message.

        Raises
        ------
        Forbidden
            When the caller is not a member of the group (nor a supervisor).
        """
        if not (_member_of(staff, group) or staff.has(Role.SUPERVISOR)):
            raise Forbidden("this group's conversations are its members' only")
        items, _ = self._table.query("PK = :pk", {":pk": keys.inbox_partition(group)}, limit=200)
        return [
            InboxEntry(
                reference=str(i["reference"]),
                conversation_id=str(i["conversation_id"]),
                at=datetime.fromisoformat(str(i["at"])),
            )
            for i in items
        ]

    # ------------------------------------------------------------------ external body

    def link_page(self, token: str) -> LinkPage:
        """What the reply page shows to whoever holds a valid, unused link.

        Raises
        ------
        Forbidden
            When the link is forged or expired.
        Conflict
            When the link was used already (or replaced by a newer one).
        """
        links = self._require_links()
        claims = links.verify(token)
        head = self._head(claims.reference, claims.conversation_id)
        if head.get("link_nonce") != claims.nonce:
            raise Conflict("this reply link was used already")
        body = self._bodies.get(str(head["body_code"]))
        messages = self._messages(claims.reference, head, self._entries(claims.reference))
        question = next((m.text for m in reversed(messages) if m.author.startswith("staff:")), None)
        return LinkPage(
            reference=claims.reference,
            body_name=body.name,
            question=question,
            language=body.language,
            expires_at=links.expiry(claims),
        )

    def answer_link(self, token: str, order: ExternalReplyOrder) -> MessageView:
        """Record an external body's answer through its link, once.

        The link's nonce is removed in the answer's own transaction, on the condition
        that it is still the conversation's, so a link answers once however often it is
        sent.

        Raises
        ------
        Forbidden
            When the link is forged or expired.
        Conflict
            When the link was used already.
        """
        claims = self._require_links().verify(token)
        request = self._request(claims.reference)
        head = self._head(request.reference, claims.conversation_id)
        body = self._bodies.get(str(head["body_code"]))
        now = self._clock()
        message_id = new_id("msg")
        interaction = Interaction(
            id=new_id("int"),
            at=now,
            kind=InteractionKind.INBOUND_MESSAGE,
            channel="internal",
            actor=f"external:{body.code}",
            actor_name=(order.author or body.name)[:128],
            text=order.text,
            conversation_id=claims.conversation_id,
        )
        group = request.responsible_group
        writes: list[Put | Update | Delete | Check] = [
            Update(
                key=_conversation_key(request.reference, claims.conversation_id),
                expression="SET last_at = :at REMOVE link_nonce ADD unread :group",
                condition="link_nonce = :nonce",
                values={":at": now.isoformat(), ":nonce": claims.nonce, ":group": {group}},
            ),
            self._message_put(request.reference, claims.conversation_id, message_id, interaction),
            self._history_put(request.reference, interaction),
            self._inbox_put(group, request.reference, claims.conversation_id, now),
            self._alarm(request, now),
        ]
        try:
            self._table.transact(writes)
        except TransactionConflict as exc:
            if exc.reasons[:1] == ["ConditionalCheckFailed"]:
                raise Conflict("this reply link was used already") from exc
            raise
        return self._message_view(message_id, interaction, group, incoming=True)

    # ------------------------------------------------------------------ writing

    def _write_staff_message(
        self,
        request: Request,
        head: Item,
        staff: Staff,
        text: str,
        *,
        body: ExternalBody | None,
        new: bool,
        sender_group: str,
    ) -> None:
        now = self._clock()
        conversation_id = str(head["id"])
        message_id = new_id("msg")
        interaction = Interaction(
            id=new_id("int"),
            at=now,
            kind=InteractionKind.NOTE,
            channel="internal",
            actor=f"staff:{staff.user_id}",
            actor_name=staff.username,
            text=text,
            conversation_id=conversation_id,
        )
        others = [g for g in head["groups"] if g != sender_group] if body is None else []
        link: tuple[str, LinkClaims] | None = None
        if body is not None:
            link = self._require_links().issue(request.reference, conversation_id)
        head_write = self._head_write(head, now, others, link[1].nonce if link else None, new=new)
        writes: list[Put | Update | Delete | Check] = [
            head_write,
            self._message_put(request.reference, conversation_id, message_id, interaction),
            self._history_put(request.reference, interaction),
            *(self._inbox_put(g, request.reference, conversation_id, now) for g in others),
        ]
        if request.responsible_group in others:
            writes.append(self._alarm(request, now))
        with self._guard(request.reference, staff) as guard:
            self._table.transact([*writes, *guard])
        if body is not None and link is not None:
            self._mail_body(body, request.reference, text, *link)

    def _write_citizen_message(
        self,
        request: Request,
        head: Item,
        staff: Staff,
        text: str,
        interaction_id: str,
        *,
        new: bool,
    ) -> None:
        now = self._clock()
        conversation_id = str(head["id"])
        message_id = new_id("msg")
        item: Item = {
            **_message_key(request.reference, conversation_id, now.isoformat(), message_id),
            "type": "conversation_message",
            "id": message_id,
            "conversation_id": conversation_id,
            "at": now.isoformat(),
            "author": f"staff:{staff.user_id}",
            "author_name": staff.username,
            "group": request.responsible_group,
            "interaction_id": interaction_id,
        }
        head_write = self._head_write({**head, "seen_at": now.isoformat()}, now, [], None, new=new)
        self._table.transact([head_write, Put(item=item)])

    def _head_write(
        self, head: Item, now: datetime, unread: list[str], nonce: str | None, *, new: bool
    ) -> Put | Update:
        if new:
            item = {k: v for k, v in head.items() if v is not None}
            if unread:
                item["unread"] = set(unread)
            if nonce:
                item["link_nonce"] = nonce
            return Put(item=item)
        expression = "SET last_at = :at"
        values: Item = {":at": now.isoformat()}
        if "seen_at" in head:
            expression += ", seen_at = :seen"
            values[":seen"] = head["seen_at"]
        if nonce:
            expression += ", link_nonce = :nonce"
            values[":nonce"] = nonce
        if unread:
            expression += " ADD unread :groups"
            values[":groups"] = set(unread)
        return Update(
            key=_conversation_key(str(head["reference"]), str(head["id"])),
            expression=expression,
            condition="attribute_exists(PK)",
            values=values,
        )

    def _message_put(
        self, reference: str, conversation_id: str, message_id: str, interaction: Interaction
    ) -> Put:
        at = interaction.at.isoformat()
        return Put(
            item={
                **_message_key(reference, conversation_id, at, message_id),
                "type": "conversation_message",
                "id": message_id,
                "conversation_id": conversation_id,
                "at": at,
                "author": interaction.actor,
                "author_name": interaction.actor_name,
                "interaction_id": interaction.id,
            }
        )

    @staticmethod
    def _history_put(reference: str, interaction: Interaction) -> Put:
        at = interaction.at.isoformat()
        return Put(
            item={
                **keys.interaction(reference, at, interaction.id),
                "type": "interaction",
                **interaction.model_dump(mode="json", exclude_none=True),
            }
        )

    @staticmethod
    def _inbox_put(group: str, reference: str, conversation_id: str, now: datetime) -> Put:
        return Put(
            item={
                **_inbox_key(group, reference, conversation_id),
                "type": "conversation_unread",
                "reference": reference,
                "conversation_id": conversation_id,
                "at": now.isoformat(),
            },
            condition="attribute_exists(PK) OR attribute_not_exists(PK)",
        )

    @staticmethod
    def _alarm(request: Request, now: datetime) -> Update:
        return Update(
            key=keys.request(request.reference),
            expression="SET updated_at = :at ADD flags :flag",
            condition="attribute_exists(PK)",
            values={":at": now.isoformat(), ":flag": {CONVERSATION_UNREAD}},
        )

    def _lower_alarm(self, request: Request) -> None:
        prefix = f"{request.reference}#"
        left, _ = self._table.query(
            "PK = :pk AND begins_with(SK, :prefix)",
            {":pk": keys.inbox_partition(request.responsible_group), ":prefix": prefix},
            limit=1,
        )
        if not left and CONVERSATION_UNREAD in request.flags:
            self._table.update(
                Update(
                    key=keys.request(request.reference),
                    expression="DELETE flags :flag",
                    condition="attribute_exists(PK)",
                    values={":flag": {CONVERSATION_UNREAD}},
                )
            )

    def _mail_body(
        self, body: ExternalBody, reference: str, text: str, token: str, claims: LinkClaims
    ) -> None:
        assert self._links is not None
        until = self._links.expiry(claims).strftime("%Y-%m-%d")
        subject = _EXTERNAL_SUBJECT[body.language].format(reference=reference)
        footer = _EXTERNAL_FOOTER[body.language].format(until=until)
        base = (self._reply_url() or "").rstrip("/")
        link = f"{base}/api/external/v1/replies/{token}"
        self._mailer.send(to=body.email, subject=subject, text=f"{text}\n\n{footer}\n{link}\n")

    def _guard(self, reference: str, staff: Staff) -> AbstractContextManager[tuple[Check]]:
        return self._locks.guarding(reference, staff.user_id)

    # ------------------------------------------------------------------ reading

    def _view(
        self,
        staff: Staff,
        request: Request,
        conversation_id: str,
        entries: dict[str, Interaction] | None = None,
    ) -> ConversationView:
        head = self._head(request.reference, conversation_id)
        entries = self._entries(request.reference) if entries is None else entries
        messages = self._messages(request.reference, head, entries)
        if head["with"] == "citizen":
            answers = self._citizen_answers(request, head, entries)
            messages = sorted([*messages, *answers], key=lambda m: m.at)
        unread = self._unread(head, request, messages)
        body = self._bodies.get(str(head["body_code"])) if head.get("body_code") else None
        return ConversationView(
            id=conversation_id,
            reference=request.reference,
            with_=head["with"],
            groups=list(head["groups"]),
            body_code=body.code if body else None,
            body_name=body.name if body else None,
            opened_at=datetime.fromisoformat(str(head["opened_at"])),
            opened_by=str(head["opened_by"]),
            last_at=max([datetime.fromisoformat(str(head["last_at"])), *(m.at for m in messages)]),
            unread=any(_member_of(staff, g) for g in unread),
            unread_groups=sorted(unread),
            messages=messages,
        )

    def _unread(self, head: Item, request: Request, messages: list[MessageView]) -> list[str]:
        if head["with"] != "citizen":
            return sorted(head.get("unread", ()))
        seen = datetime.fromisoformat(str(head.get("seen_at") or head["opened_at"]))
        newer = any(m.author.startswith("citizen:") and m.at > seen for m in messages)
        return [request.responsible_group] if newer else []

    def _entries(self, reference: str) -> dict[str, Interaction]:
        """The request's history by entry id: where every message's text is kept, once."""
        return {entry.id: entry for entry in self._requests.history(reference)}

    def _citizen_answers(
        self, request: Request, head: Item, entries: dict[str, Interaction]
    ) -> list[MessageView]:
        opened = datetime.fromisoformat(str(head["opened_at"]))
        return [
            MessageView(
                id=entry.id,
                at=entry.at,
                author=entry.actor,
                author_name=None,
                group=None,
                text=entry.text,
                incoming=True,
            )
            for entry in entries.values()
            if entry.kind is InteractionKind.INBOUND_MESSAGE
            and entry.actor.startswith("citizen:")
            and entry.at > opened
            and entry.id != request.origin.id
        ]

    def _messages(
        self, reference: str, head: Item, entries: dict[str, Interaction]
    ) -> list[MessageView]:
        conversation_id = str(head["id"])
        prefix = keys.conversation_messages_prefix(conversation_id)
        items, start = self._table.query(
            "PK = :pk AND begins_with(SK, :prefix)",
            {":pk": f"REQUEST#{reference}", ":prefix": prefix},
        )
        while start is not None:
            page, start = self._table.query(
                "PK = :pk AND begins_with(SK, :prefix)",
                {":pk": f"REQUEST#{reference}", ":prefix": prefix},
                start=start,
            )
            items.extend(page)
        owner = head["groups"][0]
        return [
            MessageView(
                id=str(i["id"]),
                at=datetime.fromisoformat(str(i["at"])),
                author=str(i["author"]),
                author_name=i.get("author_name"),
                group=i.get("group"),
                text=self._text(entries, i.get("interaction_id")),
                incoming=i.get("group") != owner,
            )
            for i in items
        ]

    @staticmethod
    def _text(entries: dict[str, Interaction], interaction_id: object) -> str | None:
        entry = entries.get(str(interaction_id))
        return entry.text if entry else None

    def _items(self, reference: str) -> Iterator[Item]:
        start: dict[str, object] | None = None
        while True:
            page, start = self._table.query(
                "PK = :pk AND begins_with(SK, :prefix)",
                {":pk": f"REQUEST#{reference}", ":prefix": keys.conversations_prefix()},
                start=start,
            )
            yield from page
            if start is None:
                return

    def _head(self, reference: str, conversation_id: str) -> Item:
        item = self._table.get(_conversation_key(reference, conversation_id), consistent=True)
        if item is None or item.get("type") != "conversation":
            raise NotFound("this request has no such conversation")
        return item

    def _message_view(
        self, message_id: str, interaction: Interaction, group: str | None, *, incoming: bool
    ) -> MessageView:
        return MessageView(
            id=message_id,
            at=interaction.at,
            author=interaction.actor,
            author_name=interaction.actor_name,
            group=None if incoming else group,
            text=interaction.text,
            incoming=incoming,
        )

    # ------------------------------------------------------------------ who may

    def _owned(self, staff: Staff, reference: str) -> Request:
        staff.require(Role.AGENT, Role.SUPERVISOR)
        request = self._request(reference)
        staff.require_district(request.location.district_code if request.location else None)
        if not staff.covers_group(request.responsible_group):
            raise Forbidden("this request is outside your groups")
        return request

    def _may_see(self, staff: Staff, request: Request, head: Item) -> bool:
        if staff.covers_group(request.responsible_group) and staff.covers_district(
            request.location.district_code if request.location else None
        ):
            return True
        return any(_member_of(staff, g) for g in head["groups"][1:])

    def _side(self, staff: Staff, request: Request, head: Item) -> str:
        staff.require(Role.AGENT, Role.SUPERVISOR)
        groups: list[str] = list(head["groups"])
        for group in groups[1:]:
            if _member_of(staff, group):
                return group
        if self._may_see(staff, request, head):
            return groups[0]
        raise NotFound("this request has no such conversation")

    def _other_group(self, code: str | None, request: Request) -> str:
        if code is None:
            raise ValidationFailed("is required for a conversation with a group", field="group")
        try:
            group = self._catalogue.group(code)
        except NotFound:
            raise ValidationFailed("is not a group of the city", field="group") from None
        if group.code == request.responsible_group:
            raise ValidationFailed("is the request's own group", field="group")
        return group.code

    def _body(self, code: str | None, request: Request) -> ExternalBody:
        if code is None:
            theme = self._catalogue.theme(request.theme_code) if request.theme_code else None
            if theme is None or theme.external_body is None:
                raise ValidationFailed(
                    "is required for a conversation with an external body", field="body_code"
                )
            return self._bodies.of_theme(theme)
        return self._bodies.get(code)

    def _require_links(self) -> ReplyLinks:
        if self._links is None or not self._reply_url():
            raise Conflict("the city has no reply links set up for external bodies")
        return self._links

    def _request(self, reference: str) -> Request:
        request = self._requests.get(reference) if REFERENCE.fullmatch(reference) else None
        if request is None:
            raise NotFound("no request has this reference")
        return request
