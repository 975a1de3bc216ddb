# -*- coding: utf-8 -*-
"""The consumer's worker lives on ticks: how long, what it does when they stop, and what
``queue_consume`` answers to callers that are not the clock-server."""

import os
import shutil
import tempfile
import time

import transaction
from plone.app.testing import SITE_OWNER_NAME
from plone.app.testing import SITE_OWNER_PASSWORD
from senaite.queue.consumer import consume as consume_module
from senaite.queue.consumer import worker as worker_module
from senaite.queue.consumer.consume import get_clock_period
from senaite.queue.consumer.consume import is_clock_tick
from senaite.queue.consumer.worker import Config
from senaite.queue.consumer.worker import ensure_worker
from senaite.queue.consumer.worker import get_worker
from senaite.queue.consumer.worker import idle_limit
from senaite.queue.consumer.worker import stop_worker
from senaite.queue.tests.adapters import get_runs
from senaite.queue.tests.base import QueueHTTPTestCase
from senaite.queue.tests.base import password
from senaite.queue.tests.base import until
from senaite.queue.tests.test_api import patched


class TickClock(object):
    """The worker's clock, moved by the test."""

    def __init__(self):
        self.now = time.time()

    def time(self):
        return self.now


class FakeServer(object):

    def __init__(self, method, period):
        self.method = method
        self.period = period


class FakeConfiguration(object):

    def __init__(self, *servers):
        self.servers = list(servers)


class FakeRequest(object):

    def __init__(self, **environ):
        self.environ = environ


class TestIdleLimit(QueueHTTPTestCase):

    def test_never_below_three_idle_wakeups(self):
        """ZServer wakes its clock every ~30 s while the process is idle, whatever the
        period: 90 s at least, or 4 periods."""
        self.assertEqual(idle_limit(None), 90)
        self.assertEqual(idle_limit(1), 90)
        self.assertEqual(idle_limit(5), 90)
        self.assertEqual(idle_limit(30), 120)
        self.assertEqual(idle_limit(60), 240)

    def test_clock_period_of_this_process(self):
        def period(*servers):
            with patched(consume_module, getConfiguration=lambda: FakeConfiguration(*servers)):
                return get_clock_period()
        self.assertIsNone(period())
        self.assertEqual(period(FakeServer("/senaite/queue_consume", 5)), 5)
        self.assertEqual(period(FakeServer("/senaite/@@queue_consume/", 7)), 7)
        self.assertEqual(period(FakeServer("/senaite/queue_consume", 5),
                                FakeServer("/other/queue_consume", 20)), 20)
        self.assertIsNone(period(FakeServer("/senaite/other_view", 5)))
        # the HTTP servers of the process have no method
        self.assertIsNone(period(object()))
        # this test process has no clock-server at all
        self.assertIsNone(get_clock_period())

    def test_clock_tick(self):
        self.assertTrue(is_clock_tick(FakeRequest(SERVER_NAME="Zope Clock Server")))
        self.assertFalse(is_clock_tick(FakeRequest(SERVER_NAME="localhost")))
        self.assertFalse(is_clock_tick(FakeRequest()))


class WorkerTestCase(QueueHTTPTestCase):

    def setUp(self):
        super(WorkerTestCase, self).setUp()
        self.consumer_id = "http://{}:{}".format(self.layer["host"], self.layer["port"])

    def tearDown(self):
        stop_worker(wait=30)
        super(WorkerTestCase, self).tearDown()

    def start(self, limit):
        """What a tick does, with an idle limit of ``limit`` seconds."""
        config = Config(site_url=self.site_url, server_url=self.site_url,
                        consumer_id=self.consumer_id, user_id="queue_consumer")
        return ensure_worker(self.queue._p_jar.db(), self.queue._p_oid, config, limit)

    def counts(self):
        transaction.begin()
        return self.queue.counts()


class TestLifeOnTicks(WorkerTestCase):

    def test_stops_without_ticks(self):
        worker, started = self.start(1)
        self.assertTrue(started)
        self.assertIs(get_worker(), worker)
        self.assertTrue(until(lambda: get_worker() is None, 30))
        worker.join(10)
        self.assertFalse(worker.is_alive())
        # the next tick starts a new one
        new, started = self.start(1)
        self.assertTrue(started)
        self.assertIsNot(new, worker)

    def test_ticks_keep_it_going(self):
        # the worker's clock moves as the test says: a tick every 0.3 s, for 3 s
        clock = TickClock()
        with patched(worker_module, time=clock):
            worker, started = self.start(1)
            for _ in range(10):
                clock.now += 0.3
                self.assertTrue(worker.goes_on())
                self.assertEqual(self.start(1), (worker, False))
            self.assertIs(get_worker(), worker)
            # then no tick for longer than the limit: it stops
            clock.now += 1.5
            self.assertFalse(worker.goes_on())
            self.assertTrue(until(lambda: get_worker() is None, 30))

    def test_reports_the_task_in_hand_and_takes_no_other(self):
        """Past its idle limit, a worker does not ask for the next task with its report:
        nothing stays leased to a worker that is gone."""
        gate = os.path.join(tempfile.mkdtemp(), "gate")
        self.addCleanup(shutil.rmtree, os.path.dirname(gate))
        self.add_task("queue_test_gate", uids=["{:032x}".format(1)], gate=gate,
                      min_seconds=0, username="queue_consumer")
        for i in range(2):
            self.add_task(uids=["{:032x}".format(i + 2)], min_seconds=0,
                          username="queue_consumer")
        clock = TickClock()
        with patched(worker_module, time=clock):
            self.start(0.5)
            # the first task runs; meanwhile no tick comes for longer than the limit
            self.assertTrue(until(lambda: os.path.exists(gate + ".held"), 30))
            clock.now += 1
            open(gate, "w").close()
            self.assertTrue(until(lambda: get_worker() is None, 30))
        self.assertEqual(self.counts(), {"queued": 2, "running": 0, "failed": 0, "done": 1})

    def test_takes_back_a_lease_of_its_consumer(self):
        """A lease in this consumer's name, left by a worker that is gone: the new worker's
        first pop gives it back at once, rather than at the end of its lease."""
        task = self.add_task(uids=["{:032x}".format(7)], min_seconds=0, max_seconds=600,
                             username="queue_consumer")
        self.queue.pop(self.consumer_id)
        transaction.commit()
        self.start(60)

        def given_back():
            transaction.begin()
            stored = self.queue.get_task(task.task_uid)
            return stored if stored.status == "queued" else None
        # queued again with a delay of 5 s
        queued = until(given_back, 30)
        self.assertEqual(queued.error_message, "Purged on pop ({})".format(self.consumer_id))
        self.assertTrue(until(lambda: self.counts()["done"] == 1, 30))
        transaction.begin()
        self.assertEqual(get_runs(self.portal)[task.task_uid], 1)


class TestConsumeAnswers(WorkerTestCase):
    """``queue_consume`` answers one line of text to anyone allowed to call it."""

    def visit(self, method="GET", auth=("queue_consumer", password("queue_consumer")),
              **kw):
        response = self.http.request(method, "{}/queue_consume".format(self.site_url),
                                     auth=auth, allow_redirects=False, **kw)
        transaction.begin()
        return response

    def assertText(self, response, start, status=200):
        self.assertEqual(response.status_code, status, response.text[:500])
        self.assertEqual(response.headers["Content-Type"].split(";")[0], "text/plain")
        self.assertTrue(response.text.startswith(start), response.text[:500])
        self.assertNotIn("Traceback", response.text)
        self.assertEqual(len(response.text.splitlines()), 1, response.text[:500])

    def test_a_visit_says_it_is_not_a_tick(self):
        response = self.visit()
        self.assertText(response, "Consumer started: queue.consumer.")
        self.assertIn("stops after 90 s without a call (this call is not a clock tick)",
                      response.text)
        self.assertText(self.visit(), "Consumer running: ")

    def test_zope_root_user_gets_no_worker(self):
        """The queue server knows the site's users only: it would refuse such a worker."""
        response = self.visit(auth=(SITE_OWNER_NAME, SITE_OWNER_PASSWORD))
        self.assertText(response, "{} is not a user of this site".format(SITE_OWNER_NAME))
        self.assertIsNone(get_worker())

    def test_other_requests(self):
        cases = [
            ("GET", {"params": {"period": "x", "consumer_id": "<script>"}}),
            ("POST", {"data": "\x00\xff not a form"}),
            ("POST", {"json": {"task_uid": "nope"}}),
            ("GET", {"headers": {"Accept": "application/json"}}),
            ("GET", {"headers": {"Host": "evil.example.com"}}),
        ]
        for method, kw in cases:
            self.assertText(self.visit(method, **kw), "Consumer ")
        response = self.visit(headers={"Host": "localhost:notaport"})
        self.assertEqual(response.headers["Content-Type"].split(";")[0], "text/plain")
        self.assertNotIn("Traceback", response.text)

    def test_failure_is_one_line_too(self):
        def boom():
            raise RuntimeError("No database")
        with patched(consume_module.api, get_queue_status=boom):
            self.assertText(self.visit(), "Failed: RuntimeError: No database", status=500)

    def test_disabled_queue_stops_the_worker(self):
        self.assertText(self.visit(), "Consumer started: ")
        self.set_server(u"")
        response = self.visit()
        self.assertText(response, "Server is disabled (not configured)")
        self.assertTrue(until(lambda: get_worker() is None, 10))

    def set_server(self, url):
        from plone import api as ploneapi
        ploneapi.portal.set_registry_record("senaite.queue.server", url)
        transaction.commit()
