"""Segment insights and open data, kept from the table's stream.

:mod:`finestra.insights.counting` turns a change of a request, a survey answer or an
opinion into increments of day counters per district, neighbourhood, theme, input
channel and language; :mod:`finestra.insights.store` writes them once (a tally per
request, a mark per answer) and reads them a month at a time;
:mod:`finestra.insights.recorder` is the stream consumer that runs in the statistics
function; :mod:`finestra.insights.reader` answers the insight routes, with the tests of
:mod:`finestra.insights.significance`; :mod:`finestra.insights.opendata` keeps one
open-data row per request and writes the CSV, which :mod:`finestra.insights.export`
puts in the open-data bucket each day.
"""

from finestra.insights.counting import Dimension
from finestra.insights.reader import Difference, InsightReader, Metric, SegmentInsight
from finestra.insights.recorder import InsightRecorder
from finestra.insights.store import InsightStore

__all__ = [
    "Difference",
    "Dimension",
    "InsightReader",
    "InsightRecorder",
    "InsightStore",
    "Metric",
    "SegmentInsight",
]
