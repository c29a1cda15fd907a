"""Key shapes of the segment index; the README's table lists each with its access pattern."""

import zlib
from typing import Final

__all__ = [
    "INDEX_SHARDS",
    "count_key",
    "count_partition",
    "index_key",
    "index_partition",
    "member_key",
    "segment_key",
    "segments_partition",
]

INDEX_SHARDS: Final = 4
"""How many partitions one facet value's index is spread over, so no value's writes run hot."""


def member_key(citizen_id: str) -> dict[str, str]:
    """Key of a citizen's member item: their facets, requests, ratings and what is indexed."""
    return {"PK": f"SEGMEMBER#{citizen_id}", "SK": "MEMBER"}


def index_shard(citizen_id: str) -> int:
    """The shard of every index partition that holds ``citizen_id`` (stable across runs)."""
    return zlib.crc32(citizen_id.encode()) % INDEX_SHARDS


def index_partition(facet: str, shard: int) -> str:
    """The partition of one shard of a facet value's index (``facet`` is ``name=value``)."""
    return f"SEGIDX#{facet}#{shard}"


def index_key(facet: str, citizen_id: str) -> dict[str, str]:
    """Key of the index item that lists ``citizen_id`` under ``facet``."""
    return {"PK": index_partition(facet, index_shard(citizen_id)), "SK": citizen_id}


def count_partition(name: str) -> str:
    """The partition of the maintained counts of one facet's values."""
    return f"SEGCOUNT#{name}"


def count_key(facet: str) -> dict[str, str]:
    """Key of the count of the members under ``facet`` (``name=value``)."""
    name, _, value = facet.partition("=")
    return {"PK": count_partition(name), "SK": value}


def segments_partition() -> str:
    """The partition that lists every saved segment."""
    return "SEGMENTS"


def segment_key(segment_id: str) -> dict[str, str]:
    """Key of a saved segment."""
    return {"PK": segments_partition(), "SK": f"SEGMENT#{segment_id}"}
