# -*- coding: utf-8 -*-
"""One path per transition (``server.dispatch``), whoever asks for it.

A running task is not removed, whether the door, the JSON route or 1.x's utility is asked
(the Queue Monitor's *Remove* button: ``test_monitor``); once its lease is purged it can
be. A requeue from the Queue Monitor, in the user's transaction, that races a consumer's
``done``, applied under the queue server's lock on its own connection, leaves one outcome:
the task is done once and not queued again.
"""

import transaction
from plone.protect.authenticator import createToken
from Products.statusmessages.interfaces import IStatusMessage
from senaite.queue import api
from senaite.queue.browser.monitor_actions import WorkflowActionRequeueAdapter
from senaite.queue.core.errors import TaskStatusError
from senaite.queue.interfaces import IQueueUtility
from senaite.queue.interfaces import ISenaiteQueueLayer
from senaite.queue.protocol import TOKEN_HEADER
from senaite.queue.server import dispatch
from senaite.queue.tests.support import CONSUMER
from senaite.queue.tests.support import RouteTestCase
from ZODB.POSException import ConflictError
from zope.component import getUtility
from zope.interface import alsoProvides

RUNNING = "Task is running, it cannot be removed: {}"


class TestDeleteRunning(RouteTestCase):
    """One rule, in ``dispatch.delete``."""

    def test_api(self):
        running = self.lease()
        for kw in ({}, {"running": True}, {"running": False}):
            with self.assertRaises(TaskStatusError) as raised:
                api.delete_task(running.task_uid, **kw)
            self.assertEqual(str(raised.exception), RUNNING.format(running.task_uid))
        self.assertEqual(self.queue.get_task(running.task_uid), running)

    def test_route(self):
        running = self.lease()
        before = self.snapshot()
        response = self.call("POST", "queue_server/delete", {"task_uid": running.task_uid},
                             user="labmanager")
        self.assertRefused(before, response, 412, RUNNING.format(running.task_uid))

    def test_utility(self):
        running = self.lease()
        utility = getUtility(IQueueUtility)
        for task in (running, running.task_uid):
            with self.assertRaises(TaskStatusError):
                utility.delete(task)
        self.assertEqual(self.queue.get_task(running.task_uid), running)

    def test_removed_once_its_lease_is_purged(self):
        running = self.lease(retries=0)
        purged = self.queue.purge(now=running.started + running.max_seconds + 1)
        transaction.commit()
        self.assertEqual([task.status for task in purged], ["failed"])
        self.assertIsNone(api.delete_task(running.task_uid).status)
        self.assertIsNone(self.queue.get_task(running.task_uid))


class TestRequeueRacingDone(RouteTestCase):
    """The Queue Monitor's *Requeue* in the user's transaction, and a consumer's ``pop``
    and ``done`` through the queue server's routes, at the same time."""

    def setUp(self):
        super(TestRequeueRacingDone, self).setUp()
        alsoProvides(self.request, ISenaiteQueueLayer)
        self.done_before = self.queue.counts()["done"]

    def consumer(self, route, payload):
        """A consumer's call of a server route; the test's transaction is left alone."""
        response = self.http.post(self.url(route), json=payload, headers={
            "Accept": "application/json",
            TOKEN_HEADER: self.mint("queue_consumer", "POST", route)})
        return self.assertOK(response)

    def press_requeue(self, task_uid):
        """The monitor's *Requeue* button, in the test's transaction; its messages."""
        self.request.form.update(uids=[task_uid], _authenticator=createToken())
        self.request.environ["REQUEST_METHOD"] = "POST"
        WorkflowActionRequeueAdapter(self.portal, self.request)("queue_requeue", [task_uid])
        return " ".join(message.message for message in IStatusMessage(self.request).show())

    def assertDoneOnce(self, task_uid):
        transaction.begin()
        self.assertIsNone(self.queue.get_task(task_uid))
        self.assertEqual(self.queue.counts()["done"], self.done_before + 1)
        self.assertEqual(self.queue.counts()["queued"], 0)

    def test_running_in_the_monitors_view(self):
        """The monitor sees the task running: its requeue is refused, the done counts."""
        task = self.add_task()
        popped = self.consumer("queue_server/pop", {"consumer_id": CONSUMER})["task"]
        transaction.begin()
        self.assertIn("Running tasks cannot be changed", self.press_requeue(task.task_uid))
        transaction.commit()
        self.consumer("queue_server/done", {"task_uid": task.task_uid,
                                            "attempt": popped["attempt"]})
        self.assertDoneOnce(task.task_uid)

    def test_queued_in_the_monitors_view(self):
        """The monitor's transaction began before the pop: the consumer's pop and done
        commit first, the requeue conflicts at its commit, and ZPublisher's retry finds the
        task gone."""
        task = self.add_task()
        transaction.begin()
        self.assertEqual(api.get_task(task.task_uid).status, "queued")
        popped = self.consumer("queue_server/pop", {"consumer_id": CONSUMER})["task"]
        self.consumer("queue_server/done", {"task_uid": task.task_uid,
                                            "attempt": popped["attempt"]})
        self.assertIn("Tasks queued again", self.press_requeue(task.task_uid))
        with self.assertRaises(ConflictError):
            transaction.commit()
        transaction.abort()
        self.assertIn("not found", self.press_requeue(task.task_uid))
        transaction.commit()
        self.assertDoneOnce(task.task_uid)

    def test_requeue_commits_during_the_pop(self):
        """The requeue commits while the server pops the task: the pop conflicts, its retry
        leases the requeued task, and the consumer's done counts."""
        task = self.add_task()
        pressed = []

        def pop(queue):
            leased = dispatch.pop(queue, CONSUMER)
            if not pressed:
                pressed.append(self.press_requeue(task.task_uid))
                transaction.commit()
            return leased

        popped = dispatch.run(self.queue, pop)
        self.assertIn("Tasks queued again", pressed[0])
        self.assertEqual((popped.task_uid, popped.attempt), (task.task_uid, 1))
        self.consumer("queue_server/done", {"task_uid": task.task_uid,
                                            "attempt": popped.attempt})
        self.assertDoneOnce(task.task_uid)
