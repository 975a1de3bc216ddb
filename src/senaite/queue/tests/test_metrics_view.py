# -*- coding: utf-8 -*-
"""``queue_metrics`` over real HTTP: what Prometheus reads, and who may read it."""

import time

import transaction
from plone import api as ploneapi
from prometheus_client.openmetrics.parser import text_string_to_metric_families as \
    parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families
from senaite.queue.permissions import ViewMetrics
from senaite.queue.tests.base import QueueHTTPTestCase
from senaite.queue.tests.support import CONSUMER

PROMETHEUS = "prometheus"
NAME = "queue_test_record"


def samples(text, parse=text_string_to_metric_families):
    """{(sample name, sorted labels): value} of an exposition."""
    return dict(((sample.name, tuple(sorted(sample.labels.items()))), sample.value)
                for family in parse(text) for sample in family.samples)


class TestMetricsView(QueueHTTPTestCase):

    def setUp(self):
        super(TestMetricsView, self).setUp()
        # As docs/operations.rst says: a role of its own for the scraper's user
        self.portal.manage_permission(ViewMetrics, roles=["Manager", "Site Administrator",
                                                          "Metrics"], acquire=0)
        self.portal._addRole("Metrics")
        ploneapi.user.create(email="prometheus@example.com", username=PROMETHEUS,
                             password="scrape-secret", roles=["Metrics"])
        transaction.commit()

    def scrape(self, user=PROMETHEUS, password="scrape-secret", **headers):
        auth = (user, password) if user else None
        return self.http.get(self.site_url + "/queue_metrics", auth=auth, headers=headers,
                             allow_redirects=False)

    def work(self):
        """Tasks queued 30 s ago: one done, one retried, one that lost a conflict, one
        failed, each run by a consumer of its own, and one still waiting. Committed."""
        now = time.time()
        outcomes = (
            ("done", 20, ()),
            ("fail", 10, ("boom", )),
            ("conflict", 8, ("lost", )),
            ("fail", 6, ("boom", )),
        )
        for number, (outcome, ago, args) in enumerate(outcomes):
            self.add_task(created=now - 30, retries=1 if number == 1 else 0)
            task = self.queue.pop("{}{}".format(CONSUMER, number), now=now - ago)
            getattr(self.queue, outcome)(task.task_uid, task.attempt, *args,
                                         now=now - ago + (2 if outcome == "done" else 1))
        self.add_task(created=now - 30)
        transaction.commit()

    def test_prometheus_text_format(self):
        self.work()
        response = self.scrape()
        self.assertEqual(response.status_code, 200, response.text[:500])
        self.assertTrue(response.headers["Content-Type"].startswith("text/plain; version=0.0.4"))
        self.assertEqual(response.headers["Cache-Control"], "no-store")
        values = samples(response.text)
        expected = {"queued": 3, "running": 0, "failed": 1}
        for status, count in expected.items():
            self.assertEqual(values[("senaite_queue_tasks", (("status", status), ))], count)
        task = (("task", NAME), )
        for counter in ("tasks_done", "tasks_failed", "tasks_retried", "conflicts_lost"):
            self.assertEqual(values[("senaite_queue_{}_total".format(counter), task)], 1)
        # four tasks ran for the first time, 10, 20, 22 and 24 s after they were queued
        self.assertEqual(values[("senaite_queue_task_wait_seconds_count", task)], 4)
        self.assertEqual(values[("senaite_queue_task_wait_seconds_sum", task)], 76.0)
        for bound, count in (("5.0", 0), ("10.0", 1), ("30.0", 4), ("+Inf", 4)):
            self.assertEqual(values[("senaite_queue_task_wait_seconds_bucket",
                                     (("le", bound), ("task", NAME)))], count, bound)
        # four attempts of 2, 1, 1 and 1 s
        self.assertEqual(values[("senaite_queue_task_run_seconds_count", task)], 4)
        self.assertEqual(values[("senaite_queue_task_run_seconds_sum", task)], 5.0)
        self.assertEqual(values[("senaite_queue_status", (("status", "ready"), ))], 1)
        self.assertEqual(values[("senaite_queue_status", (("status", "disabled"), ))], 0)
        self.assertGreaterEqual(values[("senaite_queue_consumer_last_seen_seconds",
                                        (("consumer", CONSUMER + "0"), ))], 20)
        self.assertGreaterEqual(values[("senaite_queue_consumer_last_seen_seconds",
                                        (("consumer", CONSUMER + "3"), ))], 6)
        self.assertGreaterEqual(values[("senaite_queue_oldest_queued_age_seconds", ())], 30)

    def test_openmetrics_when_asked(self):
        self.work()
        response = self.scrape(Accept="application/openmetrics-text; version=0.0.1,"
                                      "text/plain;version=0.0.4;q=0.5")
        self.assertEqual(response.status_code, 200, response.text[:500])
        self.assertTrue(response.headers["Content-Type"].startswith(
            "application/openmetrics-text"))
        self.assertTrue(response.text.endswith("# EOF\n"))
        values = samples(response.text, parse_openmetrics)
        self.assertEqual(values[("senaite_queue_tasks_done_total", (("task", NAME), ))], 1)
        self.assertEqual(values[("senaite_queue_task_run_seconds_count",
                                 (("task", NAME), ))], 4)

    def test_an_empty_queue(self):
        values = samples(self.scrape().text)
        self.assertEqual(values[("senaite_queue_tasks", (("status", "queued"), ))], 0)
        self.assertEqual(values[("senaite_queue_oldest_queued_age_seconds", ())], 0)
        self.assertFalse([key for key in values if key[0].endswith("_total")])

    def test_never_anonymous(self):
        response = self.scrape(user=None)
        self.assertIn(response.status_code, (302, 401))
        self.assertNotIn("senaite_queue", response.text)

    def test_refused_without_the_permission(self):
        for user in ("labmanager", "labclerk", "analyst", "clientcontact"):
            response = self.scrape(user=user, password="{}-secret".format(user))
            self.assertIn(response.status_code, (302, 401, 403), user)
            self.assertNotIn("senaite_queue", response.text, user)
        response = self.scrape(password="wrong")
        self.assertIn(response.status_code, (302, 401))

    def test_site_administrators_may(self):
        ploneapi.user.grant_roles(username="labmanager", roles=["Site Administrator"])
        transaction.commit()
        response = self.scrape(user="labmanager", password="labmanager-secret")
        self.assertEqual(response.status_code, 200)

    def test_only_on_the_queue_server(self):
        ploneapi.portal.set_registry_record("senaite.queue.server",
                                            u"http://otherhost:8080/senaite")
        transaction.commit()
        response = self.scrape()
        self.assertEqual(response.status_code, 404)
        self.assertIn("http://otherhost:8080/senaite", response.text)
        self.assertNotIn("senaite_queue", response.text)
