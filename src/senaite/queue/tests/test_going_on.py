# -*- coding: utf-8 -*-
"""A task fills its minimum seconds with work: it goes on with its own rest, in the same
transaction, instead of sleeping (``consumer.pacing``).

The consumer's clock is a test clock here, which moves only when the task adapter or the
pace wait: what the pace decides is checked, not how long a run took."""

import time

import transaction
from bika.lims import api as capi
from plone import api as ploneapi
from senaite.queue import api
from senaite.queue.consumer.pacing import CONTENDED_PAUSE
from senaite.queue.tests.adapters import CHUNK_STARTS
from senaite.queue.tests.adapters import get_effects
from senaite.queue.tests.clocks import PaceTestCase
from senaite.queue.tests.clocks import clocked
from senaite.queue.tests.utils import run_one

CONSUMER = "http://localhost:8089"


def uids(count):
    return ["{:032x}".format(i + 1) for i in range(count)]


class TestGoingOn(PaceTestCase):
    """One task per window, as 1.x ran them: the run holds the rest of its minimum seconds
    (windows of many tasks are tested in test_windows)."""

    window_tasks = 1

    def leased(self, name="queue_test_chunks", **kw):
        """A task of ``name`` popped by a consumer, as the process route gets it."""
        kw.setdefault("chunk_size", 2)
        kw.setdefault("min_seconds", 1)
        api.add_task(name, self.portal, **kw)
        return self.queue.pop(CONSUMER, max_consumers=16)

    def rests(self, name="queue_test_chunks"):
        return self.queue.get_tasks_for(capi.get_uid(self.portal), name=name,
                                        status="queued")

    def effects(self):
        return sorted(get_effects(self.portal).keys())

    def paced(self, task):
        """The task's run on a test clock: (the wait after it, the clock)."""
        with clocked() as clock:
            started = clock.time()
            wait = run_one(task, self.request)
        self.started = started
        return wait, clock

    def test_goes_on_until_the_rest_is_empty(self):
        task = self.leased(uids=uids(10))
        wait, clock = self.paced(task)
        self.assertEqual(self.effects(), uids(10))
        self.assertEqual(len(CHUNK_STARTS), 5)
        self.assertEqual(self.rests(), [])
        # the rest took no time: the run still holds the whole minimum second
        self.assertEqual(clock.held, [1])
        self.assertEqual(wait, 0)

    def test_empty_rest(self):
        task = self.leased(uids=uids(2))
        self.paced(task)
        self.assertEqual(self.effects(), uids(2))
        self.assertEqual(len(CHUNK_STARTS), 1)
        self.assertEqual(self.rests(), [])

    def test_no_chunk_starts_after_the_minimum_seconds(self):
        # each chunk takes 0.3 s: four start within the minimum second, the fifth would not
        task = self.leased(uids=uids(40), chunk_seconds=0.3)
        wait, clock = self.paced(task)
        self.assertEqual([round(start - self.started, 1) for start in CHUNK_STARTS],
                         [0, 0.3, 0.6, 0.9])
        self.assertEqual(self.effects(), uids(40)[:8])
        rest = self.rests()
        self.assertEqual([t.uids for t in rest], [uids(40)[8:]])
        # past its minimum second: nothing left to hold
        self.assertEqual(clock.held, [])

    def test_no_chunk_starts_after_half_the_time_limit(self):
        # the minimum seconds are longer than half of max_seconds: half of it is the limit
        task = self.leased(uids=uids(40), chunk_seconds=0.3, min_seconds=30, max_seconds=2)
        self.paced(task)
        self.assertEqual([round(start - self.started, 1) for start in CHUNK_STARTS],
                         [0, 0.3, 0.6, 0.9])
        self.assertEqual(len(self.rests()), 1)

    def test_failure_after_several_chunks_aborts_everything(self):
        task = self.leased(uids=uids(10), fail_at=uids(10)[6])
        with self.assertRaises(RuntimeError):
            self.paced(task)
        self.assertEqual(len(CHUNK_STARTS), 4)
        # what the process route does with any error
        transaction.abort()
        self.assertEqual(self.effects(), [])
        self.assertIsNone(self.queue.get_task(task.task_uid))

    def test_a_run_past_its_time_limit_is_not_refused_by_its_clock(self):
        # by the consumer's clock the run ends past its lease: whether it may commit is
        # decided by the database at the commit (the task's receipt), not here
        task = self.leased(uids=uids(4), chunk_seconds=1.5, max_seconds=1, min_seconds=0)
        self.assertEqual(self.paced(task)[0], 0)
        self.assertEqual(self.effects(), uids(2))

    def test_adapter_that_does_not_go_on(self):
        task = self.leased("queue_test_chunks_stay", uids=uids(10))
        wait, clock = self.paced(task)
        self.assertEqual(clock.held, [1])
        self.assertEqual(self.effects(), uids(2))
        rest = self.rests("queue_test_chunks_stay")
        self.assertEqual([t.uids for t in rest], [uids(10)[2:]])

    def test_not_after_a_conflict(self):
        task = self.leased(uids=uids(10))
        self.queue.conflict(task.task_uid, task.attempt, "ConflictError on /x", now=time.time())
        task = self.queue.pop(CONSUMER, max_consumers=16, now=time.time() + 60)
        self.assertEqual(task.conflicts, 1)
        wait, clock = self.paced(task)
        self.assertEqual(len(CHUNK_STARTS), 1)
        self.assertEqual(self.effects(), uids(1))
        # nor does it hold its transaction: its consumer waits its minimum second after
        # the commit instead
        self.assertEqual(clock.held, [])
        self.assertEqual(wait, 1)
        rest = self.rests()
        self.assertEqual([t.min_seconds for t in rest], [1])
        self.assertGreater(rest[0].contended_until, time.time())

    def test_not_when_the_publisher_runs_the_request_again(self):
        task = self.leased(uids=uids(10))
        self.request.retry_count = 1
        try:
            wait, clock = self.paced(task)
        finally:
            self.request.retry_count = 0
        self.assertEqual(clock.held, [])
        self.assertEqual(wait, 1)
        self.assertEqual(self.effects(), uids(2))
        self.assertEqual([t.uids for t in self.rests()], [uids(10)[2:]])

    def test_a_pause_after_a_conflict_even_without_minimum_seconds(self):
        task = self.leased(uids=uids(4), min_seconds=0)
        self.queue.conflict(task.task_uid, task.attempt, "ConflictError on /x", now=time.time())
        task = self.queue.pop(CONSUMER, max_consumers=16, now=time.time() + 60)
        self.assertEqual(self.paced(task)[0], CONTENDED_PAUSE)
        self.assertEqual(self.effects(), uids(1))

    def test_setting_off(self):
        ploneapi.portal.set_registry_record("senaite.queue.fill_min_seconds", False)
        task = self.leased(uids=uids(10))
        self.paced(task)
        self.assertEqual(self.effects(), uids(2))
        self.assertEqual(len(self.rests()), 1)

    def test_no_minimum_seconds(self):
        task = self.leased(uids=uids(10), min_seconds=0)
        self.paced(task)
        self.assertEqual(self.effects(), uids(2))
        self.assertEqual(len(self.rests()), 1)
