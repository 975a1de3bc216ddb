# -*- coding: utf-8 -*-
"""The consumer: clock tick, worker and the process route, over real HTTP."""

import time

import transaction
from senaite.queue.consumer.worker import stop_worker
from senaite.queue.tests.adapters import get_effects
from senaite.queue.tests.base import QueueHTTPTestCase
from senaite.queue.tests.base import password


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
