"""Campaigns, their batches and recipients, and the counts of recipients per state.

Items (one table):

- the campaign: ``CAMPAIGNS`` / ``CAMPAIGN#<id>``, so listing the city's campaigns is
  one ``Query``; it holds the plan cursor (``cursor``, ``batches``) and the counts the
  planner wrote (``counts``);
- count shards: ``CAMPAIGN#<id>`` / ``COUNT#<nn>``, one number per recipient state that
  each change of a recipient moves (``ADD``), the shard picked by the citizen id, so no
  one item takes every write of a campaign of 100,000;
- batches: ``CAMPAIGN#<id>`` / ``BATCH#<nnnnnn>``, written by the sender only when it
  holds a batch (quiet hours, a pause) or finishes it;
- recipients: ``RECIPIENTS#<id>#<nnnnnn>`` / ``<citizen id>``, at most 99 a batch;
- rate tokens: ``CAMPAIGN#<id>`` / ``RATE#<epoch second>``, with a TTL;
- the message index: ``MESSAGE#<provider id>`` / ``MESSAGE`` → campaign, batch, citizen;
- the send lock: ``CITIZEN#<id>`` / ``SENDING``, held from the claim to the send's
  record, which a consent withdrawal waits for.

The counts of a campaign are the planner's counts plus every shard's, so ``planned``
falls as recipients reach a final state; ``sending`` is not counted.
"""

import zlib
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, Final

from pydantic import ValidationError

from finestra.domain.campaign import (
    Campaign,
    CampaignDraft,
    CampaignState,
    Recipient,
    RecipientState,
)
from finestra.domain.errors import Conflict, NotFound
from finestra.storage.table import Check, Delete, Item, Put, Table, TransactionConflict, Update

__all__ = [
    "COUNT_SHARDS",
    "CampaignStore",
    "batch_key",
    "campaign_key",
    "lock_key",
    "message_key",
    "recipients_pk",
]

COUNT_SHARDS: Final = 16
LISTING: Final = "CAMPAIGNS"
TOKEN_DAYS: Final = 1
LOCK_SECONDS: Final = 30
"""How long a claim keeps the citizen's send lock if the sender stops before recording."""


def campaign_key(campaign_id: str) -> dict[str, str]:
    """Key of a campaign."""
    return {"PK": LISTING, "SK": f"CAMPAIGN#{campaign_id}"}


def batch_key(campaign_id: str, batch: int) -> dict[str, str]:
    """Key of one batch's item."""
    return {"PK": f"CAMPAIGN#{campaign_id}", "SK": f"BATCH#{batch:06d}"}


def recipients_pk(campaign_id: str, batch: int) -> str:
    """Partition of one batch's recipients."""
    return f"RECIPIENTS#{campaign_id}#{batch:06d}"


def recipient_key(campaign_id: str, batch: int, citizen_id: str) -> dict[str, str]:
    """Key of one recipient."""
    return {"PK": recipients_pk(campaign_id, batch), "SK": citizen_id}


def count_key(campaign_id: str, shard: int) -> dict[str, str]:
    """Key of one count shard."""
    return {"PK": f"CAMPAIGN#{campaign_id}", "SK": f"COUNT#{shard:02d}"}


def message_key(message_id: str) -> dict[str, str]:
    """Key of the index item of one provider message id."""
    return {"PK": f"MESSAGE#{message_id}", "SK": "MESSAGE"}


def lock_key(citizen_id: str) -> dict[str, str]:
    """Key of a citizen's send lock."""
    return {"PK": f"CITIZEN#{citizen_id}", "SK": "SENDING"}


def _owner(recipient: Recipient) -> str:
    return f"{recipient.campaign_id}#{recipient.batch:06d}#{recipient.citizen_id}"


def shard_of(citizen_id: str) -> int:
    """The count shard a citizen's changes go to."""
    return zlib.crc32(citizen_id.encode()) % COUNT_SHARDS


class CampaignStore:
    """Reads and writes campaigns and recipients, every change conditional."""

    def __init__(self, table: Table) -> None:
        self._table = table

    @property
    def table(self) -> Table:
        """The table the store writes to."""
        return self._table

    def create(self, campaign: Campaign) -> None:
        """Store a new campaign, its counts at zero."""
        counts = {state.value: 0 for state in RecipientState}
        item = {
            **campaign_key(campaign.id),
            "type": "campaign",
            **campaign.model_dump(mode="json", exclude={"counts"}),
            "counts": counts,
        }
        self._table.put(Put(item=item))

    def get(self, campaign_id: str, *, consistent: bool = False) -> Campaign:
        """One campaign with its counts.

        Raises
        ------
        NotFound
            When no campaign has the id.
        """
        item = self._table.get(campaign_key(campaign_id), consistent=consistent)
        if item is None:
            raise NotFound("no campaign has this id", field="campaign_id")
        return self._campaign(item, self._shards(campaign_id))

    def every(self) -> list[Campaign]:
        """Every campaign, newest first, with its counts."""
        return [self._campaign(item, self._shards(str(item["id"]))) for item in self._items()]

    def _listed(self) -> list[Campaign]:
        return [self._campaign(item, {}) for item in self._items()]

    def _items(self) -> list[Item]:
        items: list[Item] = []
        start: dict[str, Any] | None = None
        while True:
            page, start = self._table.query(
                "PK = :pk AND begins_with(SK, :prefix)",
                {":pk": LISTING, ":prefix": "CAMPAIGN#"},
                forward=False,
                start=start,
            )
            items.extend(page)
            if start is None:
                return items

    def uses_segment(self, segment_id: str) -> bool:
        """Whether a campaign that has not ended uses ``segment_id``."""
        ended = {CampaignState.COMPLETED, CampaignState.CANCELLED}
        return any(c.segment_id == segment_id and c.state not in ended for c in self._listed())

    def replace(self, campaign: Campaign, version: int) -> Campaign:
        """Store an edited draft, if it is still a draft at ``version``."""
        fields = {*CampaignDraft.model_fields, "updated_at"}
        data = campaign.model_dump(mode="json", include=fields)
        kept = {k: v for k, v in data.items() if v is not None}
        cleared = [k for k, v in data.items() if v is None]
        names = {f"#f{i}": name for i, name in enumerate([*kept, *cleared])}
        values: Item = {f":f{i}": value for i, value in enumerate(kept.values())}
        expression = "SET " + ", ".join(f"#f{i} = :f{i}" for i in range(len(kept)))
        if cleared:
            expression += " REMOVE " + ", ".join(
                f"#f{i}" for i in range(len(kept), len(kept) + len(cleared))
            )
        names["#state"] = "state"
        values.update({":version": version, ":draft": CampaignState.DRAFT.value, ":one": 1})
        item = self._table.update(
            Update(
                key=campaign_key(campaign.id),
                expression=f"{expression} ADD version :one",
                condition="version = :version AND #state = :draft",
                names=names,
                values=values,
            )
        )
        return self._campaign(item, {})

    def move(
        self,
        campaign_id: str,
        allowed: Iterable[CampaignState],
        to: CampaignState,
        at: datetime,
        *,
        version: int | None = None,
    ) -> Campaign:
        """Move a campaign from one of ``allowed`` to ``to``, on ``version`` when given.

        Raises
        ------
        Conflict
            When the campaign is in another state or at another version.
        """
        names = {"#state": "state"}
        values: Item = {":to": to.value, ":at": at.isoformat(), ":one": 1}
        states = []
        for i, state in enumerate(sorted(allowed)):
            values[f":s{i}"] = state.value
            states.append(f":s{i}")
        condition = f"#state IN ({', '.join(states)})"
        if version is not None:
            condition += " AND version = :version"
            values[":version"] = version
        item = self._table.update(
            Update(
                key=campaign_key(campaign_id),
                expression="SET #state = :to, updated_at = :at ADD version :one",
                condition=condition,
                names=names,
                values=values,
            )
        )
        return self._campaign(item, {})

    def plan_batch(
        self, campaign: Campaign, batch: int, recipients: Sequence[Recipient], at: datetime
    ) -> None:
        """Write one batch's recipients and move the plan cursor past them, all or none.

        Raises
        ------
        Conflict
            When the cursor is no longer where this batch starts (another planner ran).
        """
        planned = sum(r.state is RecipientState.PLANNED for r in recipients)
        opted_out = sum(r.state is RecipientState.OPTED_OUT for r in recipients)
        writes: list[Put | Update | Delete | Check] = [
            Put(
                item={
                    **recipient_key(campaign.id, batch, r.citizen_id),
                    "type": "campaign_recipient",
                    **r.model_dump(mode="json"),
                }
            )
            for r in recipients
        ]
        values: Item = {
            ":batch": batch,
            ":next": batch + 1,
            ":last": recipients[-1].citizen_id,
            ":planned": planned,
            ":opted": opted_out,
            ":at": at.isoformat(),
            ":planning": CampaignState.PLANNING.value,
        }
        condition = "batches = :batch AND #state = :planning"
        writes.append(
            Update(
                key=campaign_key(campaign.id),
                expression="SET batches = :next, #cursor = :last, updated_at = :at "
                "ADD #counts.#planned :planned, #counts.#opted :opted",
                condition=condition,
                names={
                    "#state": "state",
                    "#cursor": "cursor",
                    "#counts": "counts",
                    "#planned": RecipientState.PLANNED.value,
                    "#opted": RecipientState.OPTED_OUT.value,
                },
                values=values,
            )
        )
        try:
            self._table.transact(writes)
        except TransactionConflict as exc:
            raise Conflict("the campaign's plan moved on meanwhile") from exc

    def recipients(self, campaign_id: str, batch: int) -> list[Recipient]:
        """Every recipient of one batch, read consistently."""
        items: list[Item] = []
        start: dict[str, Any] | None = None
        while True:
            page, start = self._table.query(
                "PK = :pk", {":pk": recipients_pk(campaign_id, batch)}, start=start
            )
            items.extend(page)
            if start is None:
                break
        return [Recipient.model_validate(item) for item in items]

    def recipient(self, campaign_id: str, batch: int, citizen_id: str) -> Recipient | None:
        """One recipient, read consistently."""
        item = self._table.get(recipient_key(campaign_id, batch, citizen_id), consistent=True)
        return Recipient.model_validate(item) if item else None

    def page(
        self, campaign_id: str, state: RecipientState | None, batch: int, limit: int
    ) -> tuple[list[Recipient], int | None]:
        """Up to ``limit`` recipients from ``batch`` on, in ``state`` if given.

        Returns the recipients and the batch to go on from (``None`` at the end).
        """
        campaign = self.get(campaign_id)
        found: list[Recipient] = []
        current = batch
        while current < campaign.batches and len(found) < limit:
            found.extend(
                r for r in self.recipients(campaign_id, current) if state in (None, r.state)
            )
            current += 1
        return found, current if current < campaign.batches else None

    def claim(
        self,
        recipient: Recipient,
        citizen_version: int,
        at: datetime,
        citizen_key: dict[str, str],
        *,
        holder: str,
    ) -> None:
        """Take a planned recipient for sending, if the citizen's profile is unchanged.

        The claim also takes the citizen's send lock, which a consent withdrawal waits
        for, so a withdrawal acknowledged before the claim fails it, and one asked for
        after it is acknowledged only once the message is recorded.

        Raises
        ------
        Conflict
            When the recipient is no longer planned, the profile changed since it was
            read, or another message to the citizen is being sent.
        """
        until = int((at + timedelta(seconds=LOCK_SECONDS)).timestamp())
        writes: list[Put | Update | Delete | Check] = [
            Update(
                key=recipient_key(recipient.campaign_id, recipient.batch, recipient.citizen_id),
                expression="SET #state = :sending, #at = :at",
                condition="#state = :planned",
                names={"#state": "state", "#at": "at"},
                values={
                    ":sending": RecipientState.SENDING.value,
                    ":planned": RecipientState.PLANNED.value,
                    ":at": at.isoformat(),
                },
            ),
            Check(key=citizen_key, condition="version = :v", values={":v": citizen_version}),
            Put(
                item={
                    **lock_key(holder),
                    "type": "send_lock",
                    "lock_owner": _owner(recipient),
                    "lock_until": until,
                    "expires_at": until + 3600,
                },
                condition="attribute_not_exists(PK) OR lock_until < :now",
                values={":now": int(at.timestamp())},
            ),
        ]
        try:
            self._table.transact(writes)
        except TransactionConflict as exc:
            raise Conflict("the recipient or the citizen changed meanwhile") from exc

    def mark_sent(self, recipient: Recipient, message_id: str, at: datetime) -> None:
        """Record a sent message, its index item and the count."""
        index = {
            **message_key(message_id),
            "type": "campaign_message",
            "campaign_id": recipient.campaign_id,
            "batch": recipient.batch,
            "citizen_id": recipient.citizen_id,
            "channel": recipient.channel,
            "at": at.isoformat(),
        }
        writes: list[Put | Update | Delete | Check] = [
            self._recipient_move(
                recipient,
                RecipientState.SENDING,
                RecipientState.SENT,
                at,
                {"message_id": message_id},
            ),
            self._count(recipient, RecipientState.PLANNED, RecipientState.SENT),
            Put(item=index),
        ]
        self._table.transact(writes)

    def mark(
        self,
        recipient: Recipient,
        from_states: Iterable[RecipientState],
        to: RecipientState,
        at: datetime,
        reason: str | None = None,
        *,
        counted_from: RecipientState | None = None,
    ) -> bool:
        """Move a recipient from one of ``from_states`` to ``to``; ``False`` if it was not.

        ``counted_from`` is the state the counts move it from (the recipient's own by
        default; ``planned`` for a recipient that was ``sending``, which is not counted).
        """
        sources = tuple(from_states)
        writes: list[Put | Update | Delete | Check] = [
            self._recipient_move(recipient, sources, to, at, {"reason": reason}),
            self._count(recipient, counted_from or recipient.state, to),
        ]
        try:
            self._table.transact(writes)
        except TransactionConflict:
            return False
        return True

    def release(self, recipient: Recipient, holder: str) -> None:
        """Give back the send lock the claim of ``recipient`` took on ``holder``, if held."""
        try:
            self._table.delete(
                Delete(
                    key=lock_key(holder),
                    condition="lock_owner = :owner",
                    values={":owner": _owner(recipient)},
                )
            )
        except Conflict:
            return

    def hold_batch(self, campaign_id: str, batch: int, reason: str, until: datetime) -> None:
        """Leave a batch for the ticker to queue again at ``until``."""
        self._table.update(
            Update(
                key=batch_key(campaign_id, batch),
                expression="SET #state = :held, #reason = :reason, #until = :until, "
                "campaign_id = :cid, #batch = :batch, #type = :type",
                condition="attribute_not_exists(#state) OR #state <> :done",
                names={
                    "#state": "state",
                    "#reason": "reason",
                    "#until": "until",
                    "#batch": "batch",
                    "#type": "type",
                },
                values={
                    ":held": "held",
                    ":done": "done",
                    ":reason": reason,
                    ":until": until.isoformat(),
                    ":cid": campaign_id,
                    ":batch": batch,
                    ":type": "campaign_batch",
                },
            )
        )

    def finish_batch(self, campaign_id: str, batch: int, at: datetime) -> bool:
        """Mark a batch done and count it on the campaign, once; ``False`` if it was."""
        writes: list[Put | Update | Delete | Check] = [
            Update(
                key=batch_key(campaign_id, batch),
                expression="SET #state = :done, done_at = :at, campaign_id = :cid, "
                "#batch = :batch, #type = :type",
                condition="attribute_not_exists(#state) OR #state <> :done",
                names={"#state": "state", "#batch": "batch", "#type": "type"},
                values={
                    ":done": "done",
                    ":at": at.isoformat(),
                    ":cid": campaign_id,
                    ":batch": batch,
                    ":type": "campaign_batch",
                },
            ),
            Update(
                key=campaign_key(campaign_id),
                expression="ADD batches_done :one",
                condition="attribute_exists(PK)",
                values={":one": 1},
            ),
        ]
        try:
            self._table.transact(writes)
        except TransactionConflict:
            return False
        return True

    def complete_if_done(self, campaign_id: str, at: datetime) -> bool:
        """Mark a running campaign ``completed`` once every batch is done; ``False`` if not.

        One conditional ``UpdateItem`` comparing the campaign's two counters, so the sender
        that finishes the last batch completes it, and a campaign still planning (whose
        ``batches`` may yet grow) or paused is left alone.
        """
        try:
            self._table.update(
                Update(
                    key=campaign_key(campaign_id),
                    expression="SET #state = :done, updated_at = :at ADD version :one",
                    condition="#state = :running AND (batches_done >= batches "
                    "OR (attribute_not_exists(batches_done) AND batches = :none))",
                    names={"#state": "state"},
                    values={
                        ":done": CampaignState.COMPLETED.value,
                        ":running": CampaignState.RUNNING.value,
                        ":at": at.isoformat(),
                        ":one": 1,
                        ":none": 0,
                    },
                )
            )
        except Conflict:
            return False
        return True

    def held_batches(self, campaign_id: str) -> list[Item]:
        """The batches the sender left: ``batch``, ``reason`` (quiet_hours, paused), ``until``."""
        found: list[Item] = []
        start: dict[str, Any] | None = None
        while True:
            page, start = self._table.query(
                "PK = :pk AND begins_with(SK, :prefix)",
                {":pk": f"CAMPAIGN#{campaign_id}", ":prefix": "BATCH#", ":held": "held"},
                filter_expression="#state = :held",
                names={"#state": "state"},
                start=start,
            )
            found.extend(page)
            if start is None:
                return found

    def release_batch(self, campaign_id: str, batch: int) -> bool:
        """Take a held batch back to be queued; ``False`` if it was not held."""
        try:
            self._table.update(
                Update(
                    key=batch_key(campaign_id, batch),
                    expression="SET #state = :queued",
                    condition="#state = :held",
                    names={"#state": "state"},
                    values={":queued": "queued", ":held": "held"},
                )
            )
        except Conflict:
            return False
        return True

    def take_token(self, key: str, second: int, cap: int) -> bool:
        """Take one of ``cap`` sends of the epoch ``second`` for ``key``; ``False`` if none."""
        try:
            self._table.update(
                Update(
                    key={"PK": f"CAMPAIGN#{key}", "SK": f"RATE#{second}"},
                    expression="ADD used :one SET expires_at = :expires",
                    condition="attribute_not_exists(used) OR used < :cap",
                    values={
                        ":one": 1,
                        ":cap": cap,
                        ":expires": second + TOKEN_DAYS * 86400,
                    },
                )
            )
        except Conflict:
            return False
        return True

    def message(self, message_id: str) -> Item | None:
        """The index item of a provider message id."""
        return self._table.get(message_key(message_id))

    def _recipient_move(
        self,
        recipient: Recipient,
        from_states: RecipientState | Sequence[RecipientState],
        to: RecipientState,
        at: datetime,
        changes: Item,
    ) -> Update:
        sources = [from_states] if isinstance(from_states, RecipientState) else from_states
        values: Item = {":to": to.value, ":at": at.isoformat()}
        names = {"#state": "state", "#at": "at"}
        assignments = ["#state = :to", "#at = :at"]
        for i, (name, value) in enumerate(changes.items()):
            if value is None:
                continue
            names[f"#c{i}"] = name
            values[f":c{i}"] = value
            assignments.append(f"#c{i} = :c{i}")
        placeholders = []
        for i, state in enumerate(sources):
            values[f":from{i}"] = state.value
            placeholders.append(f":from{i}")
        return Update(
            key=recipient_key(recipient.campaign_id, recipient.batch, recipient.citizen_id),
            expression=f"SET {', '.join(assignments)}",
            condition=f"#state IN ({', '.join(placeholders)})",
            names=names,
            values=values,
        )

    def _count(self, recipient: Recipient, before: RecipientState, after: RecipientState) -> Update:
        return Update(
            key=count_key(recipient.campaign_id, shard_of(recipient.citizen_id)),
            expression="ADD #before :minus, #after :plus",
            condition="attribute_not_exists(PK) OR attribute_exists(PK)",
            names={"#before": before.value, "#after": after.value},
            values={":minus": -1, ":plus": 1},
        )

    def _shards(self, campaign_id: str) -> dict[str, int]:
        items, _ = self._table.query(
            "PK = :pk AND begins_with(SK, :prefix)",
            {":pk": f"CAMPAIGN#{campaign_id}", ":prefix": "COUNT#"},
        )
        totals: dict[str, int] = {}
        for item in items:
            for state in RecipientState:
                totals[state.value] = totals.get(state.value, 0) + int(item.get(state.value, 0))
        return totals

    def _campaign(self, item: Item, shards: dict[str, int]) -> Campaign:
        base = item.get("counts") or {}
        counts = {
            state: int(base.get(state.value, 0)) + shards.get(state.value, 0)
            for state in RecipientState
            if state is not RecipientState.SENDING
        }
        try:
            return Campaign.model_validate({**item, "counts": counts})
        except ValidationError as exc:
            raise Conflict("a stored campaign no longer reads as one") from exc
