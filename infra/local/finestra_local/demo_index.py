"""The segment index of the demo city, as the table's stream would have built it.

The demo city is written before the stream pollers start (they start at ``LATEST``, so
a workflow is not started per seeded request), so the statistics function never sees
the seeded citizens and requests. :func:`segment_index_items` folds each seeded item,
as the ``INSERT`` record the stream would carry, into the member states
:class:`~finestra.segments.indexer.SegmentIndexer` keeps, and gives the index's own
items for them (:func:`~finestra.segments.indexer.bulk_items`), to be written with the
city.
"""

from collections.abc import Iterable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

from finestra.segments.facets import MemberState
from finestra.segments.indexer import bulk_items, changes_of
from finestra.storage.table import Item, serialise

__all__ = ["inserted", "segment_index_items"]


def inserted(item: Item) -> dict[str, Any]:
    """The stream record of ``item`` written where nothing was."""
    return {"eventName": "INSERT", "dynamodb": {"NewImage": serialise(item)}}


def segment_index_items(items: Iterable[Item], zone: ZoneInfo) -> Iterator[Item]:
    """The segment index's items for ``items`` written into an empty table.

    Parameters
    ----------
    items
        What is seeded: citizen profiles, requests, and anything else (ignored, as the
        indexer ignores it).
    zone
        The city's time zone (``FINESTRA_CITY_TIME_ZONE``), whose day a request is
        opened on.
    """
    states: dict[str, MemberState] = {}
    for item in items:
        for change in changes_of(inserted(item), zone):
            state = states.get(change.citizen_id) or MemberState(citizen_id=change.citizen_id)
            states[change.citizen_id] = change.fold(state)
    yield from bulk_items(states[citizen_id] for citizen_id in sorted(states))
