"""Segments of the city's citizens: the index kept from the stream, evaluation and storage."""

from finestra.segments.evaluator import SegmentEvaluator
from finestra.segments.indexer import SegmentIndexer, bulk_items
from finestra.segments.store import SegmentDraft, SegmentStore, SegmentSummary

__all__ = [
    "SegmentDraft",
    "SegmentEvaluator",
    "SegmentIndexer",
    "SegmentStore",
    "SegmentSummary",
    "bulk_items",
]
