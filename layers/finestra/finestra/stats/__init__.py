"""Statistics kept from the table's stream: day counters per theme, district, channel, group.

:mod:`finestra.stats.counting` turns one change of a request into counter increments,
:mod:`finestra.stats.store` writes them once and reads them back a month at a time,
:mod:`finestra.stats.recorder` ties the two together for the stream consumer, and
:mod:`finestra.stats.reports` answers the desk's report route from the counters alone:
no report reads a request.

The counters start with the function. A request stored before it is counted when it
next changes; :mod:`finestra.stats.backfill` (``make stats-backfill``) counts the rest
once, through the same tallies, so nothing is counted twice.
"""
