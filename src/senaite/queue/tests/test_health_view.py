# -*- coding: utf-8 -*-
"""``queue_health`` over real HTTP: 200 while the process does its part, 503 with the reason
for each way it does not."""

import time

import transaction
from plone import api as ploneapi
from senaite.queue.consumer.worker import Config
from senaite.queue.consumer.worker import ensure_worker
from senaite.queue.consumer.worker import stop_worker
from senaite.queue.server.health import SILENT_SECONDS
from senaite.queue.setuphandlers import uninstall_queue
from senaite.queue.tests.base import QueueHTTPTestCase
from senaite.queue.tests.support import CONSUMER

OTHER_SERVER = u"http://otherhost:8080/plone"


class HealthTestCase(QueueHTTPTestCase):

    def health(self):
        """(status code, JSON answer) of an anonymous GET."""
        response = self.http.get(self.site_url + "/queue_health", allow_redirects=False)
        self.assertEqual(response.headers["Content-Type"], "application/json")
        self.assertEqual(response.headers["Cache-Control"], "no-store")
        transaction.begin()
        return response.status_code, response.json()

    def assertHealthy(self, role):
        self.assertEqual(self.health(), (200, {"healthy": True, "role": role, "reason": "OK"}))

    def assertUnhealthy(self, role, reason):
        status, data = self.health()
        self.assertEqual((status, data["healthy"], data["role"]), (503, False, role), data)
        self.assertIn(reason, data["reason"])
        return data["reason"]


class TestServerHealth(HealthTestCase):

    def test_healthy_without_tasks(self):
        self.assertHealthy("server")

    def test_healthy_while_tasks_wait_less_than_the_limit(self):
        self.add_task()
        self.assertHealthy("server")

    def test_no_consumer_ever_while_a_task_waits_too_long(self):
        self.add_task(created=time.time() - SILENT_SECONDS - 100)
        reason = self.assertUnhealthy("server", "1 task(s) queued, the oldest for ")
        self.assertTrue(reason.endswith("no consumer asked for one ever"), reason)

    def test_consumers_silent_too_long(self):
        long_ago = time.time() - SILENT_SECONDS - 100
        for _ in range(2):
            self.add_task(created=long_ago)
        self.queue.pop(CONSUMER, now=long_ago)
        transaction.commit()
        self.assertUnhealthy("server", "and no consumer asked for one for ")
        # a consumer asks again: it is working
        self.queue.pop(CONSUMER + "1")
        transaction.commit()
        self.assertHealthy("server")

    def test_no_queue(self):
        uninstall_queue(self.portal)
        transaction.commit()
        self.assertUnhealthy("server", "senaite.queue is not installed in this site")

    def test_queue_disabled(self):
        ploneapi.portal.set_registry_record("senaite.queue.default", 0)
        transaction.commit()
        self.assertUnhealthy("server", "The queue is disabled")
        # resuming: the queued tasks still run
        self.add_task()
        self.assertHealthy("server")


class TestConsumerHealth(HealthTestCase):
    """This process as a consumer of a queue server elsewhere."""

    def setUp(self):
        super(TestConsumerHealth, self).setUp()
        ploneapi.portal.set_registry_record("senaite.queue.server", OTHER_SERVER)
        transaction.commit()

    def tearDown(self):
        stop_worker(wait=30)
        super(TestConsumerHealth, self).tearDown()

    def start_worker(self, limit):
        config = Config(site_url=self.site_url, server_url=OTHER_SERVER,
                        consumer_id="http://{}:{}".format(self.layer["host"], self.layer["port"]),
                        user_id="labmanager")
        return ensure_worker(self.queue._p_jar.db(), self.queue._p_oid, config, limit)[0]

    def test_no_worker(self):
        self.assertUnhealthy("consumer", "No worker: queue_consume was not called")

    def test_a_worker_kept_going(self):
        self.start_worker(3600)
        self.assertHealthy("consumer")

    def test_a_worker_asked_to_stop(self):
        worker = self.start_worker(3600)
        worker.stop()
        self.assertUnhealthy("consumer", "")

    def test_queue_disabled(self):
        self.start_worker(3600)
        ploneapi.portal.set_registry_record("senaite.queue.server", u"")
        transaction.commit()
        self.assertUnhealthy("consumer", "The queue is disabled")
