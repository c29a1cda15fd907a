"""The daily digest email of each responsible group that has subscribers.

``digests.json`` in the configuration folder lists, per group, the staff mailing
addresses that receive it and the languages it is written in. Each morning the digest
function builds, for every listed group, the counts of its open requests (the group's
own queue and those of every group below it) that are about to breach their SLA, that
have breached it, and that wait for validation, with the first references of each, and
the conversations the group has not opened yet. A digest names requests by reference
only: no citizen, address or message text is ever in it.

Read cost per group: one ``Query`` of the open key range of the worklist index (GSI2)
per (queue, shard), every page (index items are about 300 bytes: a group with 2,000
open requests reads about 600 KB, 75 read units eventually consistent), and one
``Query`` of the group's conversation inbox (``INBOX#<group>``, half a unit for a few
hundred entries). Writes: one ``PutItem`` to claim the (group, day), one ``UpdateItem``
once sent; one SES message per address.

A digest is sent once per group and city day: the claim item
(``DIGEST#<group>`` / ``DAY#<yyyy-mm-dd>``) is written on ``attribute_not_exists``
before sending, so a retried or repeated invocation finds it and sends nothing. A
failed send deletes the claim again, so the next invocation tries once more; a
function that stops between claiming and sending leaves the claim, and that group's
digest is skipped that day rather than sent twice.
"""

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Final, Literal, Protocol
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from finestra.desk.views import sla_state
from finestra.domain.catalogue import Catalogue
from finestra.domain.errors import Conflict, NotFound
from finestra.domain.vocabulary import Language, RequestState
from finestra.storage import keys
from finestra.storage.table import Delete, Item, Put, Table, Update

__all__ = [
    "DIGESTS_FILE",
    "DigestOutcome",
    "DigestSender",
    "DigestSubscription",
    "GroupDigest",
    "InboxConversations",
    "Mailer",
    "UnreadConversations",
    "digest_text",
    "load_subscriptions",
]

DIGESTS_FILE: Final = "digests.json"
LISTED: Final = 20
"""The most references a digest lists under each heading (the counts are whole)."""
SEND_FROM: Final = time(7, 0)
"""The city's time from which the day's digest goes out."""
_CLAIM_DAYS: Final = 35
_ADDRESS: Final = r"^[^@\s]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,24}$"

Heading = Literal["about_to_breach", "breached", "pending_validation", "unread_conversations"]


class DigestSubscription(BaseModel):
    """One group's digest: who receives it, in which languages."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    group: str = Field(min_length=1, max_length=60)
    to: tuple[Annotated[str, Field(pattern=_ADDRESS)], ...] = Field(min_length=1, max_length=20)
    languages: tuple[Language, ...] = Field(min_length=1)


class _DigestsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    digests: tuple[DigestSubscription, ...]


def load_subscriptions(folder: Path, catalogue: Catalogue) -> tuple[DigestSubscription, ...]:
    """The digests of ``digests.json`` in ``folder``; none when the file is absent.

    Raises
    ------
    ValueError
        When the file breaks its rules or names a group the catalogue does not know.
    """
    path = folder / DIGESTS_FILE
    if not path.exists():
        return ()
    found = _DigestsFile.model_validate(json.loads(path.read_text(encoding="utf-8"))).digests
    for subscription in found:
        try:
            catalogue.group(subscription.group)
        except NotFound:
            raise ValueError("digests.json names a group the catalogue does not know") from None
    if len({s.group for s in found}) != len(found):
        raise ValueError("digests.json lists a group twice")
    return found


class Mailer(Protocol):
    """Sends one plain-text email (the SES adapter)."""

    def send(self, *, to: str, subject: str, text: str) -> str:
        """Send, and answer the provider's message id."""
        ...


class UnreadConversations(Protocol):
    """The conversations a group has not opened, by request reference."""

    def of_group(self, group: str) -> list[str]:
        """The references of the requests with a conversation ``group`` has not opened."""
        ...


class InboxConversations:
    """The group's conversation inbox (``INBOX#<group>``), which the conversations keep."""

    def __init__(self, table: Table) -> None:
        self._table = table

    def of_group(self, group: str) -> list[str]:
        """One ``Query`` of the inbox, every page; a reference once per conversation."""
        found: list[str] = []
        start: dict[str, object] | None = None
        while True:
            items, start = self._table.query(
                "PK = :pk", {":pk": keys.inbox_partition(group)}, start=start
            )
            found.extend(str(item.get("reference") or "") for item in items)
            if start is None:
                return [reference for reference in found if reference]


class GroupDigest(BaseModel):
    """What one group's digest says: counts and references under each heading."""

    model_config = ConfigDict(frozen=True)

    group: str
    day: date
    counts: dict[Heading, int]
    references: dict[Heading, list[str]]


class DigestOutcome(BaseModel):
    """What the digest function did for one group."""

    model_config = ConfigDict(frozen=True)

    group: str
    outcome: Literal["sent", "already_sent", "nothing_due"]
    messages: int = 0


class DigestSender:
    """Builds and sends each subscribed group's digest once per city day."""

    def __init__(
        self,
        *,
        table: Table,
        catalogue: Catalogue,
        subscriptions: Sequence[DigestSubscription],
        mailer: Mailer,
        conversations: UnreadConversations,
        clock: Callable[[], datetime],
        shards: int,
        near_fraction: float,
        zone: ZoneInfo,
    ) -> None:
        self._table = table
        self._catalogue = catalogue
        self._subscriptions = subscriptions
        self._mailer = mailer
        self._conversations = conversations
        self._clock = clock
        self._shards = shards
        self._near = near_fraction
        self._zone = zone

    def send_due(self) -> list[DigestOutcome]:
        """Send today's digest of every group that has not had it, once the city's clock
        has passed :data:`SEND_FROM`; before then, nothing is read or sent.

        Raises
        ------
        Exception
            Whatever the mailer raised for a group; the groups before it are sent and
            claimed, that group's claim is dropped so a retry sends it.
        """
        now = self._clock()
        local = now.astimezone(self._zone)
        if local.time() < SEND_FROM:
            return [
                DigestOutcome(group=s.group, outcome="nothing_due") for s in self._subscriptions
            ]
        return [self._send(subscription, local.date(), now) for subscription in self._subscriptions]

    def build(self, group: str, day: date, now: datetime) -> GroupDigest:
        """The digest of ``group`` as the open requests and inbox stand at ``now``."""
        found: dict[Heading, list[str]] = {
            "about_to_breach": [],
            "breached": [],
            "pending_validation": [],
            "unread_conversations": [],
        }
        for item in self._open_requests(group):
            reference = str(item["reference"])
            if item.get("state") == RequestState.PENDING_VALIDATION.value:
                found["pending_validation"].append(reference)
            due = item.get("sla_due_at")
            if due:
                standing = sla_state(_time(item["created_at"]), _time(due), now, self._near)
                if standing == "breached":
                    found["breached"].append(reference)
                elif standing == "at_risk":
                    found["about_to_breach"].append(reference)
        found["unread_conversations"] = sorted(set(self._conversations.of_group(group)))
        return GroupDigest(
            group=group,
            day=day,
            counts={heading: len(refs) for heading, refs in found.items()},
            references={heading: sorted(refs)[:LISTED] for heading, refs in found.items()},
        )

    def _send(self, subscription: DigestSubscription, day: date, now: datetime) -> DigestOutcome:
        key = {"PK": f"DIGEST#{subscription.group}", "SK": f"DAY#{day.isoformat()}"}
        claimed = now.isoformat()
        try:
            self._table.put(
                Put(
                    item={
                        **key,
                        "type": "digest",
                        "status": "sending",
                        "claimed_at": claimed,
                        "expires_at": int((now + timedelta(days=_CLAIM_DAYS)).timestamp()),
                    }
                )
            )
        except Conflict:
            return DigestOutcome(group=subscription.group, outcome="already_sent")
        digest = self.build(subscription.group, day, now)
        subject, text = digest_text(digest, self._catalogue, subscription.languages)
        try:
            ids = [self._mailer.send(to=to, subject=subject, text=text) for to in subscription.to]
        except Exception:
            self._table.delete(
                Delete(key=key, condition="claimed_at = :claimed", values={":claimed": claimed})
            )
            raise
        self._table.update(
            Update(
                key=key,
                expression="SET #status = :sent, message_ids = :ids",
                condition="claimed_at = :claimed",
                names={"#status": "status"},
                values={":sent": "sent", ":ids": ids, ":claimed": claimed},
            )
        )
        return DigestOutcome(group=subscription.group, outcome="sent", messages=len(ids))

    def _open_requests(self, group: str) -> Iterable[Item]:
        queues = [group, *(g.code for g in self._catalogue.groups_under(group))]
        low, high = f"{keys.OPEN_STAGE}#", f"{keys.OPEN_STAGE}#~"
        for queue in queues:
            for shard in range(self._shards):
                start: dict[str, object] | None = None
                while True:
                    items, start = self._table.query(
                        "GSI2PK = :pk AND GSI2SK BETWEEN :low AND :high",
                        {":pk": f"QUEUE#{queue}#{shard}", ":low": low, ":high": high},
                        index="GSI2",
                        start=start,
                    )
                    yield from items
                    if start is None:
                        break


_WORDS: Final[dict[Language, dict[str, str]]] = {
    Language.CA: {
        "subject": "Resum diari",
        "about_to_breach": "A punt d'exhaurir el termini",
        "breached": "Fora de termini",
        "pending_validation": "Pendents de validar",
        "unread_conversations": "Converses sense llegir",
        "none": "cap",
        "more": "i {n} més",
    },
    Language.ES: {
        "subject": "Resumen diario",
        "about_to_breach": "A punto de agotar el plazo",
        "breached": "Fuera de plazo",
        "pending_validation": "Pendientes de validar",
        "unread_conversations": "Conversaciones sin leer",
        "none": "ninguna",
        "more": "y {n} más",
    },
    Language.EN: {
        "subject": "Daily digest",
        "about_to_breach": "About to breach their SLA",
        "breached": "Past their SLA",
        "pending_validation": "Pending validation",
        "unread_conversations": "Unread conversations",
        "none": "none",
        "more": "and {n} more",
    },
}
_HEADINGS: Final[tuple[Heading, ...]] = (
    "about_to_breach",
    "breached",
    "pending_validation",
    "unread_conversations",
)


def digest_text(
    digest: GroupDigest, catalogue: Catalogue, languages: Sequence[Language]
) -> tuple[str, str]:
    """The subject (in the first language) and the body (a part per language)."""
    group = catalogue.group(digest.group).names
    first = languages[0]
    subject = f"Finestra · {_WORDS[first]['subject']} · {group.in_(first)} · {digest.day}"
    parts = []
    for language in languages:
        words = _WORDS[language]
        lines = [f"{words['subject']} · {group.in_(language)} · {digest.day}", ""]
        for heading in _HEADINGS:
            count = digest.counts[heading]
            listed = digest.references[heading]
            lines.append(f"{words[heading]}: {count}")
            lines.append("  " + (", ".join(listed) if listed else words["none"]))
            if count > len(listed):
                lines.append("  " + words["more"].format(n=count - len(listed)))
        parts.append("\n".join(lines))
    return subject, "\n\n----\n\n".join(parts) + "\n"


def _time(value: object) -> datetime:
    return datetime.fromisoformat(str(value)).astimezone(UTC)
