"""Saved segments: one item each under one partition, every change on the segment's version."""

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from finestra.domain.errors import Conflict, NotFound
from finestra.domain.ids import new_id
from finestra.domain.segment import Segment, SegmentDefinition
from finestra.segments.keys import segment_key, segments_partition
from finestra.storage.table import Delete, Put, Table

__all__ = ["SegmentDraft", "SegmentStore", "SegmentSummary"]


class SegmentDraft(BaseModel):
    """What staff give to create or change a segment."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=1000)
    definition: SegmentDefinition


class SegmentSummary(BaseModel):
    """A segment as the list shows it."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    description: str
    updated_at: datetime


class SegmentStore:
    """Creates, reads, lists, changes and deletes saved segments.

    Parameters
    ----------
    table
        The one table.
    clock
        Stamps creation and change times.
    """

    def __init__(self, table: Table, clock: Callable[[], datetime]) -> None:
        self._table = table
        self._clock = clock

    def create(self, draft: SegmentDraft, created_by: str) -> Segment:
        """Save a new segment at version 1."""
        now = self._clock()
        segment = Segment(
            id=new_id("seg"),
            name=draft.name,
            description=draft.description,
            definition=draft.definition,
            created_by=created_by,
            created_at=now,
            updated_at=now,
        )
        self._table.put(Put(item=self._item(segment)))
        return segment

    def get(self, segment_id: str) -> Segment:
        """The segment with ``segment_id``; :class:`NotFound` when there is none."""
        item = self._table.get(segment_key(segment_id), consistent=True)
        if item is None:
            raise NotFound("is not a segment", field="id")
        return _segment(item)

    def list(self) -> list[SegmentSummary]:
        """Every saved segment, oldest first."""
        return [
            SegmentSummary(
                id=str(i["id"]),
                name=str(i["name"]),
                description=str(i.get("description") or ""),
                updated_at=datetime.fromisoformat(str(i["updated_at"])),
            )
            for i in self._items()
        ]

    def update(self, segment_id: str, draft: SegmentDraft, version: int) -> Segment:
        """Change a segment if it is still at ``version``; :class:`Conflict` otherwise."""
        current = self.get(segment_id)
        if current.version != version:
            raise Conflict("the segment changed meanwhile; reload it", field="version")
        changed = current.model_copy(
            update={
                "name": draft.name,
                "description": draft.description,
                "definition": draft.definition,
                "updated_at": self._clock(),
                "version": version + 1,
            }
        )
        try:
            self._table.put(
                Put(
                    item=self._item(changed),
                    condition="version = :version",
                    values={":version": version},
                )
            )
        except Conflict as exc:
            raise Conflict("the segment changed meanwhile; reload it", field="version") from exc
        return changed

    def delete(self, segment_id: str, in_use: Callable[[str], bool]) -> None:
        """Delete a segment that no campaign still running or to come uses.

        Parameters
        ----------
        segment_id
            The segment.
        in_use
            Tells whether a campaign that has not ended uses the segment.

        Raises
        ------
        NotFound
            When there is no such segment.
        Conflict
            When a campaign uses it, or it changed while being deleted.
        """
        segment = self.get(segment_id)
        if in_use(segment_id):
            raise Conflict("a campaign that has not ended uses the segment", field="id")
        try:
            self._table.delete(
                Delete(
                    key=segment_key(segment_id),
                    condition="version = :version",
                    values={":version": segment.version},
                )
            )
        except Conflict as exc:
            raise Conflict("the segment changed meanwhile; reload it", field="version") from exc

    def _items(self) -> Iterator[dict[str, Any]]:
        start: dict[str, Any] | None = None
        while True:
            items, start = self._table.query(
                "PK = :pk AND begins_with(SK, :prefix)",
                {":pk": segments_partition(), ":prefix": "SEGMENT#"},
                start=start,
            )
            yield from items
            if start is None:
                return

    @staticmethod
    def _item(segment: Segment) -> dict[str, Any]:
        return {
            **segment_key(segment.id),
            "type": "segment",
            **segment.model_dump(mode="json"),
        }


def _segment(item: dict[str, Any]) -> Segment:
    fields = {k: v for k, v in item.items() if k in Segment.model_fields}
    return Segment.model_validate(fields)
