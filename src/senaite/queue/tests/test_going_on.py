# -*- coding: utf-8 -*-
"""A task fills its minimum seconds with work: it goes on with its own rest, in the same
transaction, instead of sleeping (``consumer.processor``)."""

import time
import unittest

import transaction
from bika.lims import api as capi
from plone import api as ploneapi
from plone.app.testing import TEST_USER_ID
from plone.app.testing import setRoles
from senaite.queue import api
from senaite.queue.consumer.pacing import CONTENDED_PAUSE
from senaite.queue.consumer.routes import run_task as process_task
from senaite.queue.interfaces import ISenaiteQueueLayer
from senaite.queue.routing.payload import RouteError
from senaite.queue.testing import SENAITE_QUEUE_TESTING
from senaite.queue.tests.adapters import CHUNK_STARTS
from senaite.queue.tests.adapters import get_effects
from zope.interface import alsoProvides

CONSUMER = "http://localhost:8089"


def uids(count):
    return ["{:032x}".format(i + 1) for i in range(count)]


class TestGoingOn(unittest.TestCase):

    layer = SENAITE_QUEUE_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        self.request = self.layer["request"]
        alsoProvides(self.request, ISenaiteQueueLayer)
        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        self.queue = api.get_task_queue()
        del CHUNK_STARTS[:]

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

    def test_goes_on_until_the_rest_is_empty(self):
        task = self.leased(uids=uids(10))
        started = time.time()
        process_task(task, self.request)
        self.assertEqual(self.effects(), uids(10))
        self.assertEqual(len(CHUNK_STARTS), 5)
        self.assertEqual(self.rests(), [])
        # the rest was done before the minimum seconds: it still holds them
        self.assertGreaterEqual(time.time() - started, 1)

    def test_empty_rest(self):
        task = self.leased(uids=uids(2))
        process_task(task, self.request)
        self.assertEqual(self.effects(), uids(2))
        self.assertEqual(len(CHUNK_STARTS), 1)
        self.assertEqual(self.rests(), [])

    def test_no_chunk_starts_after_the_minimum_seconds(self):
        task = self.leased(uids=uids(40), chunk_seconds=0.3)
        process_task(task, self.request)
        first = CHUNK_STARTS[0]
        self.assertGreater(len(CHUNK_STARTS), 1)
        self.assertTrue(all(start < first + 1 for start in CHUNK_STARTS))
        done = len(CHUNK_STARTS) * 2
        self.assertEqual(self.effects(), uids(40)[:done])
        rest = self.rests()
        self.assertEqual(len(rest), 1)
        self.assertEqual(rest[0].uids, uids(40)[done:])

    def test_failure_after_several_chunks_aborts_everything(self):
        task = self.leased(uids=uids(10), fail_at=uids(10)[6])
        with self.assertRaises(RuntimeError):
            process_task(task, self.request)
        self.assertEqual(len(CHUNK_STARTS), 4)
        # what the process route does with any error
        transaction.abort()
        self.assertEqual(self.effects(), [])
        self.assertIsNone(self.queue.get_task(task.task_uid))

    def test_time_limit_in_the_middle_of_a_chunk(self):
        task = self.leased(uids=uids(4), chunk_seconds=1.5, max_seconds=1, min_seconds=0)
        with self.assertRaises(RouteError) as raised:
            process_task(task, self.request)
        self.assertEqual(raised.exception.status, 408)
        transaction.abort()
        self.assertEqual(self.effects(), [])

    def test_lease_ends_while_holding_the_minimum_seconds(self):
        # the lease started 1.5 s before the run: it ends within the minimum seconds
        task = self.leased(uids=uids(2), max_seconds=2, min_seconds=1)
        task.started = time.time() - 1.5
        with self.assertRaises(RouteError) as raised:
            process_task(task, self.request)
        self.assertEqual(raised.exception.status, 408)
        transaction.abort()
        self.assertEqual(self.effects(), [])

    def test_adapter_that_does_not_go_on(self):
        task = self.leased("queue_test_chunks_stay", uids=uids(10))
        started = time.time()
        process_task(task, self.request)
        self.assertGreaterEqual(time.time() - started, 1)
        self.assertEqual(self.effects(), uids(2))
        rest = self.rests("queue_test_chunks_stay")
        self.assertEqual([t.uids for t in rest], [uids(10)[2:]])

    def test_not_after_a_conflict(self):
        task = self.leased(uids=uids(10))
        self.queue.conflict(task.task_uid, task.attempt, "ConflictError on /x", now=time.time())
        task = self.queue.pop(CONSUMER, max_consumers=16, now=time.time() + 60)
        self.assertEqual(task.conflicts, 1)
        started = time.time()
        wait = process_task(task, self.request)
        self.assertEqual(len(CHUNK_STARTS), 1)
        self.assertEqual(self.effects(), uids(1))
        # nor does it hold its transaction: its consumer keeps the pace after the commit
        self.assertLess(time.time() - started, 1)
        self.assertGreater(wait, 0.5)
        rest = self.rests()
        self.assertEqual([t.min_seconds for t in rest], [1])
        self.assertGreater(rest[0].contended_until, time.time())

    def test_not_when_the_publisher_runs_the_request_again(self):
        task = self.leased(uids=uids(10))
        self.request.retry_count = 1
        try:
            started = time.time()
            wait = process_task(task, self.request)
        finally:
            self.request.retry_count = 0
        self.assertLess(time.time() - started, 1)
        self.assertGreater(wait, 0.5)
        self.assertEqual(self.effects(), uids(2))
        self.assertEqual([t.uids for t in self.rests()], [uids(10)[2:]])

    def test_a_pause_after_a_conflict_even_without_minimum_seconds(self):
        task = self.leased(uids=uids(4), min_seconds=0)
        self.queue.conflict(task.task_uid, task.attempt, "ConflictError on /x", now=time.time())
        task = self.queue.pop(CONSUMER, max_consumers=16, now=time.time() + 60)
        self.assertEqual(process_task(task, self.request), CONTENDED_PAUSE)
        self.assertEqual(self.effects(), uids(1))

    def test_setting_off(self):
        ploneapi.portal.set_registry_record("senaite.queue.fill_min_seconds", False)
        task = self.leased(uids=uids(10))
        process_task(task, self.request)
        self.assertEqual(self.effects(), uids(2))
        self.assertEqual(len(self.rests()), 1)

    def test_no_minimum_seconds(self):
        task = self.leased(uids=uids(10), min_seconds=0)
        process_task(task, self.request)
        self.assertEqual(self.effects(), uids(2))
        self.assertEqual(len(self.rests()), 1)
