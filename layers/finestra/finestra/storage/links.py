"""The links between requests: joins, split parts and claims, each written in one transaction.

A join changes two request items that must agree (the joined request names its principal,
the principal lists the joined request): both updates, an entry in each history and the
checks of both locks go in one ``TransactWriteItems``, so a join is never half made. A
split links parts the intake already created, and a claim creates its request in the same
transaction as the entry that lists it under the claimed request's root.

Links are attributes of the request items (``joined_to``, ``joined``, ``split_from``,
``parts``, ``claim_of``, ``claims``); no index is needed, since every read of a link starts
from a request already at hand (one ``GetItem``, or one ``BatchGetItem`` for its links).
"""

from collections.abc import Sequence
from typing import Final

from finestra.domain.request import Interaction, Request
from finestra.storage import keys
from finestra.storage.requests import RequestStore
from finestra.storage.table import Check, Item, Put, Table, Update

_UNCHANGED: Final = "version = :version"


def _entry(reference: str, interaction: Interaction) -> Put:
    item = {
        **keys.interaction(reference, interaction.at.isoformat(), interaction.id),
        "type": "interaction",
        **interaction.model_dump(mode="json", exclude_none=True),
    }
    return Put(item=item)


def _stamped(request: Request, at: str, *, expression: str, condition: str, values: Item) -> Update:
    """An update of ``request`` as it was read that stamps ``at`` and moves its version on."""
    return Update(
        key=keys.request(request.reference),
        expression=expression,
        condition=f"{_UNCHANGED} AND {condition}",
        values={
            **values,
            ":at": at,
            ":next": request.version + 1,
            ":version": request.version,
        },
    )


class LinkStore:
    """Writes the links between requests; reads go through :class:`RequestStore`.

    Parameters
    ----------
    requests
        The requests' store, whose table the links are written to and whose
        :meth:`RequestStore.creation` writes a claim's new request.
    """

    def __init__(self, requests: RequestStore) -> None:
        self._requests = requests
        self._table: Table = requests.table

    def join(
        self,
        joined: Request,
        principal: Request,
        entries: tuple[Interaction, Interaction],
        *,
        checks: Sequence[Check],
    ) -> None:
        """Join ``joined`` to ``principal``: both items change or neither does.

        Each item must be as it was read (its version) and neither may be joined to
        another request meanwhile; ``checks`` (the locks of both) must hold too. Six
        items of one transaction: two updates, two history entries and two checks.
        """
        at = entries[0].at.isoformat()
        follower = _stamped(
            joined,
            at,
            expression="SET joined_to = :principal, updated_at = :at, version = :next",
            condition="attribute_not_exists(joined_to)",
            values={":principal": principal.reference},
        )
        leader = _stamped(
            principal,
            at,
            expression="SET joined = list_append(if_not_exists(joined, :none), :joined), "
            "updated_at = :at, version = :next",
            condition="attribute_not_exists(joined_to)",
            values={":none": [], ":joined": [joined.reference]},
        )
        self._transact_pair(joined, principal, entries, (follower, leader), checks)

    def unjoin(
        self,
        joined: Request,
        principal: Request,
        entries: tuple[Interaction, Interaction],
        *,
        checks: Sequence[Check],
    ) -> None:
        """Undo a join: the joined request names no principal, the principal lists it no more.

        The principal's list loses the one entry at its position, on the condition that
        the entry is still there.
        """
        at = entries[0].at.isoformat()
        position = principal.joined.index(joined.reference)
        follower = _stamped(
            joined,
            at,
            expression="SET updated_at = :at, version = :next REMOVE joined_to",
            condition="joined_to = :principal",
            values={":principal": principal.reference},
        )
        leader = _stamped(
            principal,
            at,
            expression=f"SET updated_at = :at, version = :next REMOVE joined[{position}]",
            condition=f"joined[{position}] = :joined",
            values={":joined": joined.reference},
        )
        self._transact_pair(joined, principal, entries, (follower, leader), checks)

    def _transact_pair(
        self,
        joined: Request,
        principal: Request,
        entries: tuple[Interaction, Interaction],
        updates: tuple[Update, Update],
        checks: Sequence[Check],
    ) -> None:
        self._table.transact(
            [
                _entry(joined.reference, entries[0]),
                _entry(principal.reference, entries[1]),
                *updates,
                *checks,
            ]
        )

    def link_parts(
        self,
        original: Request,
        parts: Sequence[str],
        entry: Interaction,
        *,
        checks: Sequence[Check],
    ) -> None:
        """List ``parts`` under ``original`` and make each name it, all in one transaction.

        The parts keep their version: the workflow that routes each of them reads
        nothing a link changes, so its own conditional writes still go through.
        """
        at = entry.at.isoformat()
        leader = Update(
            key=keys.request(original.reference),
            expression="SET parts = list_append(if_not_exists(parts, :none), :parts), "
            "updated_at = :at, version = :next",
            condition=_UNCHANGED,
            values={
                ":none": [],
                ":parts": list(parts),
                ":at": at,
                ":next": original.version + 1,
                ":version": original.version,
            },
        )
        followers = [
            Update(
                key=keys.request(part),
                expression="SET split_from = :original",
                condition="attribute_exists(PK) AND attribute_not_exists(split_from)",
                values={":original": original.reference},
            )
            for part in parts
        ]
        self._table.transact([_entry(original.reference, entry), leader, *followers, *checks])

    def claim(
        self,
        claim: Request,
        root: Request,
        claimed: Request,
        entry: Interaction,
        *,
        checks: Sequence[Check],
    ) -> None:
        """Create ``claim`` and list it under ``root``, recording it in ``claimed``'s history.

        The claim's reference must be new, and ``root`` as it was read (so two claims
        made at once never take the same number: one of them is refused).
        """
        listing = Update(
            key=keys.request(root.reference),
            expression="SET claims = list_append(if_not_exists(claims, :none), :claim), "
            "version = :next",
            condition=_UNCHANGED,
            values={
                ":none": [],
                ":claim": [claim.reference],
                ":next": root.version + 1,
                ":version": root.version,
            },
        )
        self._table.transact(
            [
                self._requests.creation(claim),
                _entry(claimed.reference, entry),
                listing,
                *checks,
            ]
        )

    def linked(self, references: Sequence[str]) -> dict[str, Item]:
        """The state of each of ``references`` (one ``BatchGetItem`` per hundred)."""
        found: dict[str, Item] = {}
        unique = list(dict.fromkeys(references))
        for start in range(0, len(unique), 100):
            chunk = unique[start : start + 100]
            for item in self._table.batch_get(
                [keys.request(reference) for reference in chunk],
                attributes=("reference", "state", "theme_code", "responsible_group"),
            ):
                found[str(item["reference"])] = item
        return found
