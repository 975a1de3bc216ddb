# -*- coding: utf-8 -*-
"""The consumer: clock tick, worker and the process route, over real HTTP."""

import time

import transaction
from senaite.queue.consumer.worker import stop_worker
from plone import api as ploneapi
from senaite.queue.tests.adapters import get_effects
from senaite.queue.tests.adapters import get_runners
from senaite.queue.tests.adapters import get_runs
from senaite.queue.tests.base import QueueHTTPTestCase
from senaite.queue.tests.base import password
from senaite.queue.tests.base import until


def new_uid(i):
    return "{:032x}".format(i + 1)


class TestConsumer(QueueHTTPTestCase):

    def tearDown(self):
        stop_worker(wait=10)
        super(TestConsumer, self).tearDown()

    def tick(self):
        """The clock-server's call, as the reserved user."""
        response = self.http.get("{}/queue_consume".format(self.site_url),
                                 auth=("queue_consumer", password("queue_consumer")))
        transaction.begin()
        return response

    def wait_empty(self, seconds=60):
        deadline = time.time() + seconds
        while time.time() < deadline:
            transaction.begin()
            if self.queue.is_empty():
                return True
            time.sleep(0.2)
        return False

    def test_drains_queue(self):
        for i in range(5):
            self.add_task(uids=[new_uid(i)], min_seconds=0, username="queue_consumer")
        response = self.tick()
        self.assertEqual(response.status_code, 200)
        self.assertIn("Consumer started", response.text)
        self.assertTrue(self.wait_empty())
        effects = get_effects(self.portal)
        self.assertEqual(sorted(effects.keys()), [new_uid(i) for i in range(5)])
        self.assertEqual(self.queue.counts()["done"], 5)

    def test_drains_in_windows_each_task_as_its_user(self):
        # windows of 2: each report hands the worker its next window, which it runs; a
        # window lost on the way would be given back by the next pop, as a retry
        ploneapi.portal.set_registry_record("senaite.queue.window_tasks", 2)
        users = ["labmanager", "labclerk", "queue_consumer", "analyst", "labmanager"]
        retried = self.queue.metrics().counters()["retried"].get("queue_test_record", 0)
        tasks = [self.add_task(uids=[new_uid(i)], min_seconds=0, username=user)
                 for i, user in enumerate(users)]
        self.add_task("queue_test_raise", min_seconds=0, retries=0,
                      username="queue_consumer")
        self.assertEqual(self.tick().status_code, 200)
        self.assertTrue(until(lambda: self.counts()["queued"] + self.counts()["running"] == 0,
                              60))
        self.assertEqual(self.counts()["failed"], 1)
        runners = get_runners(self.portal)
        self.assertEqual([runners.get(task.task_uid) for task in tasks], users)
        self.assertEqual([get_runs(self.portal).get(task.task_uid) for task in tasks],
                         [1] * 5)
        self.assertEqual(
            self.queue.metrics().counters()["retried"].get("queue_test_record", 0), retried)

    def counts(self):
        transaction.begin()
        return self.queue.counts()

    def test_conflict_inside_the_task_commits_nothing(self):
        # raised inside the route, a conflict is answered as one, not as the JSON API's
        # 200 error whose transaction would commit what the task wrote
        task = self.add_task("queue_test_write_conflict", uids=[new_uid(0)], min_seconds=0,
                             username="queue_consumer")
        self.assertEqual(self.tick().status_code, 200)
        deadline = time.time() + 60
        while time.time() < deadline:
            transaction.begin()
            current = self.queue.get_task(task.task_uid)
            if current.conflicts:
                break
            time.sleep(0.2)
        self.assertEqual(current.conflicts, 1)
        self.assertEqual(current.status, "queued")
        self.assertEqual(current.retries, task.retries)
        self.assertIn("ReadConflictError", current.error_message)
        self.assertEqual(dict(get_effects(self.portal)), {})
