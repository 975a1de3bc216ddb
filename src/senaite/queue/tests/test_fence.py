# -*- coding: utf-8 -*-
"""Exactly once, decided by the database: a run's work commits only if its lease is still
the current one when it commits (``TaskQueue.receipt``), whatever the consumer's clock says.
The ``process`` route is called over real HTTP, as a worker calls it."""

import time
from contextlib import contextmanager

import transaction
from senaite.queue import protocol
from senaite.queue.consumer import pacing
from senaite.queue.consumer import routes
from senaite.queue.tests.adapters import get_effects
from senaite.queue.tests.adapters import get_runs
from senaite.queue.tests.support import UNKNOWN_UID
from senaite.queue.tests.support import RouteTestCase

CONSUMER = "http://localhost:8089"
NEXT_CONSUMER = "http://localhost:8091"
# The modules of the consumer that read its clock
CONSUMER_CLOCK = (routes, pacing)


class SkewedClock(object):
    """This process's clock, ``skew`` seconds off."""

    def __init__(self, skew):
        self.skew = skew

    def time(self):
        return time.time() + self.skew

    def sleep(self, seconds):
        time.sleep(seconds)


class FenceTestCase(RouteTestCase):

    def process(self, task, user=None):
        """The ``process`` route for the lease of ``task``, as the worker calls it."""
        return self.call("POST", protocol.PROCESS, {
            "task_uid": task.task_uid, "attempt": task.attempt, "consumer_id": CONSUMER},
            token_user=user or task.username)

    def lease(self, name="queue_test_record", **kw):
        kw.setdefault("username", "queue_consumer")
        kw.setdefault("min_seconds", 0)
        kw.setdefault("uids", [self.new_uid()])
        return super(FenceTestCase, self).lease(name=name, **kw)

    def done(self, task):
        self.queue.done(task.task_uid, task.attempt)
        transaction.commit()

    def assertDoneOnce(self, task):
        transaction.begin()
        self.assertIsNone(self.queue.get_task(task.task_uid))
        self.assertEqual(get_runs(self.portal).get(task.task_uid), 1)
        self.assertEqual([get_effects(self.portal).get(uid) for uid in task.uids], [1])


class TestFence(FenceTestCase):

    def test_the_lease_ends_between_the_last_check_and_the_commit(self):
        # the run passes every check, then, right before its commit, the queue server ends
        # the lease and leases the task to another consumer
        task = self.lease("queue_test_lease_ends", next_consumer=NEXT_CONSUMER)
        response = self.process(task)
        # its commit conflicts; ZPublisher runs the request again, which finds the lease over
        self.assertError(response, 409, "Attempt 1 of task {} is over".format(task.task_uid))
        transaction.begin()
        again = self.queue.get_task(task.task_uid)
        self.assertEqual((again.status, again.attempt, again.consumer_id),
                         ("running", 2, NEXT_CONSUMER))
        self.assertIsNone(get_runs(self.portal).get(task.task_uid))
        # the second lease's run commits, and the task is done once
        self.assertOK(self.process(again))
        self.done(again)
        self.assertDoneOnce(task)

    def test_a_failure_reported_after_the_commit_counts_the_task_done(self):
        # the consumer could not tell whether its commit went through: it reports a failure
        task = self.lease(retries=3)
        self.assertOK(self.process(task))
        transaction.begin()
        failed = self.queue.fail(task.task_uid, task.attempt, "Connection lost")
        transaction.commit()
        self.assertIsNone(failed.status)
        self.assertDoneOnce(task)


class TestSkewedConsumerClock(FenceTestCase):
    """A consumer on a host whose clock is 30 s off the queue server's."""

    @contextmanager
    def skewed(self, skew):
        """The consumer's modules read a clock ``skew`` seconds off, during the block."""
        saved = [(module, module.time) for module in CONSUMER_CLOCK]
        for module in CONSUMER_CLOCK:
            module.time = SkewedClock(skew)
        try:
            yield
        finally:
            for module, clock in saved:
                module.time = clock

    def test_ahead_a_run_within_its_lease_commits(self):
        # by the consumer's clock the lease has ended already; by the server's it has not
        task = self.lease(max_seconds=10)
        with self.skewed(30):
            self.assertOK(self.process(task))
        self.done(task)
        self.assertDoneOnce(task)

    def test_behind_a_run_whose_lease_ended_commits_nothing(self):
        # by the consumer's clock the lease has 30 s left; the server has ended it
        task = self.lease("queue_test_lease_ends", next_consumer=NEXT_CONSUMER,
                          max_seconds=10)
        with self.skewed(-30):
            self.assertError(self.process(task), 409)
            transaction.begin()
            again = self.queue.get_task(task.task_uid)
            self.assertOK(self.process(again))
        self.done(again)
        self.assertDoneOnce(task)


class TestRefusals(FenceTestCase):
    """What the ``process`` route refuses, and that it changes nothing then."""

    def test_another_user(self):
        task = self.lease()
        before = self.snapshot()
        self.assertRefused(before, self.process(task, user="labmanager"), 403,
                           "Task {} runs as queue_consumer, not as labmanager".format(
                               task.task_uid))
        self.assertEqual(get_runs(self.portal).get(task.task_uid), None)

    def test_unknown_task(self):
        before = self.snapshot()
        response = self.call("POST", protocol.PROCESS, {"task_uid": UNKNOWN_UID,
                                                        "attempt": 1},
                             token_user="queue_consumer")
        self.assertRefused(before, response, 404, "Task not found: {}".format(UNKNOWN_UID))

    def test_an_attempt_that_is_over(self):
        task = self.lease(retries=3)
        self.queue.timeout(task.task_uid, task.attempt)
        again = self.queue.pop(NEXT_CONSUMER, now=time.time() + 60)
        transaction.commit()
        before = self.snapshot()
        self.assertRefused(before, self.process(task), 409,
                           "Attempt 1 of task {} is over".format(task.task_uid))
        self.assertEqual(again.attempt, 2)

    def test_a_task_that_is_not_running(self):
        task = self.lease(retries=3)
        self.queue.timeout(task.task_uid, task.attempt)
        transaction.commit()
        before = self.snapshot()
        saved = routes.LEASE_WAIT_SECONDS
        routes.LEASE_WAIT_SECONDS = 0
        try:
            response = self.process(task)
        finally:
            routes.LEASE_WAIT_SECONDS = saved
        self.assertRefused(before, response, 409, "Task {} is not running with attempt 1"
                           .format(task.task_uid))
