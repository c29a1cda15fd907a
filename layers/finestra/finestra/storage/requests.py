"""Requests, their history, and the references that name them."""

import threading
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from datetime import datetime
from typing import Any, Final

from finestra.domain.errors import Conflict
from finestra.domain.request import Attachment, Interaction, Request, SystemStatus
from finestra.domain.vocabulary import FINAL_STATES, Priority, RequestState
from finestra.storage import keys
from finestra.storage.table import Check, Delete, Item, Put, Table, Update

_LINK_LISTS: Final = frozenset({"joined", "parts", "claims"})
"""Lists of linked requests, stored only once they hold a reference."""

ERASED_TEXT: Final = "[erased]"
"""What an erased request's description says instead of the citizen's words."""


class RequestStore:
    """Reads and writes requests and their interactions."""

    def __init__(self, table: Table, *, shards: int) -> None:
        self._table = table
        self._shards = shards

    def get(self, reference: str) -> Request | None:
        """The request named ``reference``."""
        item = self._table.get(keys.request(reference))
        return _request(item) if item else None

    def many(self, references: Sequence[str]) -> list[Request]:
        """The requests of ``references`` that exist, in no order (``BatchGetItem`` per 100)."""
        found: list[Request] = []
        for first in range(0, len(references), 100):
            chunk = references[first : first + 100]
            found += [_request(i) for i in self._table.batch_get([keys.request(r) for r in chunk])]
        return found

    def history(self, reference: str) -> list[Interaction]:
        """Every interaction of a request in order, starting with the one that created it."""
        items: list[Item] = []
        start: dict[str, Any] | None = None
        while True:
            page, start = self._table.query(
                "PK = :pk", {":pk": f"REQUEST#{reference}"}, start=start
            )
            items.extend(page)
            if start is None:
                break
        entries = [
            Interaction.model_validate(_fields(i, Interaction))
            for i in items
            if i["type"] == "interaction"
        ]
        origin = [_request(i).origin for i in items if i["type"] == "request"]
        return origin + entries

    def of_citizen(self, citizen_id: str, limit: int = 25) -> list[dict[str, Any]]:
        """The citizen's latest requests, newest first, as index projections."""
        items, _ = self._table.query(
            "GSI1PK = :pk",
            {":pk": f"CITIZEN#{citizen_id}"},
            index="GSI1",
            forward=False,
            limit=limit,
        )
        return items

    def creation(self, request: Request) -> Put:
        """The write that stores a new request, refusing a reference already taken."""
        return Put(item=self._item(request))

    def reply(
        self,
        request: Request,
        interaction: Interaction,
        *,
        flag: str,
        new_state: RequestState | None,
    ) -> list[Put | Update]:
        """Writes that add ``interaction`` and raise ``flag``, if ``request`` is unchanged."""
        expression = "SET updated_at = :now, version = version + :one ADD flags :flag"
        values: Item = {
            ":now": interaction.at.isoformat(),
            ":one": 1,
            ":flag": {flag},
            ":version": request.version,
        }
        if new_state is not None:
            order = (request.sla_due_at or request.created_at).isoformat()
            queue = keys.queue_index(
                request.responsible_group, new_state.value, order, request.reference, self._shards
            )
            expression = "SET #state = :state, GSI2SK = :queue, " + expression.removeprefix("SET ")
            values[":state"] = new_state.value
            values[":queue"] = queue["GSI2SK"]
        update = Update(
            key=keys.request(request.reference),
            expression=expression,
            condition="version = :version",
            names={"#state": "state"} if new_state is not None else None,
            values=values,
        )
        return [self._interaction_put(request.reference, interaction), update]

    def save(self, write: Put) -> None:
        """Apply one write built by this store."""
        self._table.put(write)

    def classify(
        self, request: Request, theme_code: str, request_type: str, confidence: float
    ) -> None:
        """Give an unclassified request its theme, if nobody changed it meanwhile."""
        self._table.update(
            Update(
                key=keys.request(request.reference),
                expression="SET theme_code = :theme, request_type = :type, "
                "classification_confidence = :confidence, version = version + :one",
                condition="version = :version AND attribute_not_exists(theme_code)",
                values={
                    ":theme": theme_code,
                    ":type": request_type,
                    ":confidence": confidence,
                    ":one": 1,
                    ":version": request.version,
                },
            )
        )

    def record_backoffice(self, reference: str, statuses: dict[str, SystemStatus]) -> None:
        """Keep how each back-office system answered (the data itself is in snapshots)."""
        self._table.update(
            Update(
                key=keys.request(reference),
                expression="SET backoffice = :statuses",
                condition="attribute_exists(PK)",
                values={
                    ":statuses": {
                        k: v.model_dump(mode="json", exclude_none=True) for k, v in statuses.items()
                    }
                },
            )
        )

    def route(
        self,
        request: Request,
        *,
        group: str,
        priority: str,
        sla_due_at: datetime,
        duplicate_of: str | None,
        flags: set[str],
        at: datetime,
        geo_cell: str | None,
        unless_flagged: str,
    ) -> None:
        """Give the request its group, priority and due time, and index it for each view.

        Refused (a :class:`Conflict`) if the request changed since it was read, or carries
        ``unless_flagged``: a request handed over on failure stays where it was handed.
        """
        reference, due = request.reference, sla_due_at.isoformat()
        index: Item = {
            **keys.queue_index(group, request.state.value, due, reference, self._shards),
        }
        if request.state not in FINAL_STATES:
            index.update(keys.due_index(due, reference, self._shards))
        if request.theme_code and geo_cell:
            index.update(
                keys.geo_index(
                    request.theme_code, geo_cell, request.created_at.isoformat(), reference
                )
            )
        assignments = ", ".join(f"{name} = :{name}" for name in index)
        values: Item = {f":{name}": value for name, value in index.items()}
        values.update(
            {
                ":group": group,
                ":priority": priority,
                ":due": due,
                ":at": at.isoformat(),
                ":one": 1,
                ":version": request.version,
                ":unless": unless_flagged,
            }
        )
        expression = (
            f"SET responsible_group = :group, priority = :priority, "
            f"sla_due_at = :due, routed_at = :at, updated_at = :at, {assignments}, "
            "version = version + :one"
        )
        if duplicate_of:
            expression += ", duplicate_of = :duplicate"
            values[":duplicate"] = duplicate_of
        if flags:
            expression += " ADD flags :flags"
            values[":flags"] = flags
        self._table.update(
            Update(
                key=keys.request(reference),
                expression=expression,
                condition="version = :version AND NOT contains(flags, :unless)",
                values=values,
            )
        )

    def acknowledged(self, request: Request, interaction: Interaction) -> None:
        """Record the acknowledgement sent, once: a second record is a :class:`Conflict`."""
        self._table.transact(
            [
                self._interaction_put(request.reference, interaction),
                Update(
                    key=keys.request(request.reference),
                    expression="SET acknowledged_at = :at",
                    condition="attribute_not_exists(acknowledged_at)",
                    values={":at": interaction.at.isoformat()},
                ),
            ]
        )

    def flag(self, reference: str, flag: str, *, at: datetime) -> None:
        """Raise ``flag`` on a request.

        The version moves on, so a task that read the request before (a retried or
        timed-out one still running) cannot overwrite what the flag means.
        """
        self._table.update(
            Update(
                key=keys.request(reference),
                expression="SET updated_at = :at ADD flags :flag, version :one",
                condition="attribute_exists(PK)",
                values={":at": at.isoformat(), ":flag": {flag}, ":one": 1},
            )
        )

    def hand_over(
        self, request: Request, *, group: str, flag: str, cause: str, at: datetime
    ) -> None:
        """Give ``request`` to ``group`` with a flag and its cause, in that group's worklist."""
        order = (request.sla_due_at or request.created_at).isoformat()
        queue = keys.queue_index(group, request.state.value, order, request.reference, self._shards)
        self._table.update(
            Update(
                key=keys.request(request.reference),
                expression="SET updated_at = :at, responsible_group = :group, "
                "triage_cause = :cause, GSI2PK = :pk, GSI2SK = :sk ADD flags :flag, version :one",
                condition="attribute_exists(PK)",
                values={
                    ":at": at.isoformat(),
                    ":group": group,
                    ":cause": cause,
                    ":pk": queue["GSI2PK"],
                    ":sk": queue["GSI2SK"],
                    ":flag": {flag},
                    ":one": 1,
                },
            )
        )

    def change_state(
        self,
        request: Request,
        interaction: Interaction,
        *,
        new_state: RequestState,
        alongside: Sequence[Check | Delete] = (),
        duplicate_of: str | None = None,
    ) -> None:
        """Move ``request`` to ``new_state`` and record ``interaction``, both or neither.

        The worklist index follows the state; a request that ends leaves the due-time
        index. Refused (a :class:`Conflict`) if the request changed since it was read.
        ``alongside`` joins the transaction (a lock's check, say) and must hold too.
        """
        order = (request.sla_due_at or request.created_at).isoformat()
        queue = keys.queue_index(
            request.responsible_group, new_state.value, order, request.reference, self._shards
        )
        expression = "SET #state = :state, GSI2SK = :queue, updated_at = :at, version = :next"
        extra: Item = {":duplicate": duplicate_of} if duplicate_of else {}
        if duplicate_of:
            expression += ", duplicate_of = :duplicate"
        if new_state in FINAL_STATES:
            expression += " REMOVE GSI3PK, GSI3SK"
        update = Update(
            key=keys.request(request.reference),
            expression=expression,
            condition="version = :version AND #state = :from",
            names={"#state": "state"},
            values={
                ":state": new_state.value,
                ":from": request.state.value,
                ":queue": queue["GSI2SK"],
                ":at": interaction.at.isoformat(),
                ":next": request.version + 1,
                ":version": request.version,
                **extra,
            },
        )
        self._table.transact(
            [self._interaction_put(request.reference, interaction), update, *alongside]
        )

    def reassign(
        self,
        request: Request,
        interaction: Interaction,
        *,
        group: str,
        agent: str | None,
        alongside: Sequence[Check | Delete] = (),
        flag: str | None = None,
    ) -> None:
        """Give ``request`` to ``group`` (and ``agent``, or nobody) and record why.

        The request's worklist index moves to the group's queue in the same write, so
        the request is never in two worklists or none. The group it leaves joins its
        ``former_groups``; ``flag``, if given, is raised in the same write.
        """
        order = (request.sla_due_at or request.created_at).isoformat()
        queue = keys.queue_index(group, request.state.value, order, request.reference, self._shards)
        expression = (
            "SET responsible_group = :group, GSI2PK = :pk, GSI2SK = :sk, updated_at = :at, "
            "version = :next"
        )
        values: Item = {
            ":group": group,
            ":pk": queue["GSI2PK"],
            ":sk": queue["GSI2SK"],
            ":at": interaction.at.isoformat(),
            ":next": request.version + 1,
            ":version": request.version,
        }
        if agent is None:
            expression += " REMOVE assigned_agent"
        else:
            expression += ", assigned_agent = :agent"
            values[":agent"] = agent
        expression += " ADD former_groups :former"
        values[":former"] = {request.responsible_group}
        if flag is not None:
            expression += ", flags :flag"
            values[":flag"] = {flag}
        update = Update(
            key=keys.request(request.reference),
            expression=expression,
            condition="version = :version",
            values=values,
        )
        self._table.transact(
            [self._interaction_put(request.reference, interaction), update, *alongside]
        )

    def set_priority(
        self,
        request: Request,
        interaction: Interaction,
        *,
        priority: Priority,
        alongside: Sequence[Check | Delete] = (),
    ) -> None:
        """Give ``request`` a new priority and record the change, if nobody changed it."""
        update = Update(
            key=keys.request(request.reference),
            expression="SET priority = :priority, updated_at = :at, version = :next",
            condition="version = :version",
            values={
                ":priority": priority.value,
                ":at": interaction.at.isoformat(),
                ":next": request.version + 1,
                ":version": request.version,
            },
        )
        self._table.transact(
            [self._interaction_put(request.reference, interaction), update, *alongside]
        )

    def annotate(
        self,
        request: Request,
        interaction: Interaction,
        *,
        alongside: Sequence[Check | Delete] = (),
    ) -> None:
        """Add a note (or a file) to the request's history; the request itself stays."""
        update = Update(
            key=keys.request(request.reference),
            expression="SET updated_at = :at",
            condition="attribute_exists(PK)",
            values={":at": interaction.at.isoformat()},
        )
        self._table.transact(
            [self._interaction_put(request.reference, interaction), update, *alongside]
        )

    def clear_flag(
        self,
        request: Request,
        interaction: Interaction,
        *,
        flag: str,
        alongside: Sequence[Check | Delete] = (),
    ) -> None:
        """Lower ``flag`` and record who did, if it is raised and nobody changed the request."""
        update = Update(
            key=keys.request(request.reference),
            expression="SET updated_at = :at, version = :next DELETE flags :flag",
            condition="version = :version AND contains(flags, :raised)",
            values={
                ":at": interaction.at.isoformat(),
                ":next": request.version + 1,
                ":version": request.version,
                ":flag": {flag},
                ":raised": flag,
            },
        )
        self._table.transact(
            [self._interaction_put(request.reference, interaction), update, *alongside]
        )

    def record_reply(
        self, request: Request, interaction: Interaction, *, answered: AbstractSet[str]
    ) -> None:
        """Record a message sent to the citizen and lower the flags it answers."""
        expression = "SET updated_at = :at"
        values: Item = {":at": interaction.at.isoformat()}
        if answered:
            expression += " DELETE flags :answered"
            values[":answered"] = set(answered)
        update = Update(
            key=keys.request(request.reference),
            expression=expression,
            condition="attribute_exists(PK)",
            values=values,
        )
        self._table.transact([self._interaction_put(request.reference, interaction), update])

    def retheme(
        self,
        request: Request,
        interaction: Interaction,
        *,
        theme_code: str,
        request_type: str,
        group: str,
        priority: Priority,
        sla_due_at: datetime,
        geo_cell: str | None,
        cleared_flags: AbstractSet[str],
        alongside: Sequence[Check | Delete] = (),
    ) -> None:
        """Give ``request`` a corrected theme and route it again, indexes and all.

        The worklist, due-time and duplicate-search indexes follow the new theme, its
        group and its due time in the same write. Refused (a :class:`Conflict`) if the
        request changed since it was read.
        """
        reference, due = request.reference, sla_due_at.isoformat()
        index: Item = {
            **keys.queue_index(group, request.state.value, due, reference, self._shards),
            **keys.due_index(due, reference, self._shards),
        }
        if geo_cell:
            index.update(
                keys.geo_index(theme_code, geo_cell, request.created_at.isoformat(), reference)
            )
        assignments = ", ".join(f"{name} = :{name}" for name in index)
        values: Item = {f":{name}": value for name, value in index.items()}
        values.update(
            {
                ":theme": theme_code,
                ":type": request_type,
                ":sure": 1,
                ":group": group,
                ":priority": priority.value,
                ":due": due,
                ":at": interaction.at.isoformat(),
                ":next": request.version + 1,
                ":version": request.version,
            }
        )
        expression = (
            "SET theme_code = :theme, request_type = :type, classification_confidence = :sure, "
            "responsible_group = :group, priority = :priority, sla_due_at = :due, "
            f"routed_at = if_not_exists(routed_at, :at), updated_at = :at, {assignments}, "
            "version = :next"
        )
        if not geo_cell:
            expression += " REMOVE GSI4PK, GSI4SK"
        if cleared_flags:
            expression += " DELETE flags :cleared"
            values[":cleared"] = set(cleared_flags)
        update = Update(
            key=keys.request(reference),
            expression=expression,
            condition="version = :version",
            values=values,
        )
        self._table.transact([self._interaction_put(reference, interaction), update, *alongside])

    def attachments(self, reference: str) -> list[Attachment]:
        """Every file of a request, in the order it came: the citizen's, then staff's."""
        return [file for entry in self.history(reference) for file in entry.attachments]

    def near(self, theme_code: str, cells: AbstractSet[str], since: datetime) -> list[Item]:
        """Requests of ``theme_code`` created since ``since`` in any of ``cells`` (GSI4)."""
        found: list[Item] = []
        for cell in sorted(cells):
            items, _ = self._table.query(
                "GSI4PK = :pk AND GSI4SK >= :since",
                {":pk": f"GEO#{theme_code}#{cell}", ":since": since.isoformat()},
                index="GSI4",
            )
            found.extend(items)
        return found

    def due_before(self, until: datetime, shard: int) -> list[Item]:
        """Open requests of one shard whose SLA falls due before ``until`` (GSI3)."""
        found: list[Item] = []
        start: dict[str, Any] | None = None
        while True:
            items, start = self._table.query(
                "GSI3PK = :pk AND GSI3SK < :until",
                {":pk": f"DUE#{shard}", ":until": until.isoformat()},
                index="GSI3",
                start=start,
            )
            found.extend(items)
            if start is None:
                return found

    def every_of_citizen(self, citizen_id: str, *, created_after: str | None = None) -> list[Item]:
        """Every request of a citizen as GSI1 projections, oldest first.

        ``created_after`` (an ISO time as the index stores it) keeps those created later.
        One ``Query`` page per megabyte of projections.
        """
        condition = "GSI1PK = :pk AND begins_with(GSI1SK, :prefix)"
        values: Item = {":pk": f"CITIZEN#{citizen_id}", ":prefix": "REQUEST#"}
        if created_after:
            condition = "GSI1PK = :pk AND GSI1SK > :after"
            values = {":pk": f"CITIZEN#{citizen_id}", ":after": f"REQUEST#{created_after}"}
        found: list[Item] = []
        start: dict[str, Any] | None = None
        while True:
            items, start = self._table.query(condition, values, index="GSI1", start=start)
            found.extend(items)
            if start is None:
                return found

    def stored(self, reference: str) -> Item | None:
        """A request's item as stored, read consistently."""
        return self._table.get(keys.request(reference), consistent=True)

    def collection(self, reference: str) -> list[Item]:
        """Every item under a request, as stored: itself, its interactions, its snapshots."""
        found: list[Item] = []
        start: dict[str, Any] | None = None
        while True:
            items, start = self._table.query(
                "PK = :pk", {":pk": f"REQUEST#{reference}"}, start=start
            )
            found.extend(items)
            if start is None:
                return found

    def citizen_move(self, item: Item, from_id: str, to_id: str) -> Update:
        """Give a stored request of ``from_id`` to ``to_id``, if it is still ``from_id``'s.

        The citizen index (GSI1) follows, and so does an entity applicant's contact who
        was ``from_id``. The version stays: nothing the workflow reads has changed.
        """
        expression = "SET citizen_id = :to, GSI1PK = :pk"
        condition = "citizen_id = :from"
        applicant = item.get("applicant") or {}
        if applicant.get("contact_citizen_id") == from_id:
            expression += ", applicant.contact_citizen_id = :to"
            condition += " AND applicant.contact_citizen_id = :from"
        return Update(
            key=keys.request(str(item["reference"])),
            expression=expression,
            condition=condition,
            values={":to": to_id, ":from": from_id, ":pk": f"CITIZEN#{to_id}"},
        )

    def erasure(self, item: Item, *, location: Item | None, at: datetime) -> Update:
        """Forget what a stored request says of its citizen; keep what statistics need.

        Theme, type, channels, state, group, dates and district stay. The description
        becomes :data:`ERASED_TEXT`; the entity applicant, the first message's files and
        outside link, and the duplicate-search index (a geohash of ~150 m) go;
        ``location`` (the coarsened place, or ``None`` for none) replaces the location.
        """
        names = {
            "#description": "description",
            "#origin": "origin",
            "#files": "attachments",
            "#location": "location",
            "#applicant": "applicant",
            "#media": "media_url",
        }
        values: Item = {":erased": ERASED_TEXT, ":at": at.isoformat(), ":one": 1}
        assignments = [
            "#description = :erased",
            "erased_at = if_not_exists(erased_at, :at)",
            "version = version + :one",
        ]
        removals = [
            "#applicant",
            "#origin.#files",
            "#origin.#media",
            "#files",
            "GSI4PK",
            "GSI4SK",
        ]
        if location:
            assignments.append("#location = :location")
            values[":location"] = location
        else:
            removals.append("#location")
        return Update(
            key=keys.request(str(item["reference"])),
            expression=f"SET {', '.join(assignments)} REMOVE {', '.join(removals)}",
            condition="attribute_exists(PK)",
            names=names,
            values=values,
        )

    @staticmethod
    def interaction_erasure(item: Item, at: datetime) -> Update:
        """Forget what staff or the citizen wrote in one stored interaction, and its files.

        The text, the staff's reason (free text that may name the citizen), the files and
        any outside link go; its kind, time, actor and states stay.
        """
        return Update(
            key={"PK": str(item["PK"]), "SK": str(item["SK"])},
            expression=(
                "SET erased_at = if_not_exists(erased_at, :at) "
                "REMOVE #text, #files, #reason, #media"
            ),
            condition="attribute_exists(PK)",
            names={
                "#text": "text",
                "#files": "attachments",
                "#reason": "reason",
                "#media": "media_url",
            },
            values={":at": at.isoformat()},
        )

    @property
    def shards(self) -> int:
        """How many shards the hot views are spread over."""
        return self._shards

    @property
    def table(self) -> Table:
        """The table the requests are in (their locks are items of the same collection)."""
        return self._table

    def _interaction_put(self, reference: str, interaction: Interaction) -> Put:
        at = interaction.at.isoformat()
        item = {
            **keys.interaction(reference, at, interaction.id),
            "type": "interaction",
            **interaction.model_dump(mode="json", exclude_none=True),
        }
        return Put(item=item)

    def _item(self, request: Request) -> Item:
        # The first message's text is the description: stored once, restored on reading.
        data = request.model_dump(mode="json", exclude_none=True, exclude={"origin": {"text"}})
        data = {k: v for k, v in data.items() if v or k not in _LINK_LISTS}
        created = request.created_at.isoformat()
        order = request.sla_due_at.isoformat() if request.sla_due_at else created
        item: Item = {
            **keys.request(request.reference),
            "type": "request",
            **data,
            "flags": set(request.flags) or None,
            "former_groups": set(request.former_groups) or None,
            "district_code": request.location.district_code if request.location else None,
            **keys.queue_index(
                request.responsible_group,
                request.state.value,
                order,
                request.reference,
                self._shards,
            ),
        }
        if request.citizen_id:
            item.update(keys.citizen_requests_index(request.citizen_id, created))
        if request.sla_due_at and request.state not in FINAL_STATES:
            item.update(keys.due_index(order, request.reference, self._shards))
        return {k: v for k, v in item.items() if v is not None}


def _fields(item: Item, model: type[Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k in model.model_fields}


def _request(item: Item) -> Request:
    data = _fields(item, Request)
    data["flags"] = frozenset(item.get("flags", ()))
    data["origin"] = {**item["origin"], "text": item.get("description")}
    return Request.model_validate(data)


class ReferenceAllocator:
    """Hands out references such as ``BCN-2026-000123``, a block of numbers at a time.

    One ``UpdateItem ADD`` on the year's counter reserves ``block`` numbers for this
    process, so most intakes write no counter at all. Numbers are unique; they are not
    strictly in time order across processes, and a process that ends leaves a gap.
    """

    def __init__(
        self, table: Table, city: str, *, block: int, clock: Callable[[], datetime]
    ) -> None:
        if block < 1:
            raise ValueError("a reference block holds at least one number")
        self._table = table
        self._city = city
        self._block = block
        self._clock = clock
        self._lock = threading.Lock()
        self._year = 0
        self._next = 0
        self._end = 0

    def next(self) -> str:
        """A reference never handed out before."""
        with self._lock:
            year = self._clock().year
            if year != self._year or self._next >= self._end:
                self._reserve(year)
            number = self._next
            self._next += 1
        if number > 999_999:
            raise Conflict("the year's reference numbers are exhausted")
        return f"{self._city}-{year}-{number:06d}"

    def _reserve(self, year: int) -> None:
        attributes = self._table.update(
            Update(
                key=keys.reference_counter(self._city, year),
                expression="ADD last_number :block SET #type = :type",
                condition="attribute_not_exists(PK) OR attribute_exists(last_number)",
                names={"#type": "type"},
                values={":block": self._block, ":type": "counter"},
            )
        )
        end = int(attributes["last_number"]) + 1
        self._year, self._next, self._end = year, end - self._block, end
