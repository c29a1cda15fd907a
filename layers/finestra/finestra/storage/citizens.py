"""Citizens and their contact-point index: profiles with sealed contact points."""

from datetime import datetime
from typing import Any

from finestra.domain.citizen import Citizen, Consent, ContactPoint
from finestra.domain.identity import ContactVault, Match
from finestra.domain.vocabulary import ContactKind, InputChannel
from finestra.storage import keys
from finestra.storage.table import Item, Put, Table, Update


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
        """Writes that create ``citizen`` and index each of its contact points."""
        profile = Put(item=self._profile_item(citizen))
        return [profile, *(self._contact_put(citizen.id, p) for p in citizen.contact_points)]

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

    def save(self, write: Put | Update) -> None:
        """Apply one write built by this store."""
        if isinstance(write, Put):
            self._table.put(write)
        else:
            self._table.update(write)

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
