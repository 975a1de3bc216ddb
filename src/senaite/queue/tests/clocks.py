# -*- coding: utf-8 -*-
"""A consumer's clock for the tests: it moves only when the pace or a test adapter sleeps,
so a test checks what the pace decides, not how long a run took."""

import time
import unittest
from contextlib import contextmanager

from plone import api as ploneapi
from plone.app.testing import TEST_USER_ID
from plone.app.testing import setRoles
from senaite.queue import api
from senaite.queue.consumer import pacing
from senaite.queue.interfaces import ISenaiteQueueLayer
from senaite.queue.testing import SENAITE_QUEUE_TESTING
from senaite.queue.tests import adapters
from zope.interface import alsoProvides


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


class PaceTestCase(unittest.TestCase):
    """Runs of tasks in this process, on a test clock, with ``window_tasks`` tasks per
    window."""

    layer = SENAITE_QUEUE_TESTING
    window_tasks = 50

    def setUp(self):
        self.portal = self.layer["portal"]
        self.request = self.layer["request"]
        alsoProvides(self.request, ISenaiteQueueLayer)
        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        self.queue = api.get_task_queue()
        ploneapi.portal.set_registry_record("senaite.queue.window_tasks", self.window_tasks)
        del adapters.CHUNK_STARTS[:]
