# -*- coding: utf-8 -*-
"""A consumer's clock for the tests: it moves only when the pace or a test adapter sleeps,
so a test checks what the pace decides, not how long a run took."""

import time
from contextlib import contextmanager

from senaite.queue.consumer import pacing
from senaite.queue.tests import adapters


class TestClock(object):
    """A clock that moves only when something sleeps on it; it keeps what the pace slept."""

    def __init__(self, now):
        self.now = now
        self.held = []

    def time(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


class PaceClock(object):
    """The clock as the pace module sees it: its sleeps are the time it holds."""

    def __init__(self, clock):
        self.clock = clock

    def time(self):
        return self.clock.time()

    def sleep(self, seconds):
        self.clock.held.append(seconds)
        self.clock.sleep(seconds)


@contextmanager
def clocked():
    """The pace and the test adapters on a ``TestClock``, during the block."""
    clock = TestClock(time.time())
    saved = pacing.time, adapters.time
    pacing.time, adapters.time = PaceClock(clock), clock
    try:
        yield clock
    finally:
        pacing.time, adapters.time = saved
