"""Citizens and their contact-point index: profiles with sealed contact points."""

import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Final

from finestra.domain.citizen import Citizen, Consent, ContactPoint
from finestra.domain.errors import Conflict
from finestra.domain.identity import ContactVault, Match
from finestra.domain.vocabulary import ContactKind, InputChannel
from finestra.storage import keys
from finestra.storage.table import Delete, Item, Put, Table, Update

MERGE_HOPS: Final = 8
"""How many merges a lookup by an old citizen id follows to reach the survivor."""

KEPT_ON_ERASURE: Final = frozenset(
    {
        "PK",
        "SK",
        "type",
        "id",
        "language",
        "provisional",
        "created_at",
        "updated_at",
        "version",
        "contact_points",
        "consents",
        "merged_into",
        "merge_id",
        "merged_at",
        "erased_at",
        "erasure_id",
    }
)
"""What an erased profile keeps: its id, dates, version, language and merge links."""


def merge_key(merge_id: str) -> dict[str, str]:
    """Key of the record of one merge of two citizens."""
    return {"PK": f"MERGE#{merge_id}", "SK": "MERGE"}


def merge_link_key(survivor_id: str, merged_id: str) -> dict[str, str]:
    """Key of the item, under a surviving citizen, that names a citizen merged into it."""
    return {"PK": f"CITIZEN#{survivor_id}", "SK": f"MERGED#{merged_id}"}


def audit_key(citizen_id: str, at_iso: str, audit_id: str) -> dict[str, str]:
    """Key of the record of a duty done on a citizen's data: a merge, an export, an erasure."""
    return {"PK": f"CITIZEN#{citizen_id}", "SK": f"AUDIT#{at_iso}#{audit_id}"}


def audit_entry(citizen_id: str, at: datetime, audit_id: str, fields: Item) -> Put:
    """The write of one audit record under a citizen; ``fields`` hold ids, codes and counts."""
    item = {
        **audit_key(citizen_id, at.isoformat(), audit_id),
        "type": "audit",
        "audit_id": audit_id,
        "citizen_id": citizen_id,
        "at": at.isoformat(),
        **fields,
    }
    return Put(item=item)


def removal(item: Item) -> Delete:
    """The delete of a stored item, by its key."""
    return Delete(key={"PK": str(item["PK"]), "SK": str(item["SK"])})


def _every(table: Table, condition: str, values: Item) -> list[Item]:
    items: list[Item] = []
    start: dict[str, Any] | None = None
    while True:
        page, start = table.query(condition, values, start=start)
        items.extend(page)
        if start is None:
            return items


class MergeRecords:
    """The record of each merge and its progress, and the links from survivors to the merged.

    A record moves ``moving`` → ``done`` → ``undoing`` → ``undone``; every transaction of
    a merge touches it on the condition of its state, so two runs of one merge never
    interleave their steps.
    """

    def __init__(self, table: Table) -> None:
        self._table = table

    def get(self, merge_id: str) -> Item | None:
        """A merge's record, read consistently."""
        return self._table.get(merge_key(merge_id), consistent=True)

    def links(self, survivor_id: str) -> list[Item]:
        """The links to every citizen merged into ``survivor_id`` and not unmerged since."""
        return _every(
            self._table,
            "PK = :pk AND begins_with(SK, :prefix)",
            {":pk": f"CITIZEN#{survivor_id}", ":prefix": "MERGED#"},
        )

    def opening(self, record: Item) -> Put:
        """The write of a new record; ``record`` holds ids, codes, times and counts only."""
        return Put(item={**merge_key(str(record["merge_id"])), "type": "merge", **record})

    def step(self, merge_id: str, state: str, references: Iterable[str] = ()) -> Update:
        """A touch of the record that holds a transaction to the merge's ``state``.

        ``references`` are the requests the transaction moves, added to the record.
        """
        moved = set(references)
        expression = "ADD steps :one"
        values: Item = {":one": 1, ":state": state}
        names = {"#state": "state"}
        if moved:
            expression += ", #references :moved"
            values[":moved"] = moved
            names["#references"] = "references"
        return Update(
            key=merge_key(merge_id),
            expression=expression,
            condition="#state = :state",
            names=names,
            values=values,
        )

    def closing(self, merge_id: str, state: str, changes: Item) -> Update:
        """Set ``changes`` (a new ``state`` among them) on the record, if it is in ``state``."""
        names = {f"#c{i}": name for i, name in enumerate(changes)}
        names["#state"] = "state"
        values: Item = {f":c{i}": value for i, value in enumerate(changes.values())}
        values[":from"] = state
        assignments = ", ".join(f"#c{i} = :c{i}" for i in range(len(changes)))
        return Update(
            key=merge_key(merge_id),
            expression=f"SET {assignments}",
            condition="#state = :from",
            names=names,
            values=values,
        )

    def link(self, survivor_id: str, merged_id: str, merge_id: str, at: datetime) -> Put:
        """The write of the link from a survivor to the citizen merged into it."""
        item = {
            **merge_link_key(survivor_id, merged_id),
            "type": "merge_link",
            "merge_id": merge_id,
            "survivor": survivor_id,
            "merged": merged_id,
            "at": at.isoformat(),
        }
        return Put(item=item)

    def unlink(self, survivor_id: str, merged_id: str) -> Delete:
        """The delete of that link, when the merge is undone."""
        return Delete(key=merge_link_key(survivor_id, merged_id), condition="attribute_exists(PK)")


class CitizenStore:
    """Reads and writes citizens; contact points never reach the table in clear."""

    def __init__(self, table: Table, vault: ContactVault) -> None:
        self._table = table
        self._vault = vault

    def find(self, point: ContactPoint) -> Match | None:
        """The citizen that owns ``point``, if the city knows it."""
        digest = self._vault.digest(point.kind, point.value)
        item = self._table.get(keys.contact(point.kind, digest))
        if item is None:
            return None
        return Match(point=point, citizen_id=item["citizen_id"], verified=item["verified"])

    def get(self, citizen_id: str) -> Citizen | None:
        """A citizen's profile, contact points unsealed."""
        item = self._table.get(keys.citizen(citizen_id))
        return self._citizen(item) if item else None

    def creation(self, citizen: Citizen) -> list[Put]:
        """Writes that create ``citizen`` and index each of its contact points and names."""
        profile = Put(item=self._profile_item(citizen))
        points = [self._contact_put(citizen.id, p) for p in citizen.contact_points]
        return [profile, *points, *self.name_index(citizen)]

    def name_index(self, citizen: Citizen) -> list[Put]:
        """Writes that index each word of ``citizen``'s names by its keyed hash.

        A later change of name adds the new words' items; the old ones stay until the
        profile is erased, and :meth:`named` checks every hit against the profile.
        """
        words = name_tokens(citizen.given_name, citizen.family_names)
        return [
            Put(
                item={
                    **keys.name_token(self._vault.keyed(NAME_PURPOSE, word), citizen.id),
                    "type": "name_token",
                    "citizen_id": citizen.id,
                }
            )
            for word in sorted(words)
        ]

    def named(self, name: str, limit: int = 20) -> list[Citizen]:
        """Citizens whose names hold every word of ``name`` (case and accents aside).

        One ``Query`` per word on ``NAME#<hash>``, then one ``GetItem`` per citizen in
        every word's list, up to ``limit``; a profile whose names no longer match is
        left out.
        """
        words = name_tokens(name)
        if not words:
            return []
        found: set[str] | None = None
        for word in sorted(words):
            ids = self._named_ids(self._vault.keyed(NAME_PURPOSE, word))
            found = ids if found is None else found & ids
            if not found:
                return []
        citizens = (self.get(citizen_id) for citizen_id in sorted(found or ()))
        matching = [
            c
            for c in citizens
            if c is not None and words <= name_tokens(c.given_name, c.family_names)
        ]
        return matching[:limit]

    def extension(self, before: Citizen, after: Citizen) -> list[Put | Update]:
        """Writes that store ``after``'s new contact points, if nobody changed ``before``."""
        known = {(p.kind, p.value) for p in before.contact_points}
        added = [p for p in after.contact_points if (p.kind, p.value) not in known]
        writes: list[Put | Update] = [self._profile_update(before.version, after)]
        writes.extend(self._contact_put(after.id, point) for point in added)
        return writes

    def consent_update(self, citizen: Citizen, consent: Consent, now: datetime) -> Update:
        """Append ``consent`` to the citizen's record, if nobody changed it meanwhile."""
        return Update(
            key=keys.citizen(citizen.id),
            expression="SET consents = list_append(consents, :new), updated_at = :now, "
            "version = version + :one",
            condition="version = :version",
            values={
                ":new": [consent.model_dump(mode="json")],
                ":now": now.isoformat(),
                ":one": 1,
                ":version": citizen.version,
            },
        )

    def profile(self, citizen_id: str) -> Item | None:
        """A citizen's profile item as stored, tombstone or erased, read consistently."""
        return self._table.get(keys.citizen(citizen_id), consistent=True)

    def surviving(self, citizen_id: str) -> Item | None:
        """The profile item ``citizen_id`` stands for now: a merged citizen's survivor's.

        Follows at most :data:`MERGE_HOPS` merges; a longer chain is a :class:`Conflict`.
        """
        item = self.profile(citizen_id)
        for _ in range(MERGE_HOPS):
            if item is None or not item.get("merged_into"):
                return item
            item = self.profile(str(item["merged_into"]))
        raise Conflict("the citizen's merges form too long a chain")

    def resolve(self, citizen_id: str) -> Citizen | None:
        """The citizen ``citizen_id`` names, following merges to the survivor."""
        item = self.surviving(citizen_id)
        return self._citizen(item) if item else None

    def unsealed(self, item: Item, attribute: str = "contact_points") -> list[ContactPoint]:
        """The contact points a profile item keeps under ``attribute``, in clear."""
        return [
            ContactPoint.model_construct(
                kind=ContactKind(p["kind"]),
                value=self._vault.unseal(ContactKind(p["kind"]), p["sealed"]),
                verified=bool(p["verified"]),
                first_seen_on=InputChannel(p["first_seen_on"]) if p.get("first_seen_on") else None,
            )
            for p in item.get(attribute) or []
        ]

    def contact_key(self, point: ContactPoint) -> dict[str, str]:
        """The key of ``point``'s index item."""
        return keys.contact(point.kind, self._vault.digest(point.kind, point.value))

    def contact_move(self, point: ContactPoint, from_id: str, to_id: str) -> Update:
        """Point ``point``'s index item at ``to_id``, if it still names ``from_id``."""
        return Update(
            key=self.contact_key(point),
            expression="SET citizen_id = :to",
            condition="citizen_id = :from",
            values={":to": to_id, ":from": from_id},
        )

    def contact_removal(self, point: ContactPoint, citizen_id: str) -> Delete:
        """Delete ``point``'s index item if it names ``citizen_id`` (or is gone already)."""
        return Delete(
            key=self.contact_key(point),
            condition="attribute_not_exists(PK) OR citizen_id = :id",
            values={":id": citizen_id},
        )

    def name_removals(self, item: Item) -> list[Delete]:
        """Deletes of the name-index items of the names a profile item holds now."""
        words = name_tokens(item.get("given_name"), item.get("family_names"))
        citizen_id = str(item["id"])
        return [
            Delete(key=keys.name_token(self._vault.keyed(NAME_PURPOSE, word), citizen_id))
            for word in sorted(words)
        ]

    def owned(self, citizen_id: str, prefix: str) -> list[Item]:
        """Every item under the citizen whose sort key starts with ``prefix``."""
        return _every(
            self._table,
            "PK = :pk AND begins_with(SK, :prefix)",
            {":pk": f"CITIZEN#{citizen_id}", ":prefix": prefix},
        )

    def lock(self, citizen_id: str, merge_id: str) -> Update:
        """Mark a live citizen as part of ``merge_id``: refused if merged, erased or in a merge."""
        return Update(
            key=keys.citizen(citizen_id),
            expression="SET merge_pending = :merge",
            condition="attribute_exists(PK) AND attribute_not_exists(merged_into) "
            "AND attribute_not_exists(erased_at) AND attribute_not_exists(merge_pending)",
            values={":merge": merge_id},
        )

    def unlock(self, citizen_id: str, merge_id: str) -> Update:
        """Take the mark of ``merge_id`` off a citizen."""
        return Update(
            key=keys.citizen(citizen_id),
            expression="REMOVE merge_pending",
            condition="merge_pending = :merge",
            values={":merge": merge_id},
        )

    def absorption(
        self, survivor: Item, points: Sequence[Item], consents: Sequence[Item], at: datetime
    ) -> Update:
        """Add a merged citizen's sealed ``points`` and ``consents`` to the survivor.

        Refused if the survivor changed since ``survivor`` was read or left the merge.
        """
        return Update(
            key=keys.citizen(str(survivor["id"])),
            expression="SET contact_points = list_append(contact_points, :points), "
            "consents = list_append(consents, :consents), updated_at = :at, "
            "version = version + :one REMOVE merge_pending",
            condition="version = :version AND merge_pending = :merge",
            values={
                ":points": list(points),
                ":consents": list(consents),
                ":at": at.isoformat(),
                ":one": 1,
                ":version": survivor["version"],
                ":merge": survivor["merge_pending"],
            },
        )

    def tombstone(self, merged: Item, survivor_id: str, at: datetime) -> Update:
        """Turn a merged citizen into a tombstone that points at ``survivor_id``.

        Its contact points and consents are kept aside on the tombstone, for an undo.
        """
        return Update(
            key=keys.citizen(str(merged["id"])),
            expression="SET merged_into = :survivor, merge_id = :merge, merged_at = :at, "
            "moved_contact_points = :points, moved_consents = :consents, "
            "contact_points = :none, consents = :none, updated_at = :at, "
            "version = version + :one REMOVE merge_pending",
            condition="version = :version AND merge_pending = :merge",
            values={
                ":survivor": survivor_id,
                ":merge": merged["merge_pending"],
                ":at": at.isoformat(),
                ":points": list(merged.get("contact_points") or []),
                ":consents": list(merged.get("consents") or []),
                ":none": [],
                ":one": 1,
                ":version": merged["version"],
            },
        )

    def restoration(
        self, survivor: Item, contacts: int, consents: int, merge_id: str, at: datetime
    ) -> Update:
        """Give the survivor back its first ``contacts`` points and ``consents`` consents."""
        return Update(
            key=keys.citizen(str(survivor["id"])),
            expression="SET contact_points = :points, consents = :consents, "
            "merge_pending = :merge, updated_at = :at, version = version + :one",
            condition="version = :version AND attribute_not_exists(merge_pending)",
            values={
                ":points": list(survivor.get("contact_points") or [])[:contacts],
                ":consents": list(survivor.get("consents") or [])[:consents],
                ":merge": merge_id,
                ":at": at.isoformat(),
                ":one": 1,
                ":version": survivor["version"],
            },
        )

    def revival(self, tombstone: Item, merge_id: str, at: datetime) -> Update:
        """Turn a tombstone back into the citizen it was, with its own points and consents."""
        return Update(
            key=keys.citizen(str(tombstone["id"])),
            expression="SET contact_points = :points, consents = :consents, "
            "merge_pending = :merge, updated_at = :at, version = version + :one "
            "REMOVE merged_into, merge_id, merged_at, moved_contact_points, moved_consents",
            condition="version = :version AND merge_id = :merge",
            values={
                ":points": list(tombstone.get("moved_contact_points") or []),
                ":consents": list(tombstone.get("moved_consents") or []),
                ":merge": merge_id,
                ":at": at.isoformat(),
                ":one": 1,
                ":version": tombstone["version"],
            },
        )

    def erasure(self, item: Item, erasure_id: str, at: datetime) -> Update:
        """Forget everything a profile says of the person; keep only :data:`KEPT_ON_ERASURE`.

        The first erasure's id and time stay when a profile is erased again.
        """
        dropped = sorted(set(item) - KEPT_ON_ERASURE)
        names = {f"#d{i}": name for i, name in enumerate(dropped)}
        expression = (
            "SET contact_points = :none, consents = :none, updated_at = :at, "
            "erased_at = if_not_exists(erased_at, :at), "
            "erasure_id = if_not_exists(erasure_id, :erasure), version = version + :one"
        )
        if names:
            expression += " REMOVE " + ", ".join(names)
        return Update(
            key=keys.citizen(str(item["id"])),
            expression=expression,
            condition="attribute_exists(PK)",
            names=names or None,
            values={":none": [], ":at": at.isoformat(), ":erasure": erasure_id, ":one": 1},
        )

    def save(self, write: Put | Update) -> None:
        """Apply one write built by this store."""
        if isinstance(write, Put):
            self._table.put(write)
        else:
            self._table.update(write)

    def _named_ids(self, digest: str) -> set[str]:
        ids: set[str] = set()
        start: dict[str, Any] | None = None
        while True:
            items, start = self._table.query("PK = :pk", {":pk": f"NAME#{digest}"}, start=start)
            ids.update(str(item["citizen_id"]) for item in items)
            if start is None:
                return ids

    def _contact_put(self, citizen_id: str, point: ContactPoint) -> Put:
        digest = self._vault.digest(point.kind, point.value)
        item = {
            **keys.contact(point.kind, digest),
            "type": "contact",
            "citizen_id": citizen_id,
            "kind": point.kind.value,
            "verified": point.verified,
        }
        return Put(item=item)

    def _profile_item(self, citizen: Citizen) -> Item:
        data = citizen.model_dump(mode="json", exclude={"contact_points"})
        return {
            **keys.citizen(citizen.id),
            "type": "citizen",
            **data,
            "contact_points": [self._sealed(p) for p in citizen.contact_points],
        }

    def _profile_update(self, version: int, after: Citizen) -> Update:
        return Update(
            key=keys.citizen(after.id),
            expression="SET contact_points = :points, updated_at = :now, version = :next",
            condition="version = :version",
            values={
                ":points": [self._sealed(p) for p in after.contact_points],
                ":now": after.updated_at.isoformat(),
                ":next": version + 1,
                ":version": version,
            },
        )

    def _sealed(self, point: ContactPoint) -> dict[str, Any]:
        return {
            "kind": point.kind.value,
            "sealed": self._vault.seal(point.kind, point.value),
            "verified": point.verified,
            "first_seen_on": point.first_seen_on.value if point.first_seen_on else None,
        }

    def _citizen(self, item: Item) -> Citizen:
        # Stored values were normalised when they were written: read them as they are.
        points = [
            ContactPoint.model_construct(
                kind=ContactKind(p["kind"]),
                value=self._vault.unseal(ContactKind(p["kind"]), p["sealed"]),
                verified=p["verified"],
                first_seen_on=InputChannel(p["first_seen_on"]) if p.get("first_seen_on") else None,
            )
            for p in item.get("contact_points", [])
        ]
        fields = {k: v for k, v in item.items() if k in Citizen.model_fields}
        citizen = Citizen.model_validate({**fields, "contact_points": []})
        citizen.contact_points = points
        return citizen


NAME_PURPOSE: Final = "name-token"
_WORD: Final = re.compile(r"[^\W_]+")
_MAX_WORDS: Final = 8


def name_tokens(*names: str | None) -> frozenset[str]:
    """The indexable words of ``names``: lower case, accents removed, two letters or more."""
    text = " ".join(name for name in names if name)
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    words = [word for word in _WORD.findall(plain) if len(word) > 1]
    return frozenset(words[:_MAX_WORDS])
