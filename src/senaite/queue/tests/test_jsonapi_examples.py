# -*- coding: utf-8 -*-
"""The request/response examples of the JSON API reference (docs/jsonapi.rst).

One representative request per route, over real HTTP. Each test compares the request it sent
and the answer it got, normalised (task uids, times, the test server's port and the auth
token replaced by placeholders), with ``docs/_static/jsonapi/<example>.json``: it fails when
they differ, so the documentation never shows an answer the route no longer gives.

Regenerate the examples after a deliberate change of a route::

    SENAITE_QUEUE_WRITE_EXAMPLES=1 bin/test -s senaite.queue -t test_jsonapi_examples
"""

import json
import os
import re

import six
import transaction
from senaite.queue.consumer.routes import ConsumerRoutes
from senaite.queue.consumer.worker import stop_worker
from senaite.queue.server.routes import ServerRoutes
from senaite.queue.tests.support import CONSUMER
from senaite.queue.tests.support import RouteTestCase

WRITE_ENV = "SENAITE_QUEUE_WRITE_EXAMPLES"
EXAMPLES_DIR = os.path.abspath(os.path.join(
    os.path.dirname(__file__), os.pardir, os.pardir, os.pardir, os.pardir,
    "docs", "_static", "jsonapi"))

# Objects the example tasks work on: fixed uids, kept as they are
SAMPLE_UIDS = ["{:032x}".format(0xa1), "{:032x}".format(0xa2), "{:032x}".format(0xa3)]
# A task uid nobody has (the stale uid of ``diff``)
STALE_UID = "e" * 32
KEEP_UIDS = set(SAMPLE_UIDS + [STALE_UID])
UID_RE = re.compile(r"\b[0-9a-f]{32}\b")
# Keys whose numbers are points in time (epoch seconds)
TIME_KEYS = ("created", "started", "finished", "since_time", "oldest_queued", "expires",
             "since", "last_seen")
CTIME_RE = re.compile(r"^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}$")
WORKER_RE = re.compile(r"queue\.consumer\.\d+")
SHORT_UID_RE = re.compile(r"(Processed: )[0-9a-f]+")
# The example of each route (endpoint of the route providers); routes that share a function
# share an example
ROUTE_EXAMPLES = {
    "senaite.queue.server.tasks": "tasks",
    "senaite.queue.server.tasks_status": "tasks_status",
    "senaite.queue.server.diff": "diff",
    "senaite.queue.server.uids": "uids",
    "senaite.queue.server.uids_status": "uids",
    "senaite.queue.server.search": "search",
    "senaite.queue.server.add": "add",
    "senaite.queue.server.pop": "pop",
    "senaite.queue.server.done": "done",
    "senaite.queue.server.fail": "fail",
    "senaite.queue.server.timeout": "timeout",
    "senaite.queue.server.conflict": "conflict",
    "senaite.queue.server.requeue": "requeue",
    "senaite.queue.server.requeue_task": "requeue",
    "senaite.queue.server.delete": "delete",
    "senaite.queue.server.report": "report",
    "senaite.queue.server.status": "status",
    "senaite.queue.server.get": "get",
    "senaite.queue.server.unknown_root": "unknown",
    "senaite.queue.server.unknown": "unknown",
    "senaite.queue.consumer.consume": "consume",
    "senaite.queue.consumer.process": "process",
    "senaite.queue.consumer.process_task": "process",
}
# Who the example tasks run as
TASK_USER = "labmanager"


class TestJSONAPIExamples(RouteTestCase):

    def tearDown(self):
        stop_worker(wait=10)
        super(TestJSONAPIExamples, self).tearDown()

    def add_task(self, name="queue_test_record", uids=None, **kw):
        kw.setdefault("username", TASK_USER)
        return super(TestJSONAPIExamples, self).add_task(name, uids, **kw)

    # -- recording -----------------------------------------------------------------------

    def example(self, name, method, route, payload=None, user=None, token_user=None,
                status=200):
        """Send the request, check its status, compare it with (or write) the example."""
        response = self.call(method, route, payload, user=user, token_user=token_user)
        self.assertEqual(response.status_code, status, response.text[:1000])
        data = self.decode(response)
        request = {"method": method, "url": self.url(route)}
        if user:
            request["auth"] = "{} (basic authentication)".format(user)
        if token_user:
            request["headers"] = {"X-Queue-Auth-Token": "<token for {} {} {}>".format(
                token_user, method, route)}
        if payload is not None:
            request["json"] = payload
        example = self.normalise({
            "request": request,
            "response": {"status": response.status_code, "json": data},
        })
        path = os.path.join(EXAMPLES_DIR, "{}.json".format(name))
        text = json.dumps(example, indent=2, sort_keys=True, separators=(",", ": ")) + "\n"
        if os.environ.get(WRITE_ENV):
            if not os.path.isdir(EXAMPLES_DIR):
                os.makedirs(EXAMPLES_DIR)
            with open(path, "w") as stored:
                stored.write(text)
        self.assertTrue(os.path.exists(path), "No example {}: run with {}=1".format(
            path, WRITE_ENV))
        with open(path) as stored:
            expected = stored.read()
        self.assertEqual(
            expected, text,
            "The answer of {} {} differs from {}; if the change is meant, regenerate the "
            "examples with {}=1".format(method, route, path, WRITE_ENV))
        return data

    def normalise(self, example):
        """Placeholders for what changes from run to run."""
        text = json.dumps(example, sort_keys=True)
        text = text.replace("{}:{}".format(self.layer["host"], self.layer["port"]),
                            "localhost:<port>")
        uids = {}

        def uid(match):
            value = match.group(0)
            if value in KEEP_UIDS:
                return value
            if value not in uids:
                uids[value] = "<task_uid_{}>".format(len(uids) + 1)
            return uids[value]

        text = UID_RE.sub(uid, text)
        text = WORKER_RE.sub("queue.consumer.<time>", text)
        text = SHORT_UID_RE.sub(r"\1<short_uid>", text)
        return self.times(json.loads(text))

    def times(self, value, key=None):
        if key == "consumers" and isinstance(value, dict):
            return dict((k, "<time>") for k in value)
        if isinstance(value, dict):
            return dict((k, self.times(v, k)) for k, v in value.items())
        if isinstance(value, list):
            return [self.times(item, key) for item in value]
        if key in TIME_KEYS and isinstance(value, (int, float)) and \
                not isinstance(value, bool) and value > 0:
            return "<time>"
        if key in TIME_KEYS and isinstance(value, six.string_types) and \
                CTIME_RE.match(value):
            return "<ctime>"
        if key == "_runtime":
            return "<seconds>"
        return value

    def test_every_route_has_an_example(self):
        endpoints = [rule[1] for rule in ServerRoutes.routes + ConsumerRoutes.routes]
        self.assertEqual(sorted(endpoints), sorted(ROUTE_EXAMPLES),
                         "A route was added or removed: give it an example")
        names = [name[len("test_"):] for name in dir(self) if name.startswith("test_")]
        for endpoint, example in ROUTE_EXAMPLES.items():
            self.assertIn(example, names, endpoint)

    # -- the examples --------------------------------------------------------------------

    def test_tasks(self):
        self.add_task(uids=SAMPLE_UIDS[:2], priority=10)
        self.lease(uids=SAMPLE_UIDS[2:])
        self.example("tasks", "GET", "queue_server/tasks", user="labmanager")

    def test_tasks_status(self):
        self.failed_task(uids=SAMPLE_UIDS[:1])
        self.example("tasks_status", "POST", "queue_server/tasks/failed",
                     {"complete": True}, user="labmanager")

    def test_diff(self):
        known = self.add_task(uids=SAMPLE_UIDS[:1])
        self.add_task(uids=SAMPLE_UIDS[1:2])
        self.example("diff", "POST", "queue_server/diff",
                     {"uids": [known.task_uid, STALE_UID]}, user="labmanager")

    def test_uids(self):
        self.add_task(uids=SAMPLE_UIDS[:1])
        self.example("uids", "GET", "queue_server/uids", user="labmanager")

    def test_search(self):
        self.add_task(uids=SAMPLE_UIDS[:1])
        self.add_task(uids=SAMPLE_UIDS[1:2])
        self.example("search", "POST", "queue_server/search",
                     {"uid": SAMPLE_UIDS[0]}, user="labmanager")

    def test_get(self):
        task = self.add_task(uids=SAMPLE_UIDS[:2])
        self.example("get", "GET", "queue_server/{}".format(task.task_uid), user="labmanager")

    def test_add(self):
        self.example("add", "POST", "queue_server/add", {
            "name": "queue_test_record",
            "context_uid": "0",
            "context_path": "/plone",
            "uids": SAMPLE_UIDS[:2],
            "priority": 20,
        }, user="labmanager")

    def test_pop(self):
        self.add_task(uids=SAMPLE_UIDS[:2], username="queue_consumer")
        self.example("pop", "POST", "queue_server/pop", {"consumer_id": CONSUMER},
                     token_user="queue_consumer")

    def test_done(self):
        task = self.lease(uids=SAMPLE_UIDS[:1], consumer_id=CONSUMER)
        self.add_task(uids=SAMPLE_UIDS[1:2])
        self.example("done", "POST", "queue_server/done", {
            "task_uid": task.task_uid, "attempt": task.attempt, "consumer_id": CONSUMER},
            token_user="queue_consumer")

    def test_fail(self):
        task = self.lease(uids=SAMPLE_UIDS[:1], consumer_id=CONSUMER, retries=3)
        self.example("fail", "POST", "queue_server/fail", {
            "task_uid": task.task_uid, "attempt": task.attempt,
            "error_message": "ValueError: no analysis with keyword 'Cu2'"},
            token_user="queue_consumer")

    def test_timeout(self):
        task = self.lease(uids=SAMPLE_UIDS[:1], consumer_id=CONSUMER, retries=3)
        self.example("timeout", "POST", "queue_server/timeout", {
            "task_uid": task.task_uid, "attempt": task.attempt},
            token_user="queue_consumer")

    def test_report(self):
        first = self.lease(uids=SAMPLE_UIDS[:1], consumer_id=CONSUMER, retries=3)
        self.queue.receipt(first.task_uid, first.attempt)
        self.add_task(uids=SAMPLE_UIDS[1:2], username="queue_consumer")
        transaction.commit()
        self.example("report", "POST", "queue_server/report", {
            "outcomes": [{"task_uid": first.task_uid, "attempt": first.attempt,
                          "outcome": "done"}],
            "consumer_id": CONSUMER, "max_tasks": 50},
            token_user="queue_consumer")

    def test_process_window(self):
        self.add_task(uids=SAMPLE_UIDS[:1], username="labmanager", min_seconds=0)
        self.add_task(uids=SAMPLE_UIDS[1:2], username="labclerk", min_seconds=0)
        tasks = self.queue.lease(CONSUMER, 2)
        transaction.commit()
        self.example("process_window", "POST", "queue_consumer/process", {
            "tasks": [{"task_uid": task.task_uid, "attempt": task.attempt}
                      for task in tasks], "consumer_id": CONSUMER},
            token_user="queue_consumer")
        transaction.begin()

    def test_conflict(self):
        task = self.lease(uids=SAMPLE_UIDS[:1], consumer_id=CONSUMER, retries=3)
        self.example("conflict", "POST", "queue_server/conflict", {
            "task_uid": task.task_uid, "attempt": task.attempt,
            "error_message": "ConflictError on /senaite/clients/client-1/W-0001/Cu"},
            token_user="queue_consumer")

    def test_requeue(self):
        task = self.failed_task(uids=SAMPLE_UIDS[:1])
        self.example("requeue", "POST", "queue_server/requeue/{}".format(task.task_uid), {},
                     user="labmanager")

    def test_delete(self):
        task = self.failed_task(uids=SAMPLE_UIDS[:1])
        self.example("delete", "POST", "queue_server/delete", {"task_uid": task.task_uid},
                     user="labmanager")

    def test_status(self):
        self.add_task(uids=SAMPLE_UIDS[:1])
        self.lease(uids=SAMPLE_UIDS[1:2], consumer_id=CONSUMER)
        self.example("status", "GET", "queue_server/status", user="labmanager")

    def test_error(self):
        self.example("error", "POST", "queue_server/requeue", {"task_uid": "not-a-uid"},
                     user="labmanager", status=412)

    def test_unknown(self):
        self.example("unknown", "GET", "queue_server/tasks/queued/today", user="labmanager",
                     status=404)

    def test_consume(self):
        self.example("consume", "GET", "queue_consumer/consume", user="queue_consumer")

    def test_process(self):
        task = self.lease(uids=SAMPLE_UIDS[:1], consumer_id=CONSUMER,
                          username="queue_consumer", min_seconds=0)
        self.example("process", "POST", "queue_consumer/process", {
            "task_uid": task.task_uid, "attempt": task.attempt},
            token_user="queue_consumer")
        transaction.begin()
