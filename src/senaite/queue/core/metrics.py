# -*- coding: utf-8 -*-
"""What the queue counts by task name since it was installed: outcomes and durations.

``TaskMetrics`` is a plain ``persistent.Persistent`` object the queue holds. Every number is
a ``BTrees.Length`` in one OOBTree, so two transactions that count the same thing add their
changes up instead of conflicting; only the first count of a new key inserts one. Reading
them loads these small objects only, never a task's record.

Counters: ``done``, ``failed`` (to the failed pool), ``retried`` (queued again after a
failure) and ``conflicts`` (conflicts lost). Histograms: ``wait`` (seconds from queued to
the first run) and ``run`` (seconds of each attempt, from its lease to its outcome), with
the upper bounds of ``BUCKETS``; their sums are kept in milliseconds.
"""
from __future__ import absolute_import

import bisect

from BTrees.Length import Length
from BTrees.OOBTree import OOBTree
from persistent import Persistent

DONE = "done"
FAILED = "failed"
RETRIED = "retried"
CONFLICTS = "conflicts"
COUNTERS = (DONE, FAILED, RETRIED, CONFLICTS)

WAIT = "wait"
RUN = "run"
HISTOGRAMS = (WAIT, RUN)
# Upper bounds in seconds; a last bucket (+Inf) takes the longer ones
BUCKETS = (0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)

_BUCKET = "le"
_SUM = "sum"


def _after(kind):
    """A key greater than every key of ``kind``, and smaller than those of other kinds."""
    return (kind + "\0",)


class Histogram(object):
    """One histogram's values: ``buckets`` (upper bound, cumulative count) ending with
    ``+Inf``, ``count`` and ``sum`` (seconds)."""

    def __init__(self, counts, total_ms):
        running = 0
        self.buckets = []
        for bound, count in zip(BUCKETS + (float("inf"),), counts):
            running += count
            self.buckets.append((bound, running))
        self.count = running
        self.sum = total_ms / 1000.0


class TaskMetrics(Persistent):
    """Counters and histograms by task name, merged without conflicts."""

    def __init__(self):
        self._numbers = OOBTree()

    def _change(self, key, delta):
        number = self._numbers.get(key)
        if number is None:
            number = self._numbers[key] = Length()
        number.change(delta)

    def count(self, counter, name):
        """Add one to ``counter`` (one of ``COUNTERS``) for the task name."""
        if counter not in COUNTERS:
            raise ValueError("Unknown counter: {!r}".format(counter))
        self._change((counter, name), 1)

    def observe(self, histogram, name, seconds):
        """Add a duration (negative ones count as 0) to ``histogram`` for the task name."""
        if histogram not in HISTOGRAMS:
            raise ValueError("Unknown histogram: {!r}".format(histogram))
        seconds = max(0.0, float(seconds))
        self._change((histogram, name, _BUCKET, bisect.bisect_left(BUCKETS, seconds)), 1)
        self._change((histogram, name, _SUM), int(round(seconds * 1000)))

    def counters(self):
        """``{counter: {task name: value}}`` for every counter of ``COUNTERS``."""
        found = dict((counter, {}) for counter in COUNTERS)
        for counter in COUNTERS:
            for key, number in self._numbers.items(min=(counter,), max=_after(counter),
                                                 excludemax=True):
                found[counter][key[1]] = number()
        return found

    def histograms(self):
        """``{histogram: {task name: Histogram}}`` for every histogram of ``HISTOGRAMS``."""
        found = {}
        for histogram in HISTOGRAMS:
            raw = {}
            for key, number in self._numbers.items(min=(histogram,), max=_after(histogram),
                                                 excludemax=True):
                counts, total = raw.setdefault(key[1], ([0] * (len(BUCKETS) + 1), [0]))
                if key[2] == _SUM:
                    total[0] = number()
                else:
                    counts[key[3]] = number()
            found[histogram] = dict((name, Histogram(counts, total[0]))
                                    for name, (counts, total) in raw.items())
        return found
