# -*- coding: utf-8 -*-
"""What the route tests share: store snapshots and checks of the JSON answers."""

import json
import threading
from contextlib import contextmanager

import transaction
from senaite.queue.core.task import new_uid
from senaite.queue.interfaces import IQueuedTaskAdapter
from senaite.queue.tests.adapters import RecordAdapter
from senaite.queue.tests.base import QueueHTTPTestCase
from six.moves.BaseHTTPServer import BaseHTTPRequestHandler
from six.moves.BaseHTTPServer import HTTPServer
from zope.component import getGlobalSiteManager
from zope.interface import Interface
from zExceptions import status_reasons as responses

ALL_STATUSES = ["queued", "running", "failed", "ghost"]
CONSUMER = "http://localhost:8089"
# A well-formed task uid that no task has
UNKNOWN_UID = "f" * 32
JSON = {"Content-Type": "application/json"}


@contextmanager
def without_task_adapter(name):
    """No task adapter ``name`` (even if the package registers one) during the block."""
    gsm = getGlobalSiteManager()
    registrations = [reg for reg in gsm.registeredAdapters()
                     if reg.provided is IQueuedTaskAdapter and reg.name == name]
    for reg in registrations:
        gsm.unregisterAdapter(reg.factory, reg.required, reg.provided, reg.name)
    try:
        yield
    finally:
        for reg in registrations:
            gsm.registerAdapter(reg.factory, reg.required, reg.provided, reg.name)


@contextmanager
def task_adapter(name, factory=RecordAdapter):
    """The test adapter ``factory`` as task adapter ``name`` for any context, instead of
    the package's (if any), for the duration of the block."""
    gsm = getGlobalSiteManager()
    with without_task_adapter(name):
        gsm.registerAdapter(factory, (Interface, ), IQueuedTaskAdapter, name=name)
        try:
            yield
        finally:
            gsm.unregisterAdapter(factory, (Interface, ), IQueuedTaskAdapter, name=name)


class RouteTestCase(QueueHTTPTestCase):
    """QueueHTTPTestCase with snapshots of the store and checks of the answers."""

    def snapshot(self):
        """Counts and every task (any status, ghosts included) as the store has them now."""
        transaction.begin()
        tasks = sorted((task.to_dict() for task in self.queue.get_tasks(ALL_STATUSES)),
                       key=lambda task: task["task_uid"])
        return self.queue.counts(), tasks

    def assertUnchanged(self, before, msg=None):
        counts, tasks = self.snapshot()
        self.assertEqual(before[0], counts, msg)
        self.assertEqual(before[1], tasks, msg)

    def decode(self, response):
        self.assertEqual(response.headers.get("Content-Type", "").split(";")[0],
                         "application/json", response.text[:500])
        data = json.loads(response.text)
        self.assertIsInstance(data, dict)
        return data

    def assertOK(self, response):
        """The JSON envelope of a successful answer."""
        self.assertEqual(response.status_code, 200, response.text[:1000])
        data = self.decode(response)
        self.assertIs(data["success"], True)
        return data

    def assertError(self, response, status, detail=None):
        """A JSON error answer: ``status`` and the message ``<Reason> - <detail>``."""
        self.assertEqual(response.status_code, status, response.text[:1000])
        data = self.decode(response)
        self.assertIs(data["success"], False)
        message = data["message"]
        self.assertTrue(message.startswith("{} - ".format(responses[status])),
                        message)
        self.assertTrue(len(message) > len(responses[status]) + 3, message)
        if detail is not None:
            self.assertIn(detail, message)
        self.assertNotIn("Traceback", message)
        return data

    def assertRefused(self, before, response, status, detail=None):
        """An error answer that changed nothing in the store."""
        data = self.assertError(response, status, detail)
        self.assertUnchanged(before, "{} {}".format(status, detail))
        return data

    def assertTaskUrl(self, info, user="labmanager"):
        """``task_url`` of a task info answers the task with a GET."""
        response = self.http.get(info["task_url"], auth=(user, "{}-secret".format(user)),
                                 headers={"Accept": "application/json"})
        data = self.assertOK(response)
        self.assertEqual(data["task_uid"], info["task_uid"])
        self.assertEqual(data["task_url"], info["task_url"])
        return data

    def lease(self, consumer_id=None, **kw):
        """Queue a task and pop it (committed): the running task.

        Each lease has a consumer of its own (a consumer that pops again gives up the task
        it holds)."""
        kw.setdefault("priority", -1000)  # before the tasks queued so far
        task = self.add_task(**kw)
        self.consumers = getattr(self, "consumers", 0) + 1
        consumer_id = consumer_id or "{}{}".format(CONSUMER, self.consumers)
        popped = self.queue.pop(consumer_id)
        transaction.commit()
        self.assertEqual(popped.task_uid, task.task_uid)
        return popped

    def failed_task(self, **kw):
        """A task in the failed pool (committed)."""
        kw.setdefault("retries", 0)
        task = self.lease(**kw)
        failed = self.queue.fail(task.task_uid, task.attempt, "Failed on purpose")
        transaction.commit()
        self.assertEqual(failed.status, "failed")
        return failed

    def new_uid(self):
        return new_uid()


class JSONHandler(BaseHTTPRequestHandler):
    """Answers a GET with what its server's ``answer(path)`` returns."""

    def do_GET(self):
        self.server.requests.append(self.path)
        status, data = self.server.answer(self.path)
        body = b"<html>Error</html>" if data is None else json.dumps(data).encode("utf-8")
        self.send_response(status)
        if data is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class SiteServer(HTTPServer):
    """A site ``senaite`` on a free local port, served in a thread while used as a context
    manager. ``answer(path)`` gives the status and the JSON data (None: an HTML page)."""

    def __init__(self):
        HTTPServer.__init__(self, ("localhost", 0), JSONHandler)
        self.url = u"http://localhost:{}/senaite".format(self.server_address[1])
        self.requests = []
        self.thread = threading.Thread(target=self.serve_forever)
        self.thread.daemon = True

    def answer(self, path):
        raise NotImplementedError

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.shutdown()
        self.server_close()
        self.thread.join()
