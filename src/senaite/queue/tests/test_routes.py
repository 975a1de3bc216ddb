# -*- coding: utf-8 -*-
"""Every route of ``@@API/senaite/v1/queue_server``, over real HTTP: the happy path and each
error status, the JSON envelope, and nothing changed in the store by a refused request."""

import json
import time

import transaction
from plone import api as ploneapi
from plone.app.testing import login
from plone.app.testing import logout
from plone.protect.authenticator import createToken
from senaite.queue.routing.payload import MAX_BODY_BYTES
from senaite.queue.tests.support import CONSUMER
from senaite.queue.tests.support import JSON
from senaite.queue.tests.support import UNKNOWN_UID
from senaite.queue.tests.support import RouteTestCase
from senaite.queue.tests.support import task_adapter
from senaite.queue.tests.support import without_task_adapter

# A body just over the limit, valid JSON
OVERSIZED = json.dumps({"junk": "x" * MAX_BODY_BYTES})


class TestTasks(RouteTestCase):
    """queue_server/tasks and tasks/<status>"""

    def test_tasks(self):
        queued = self.add_task(priority=5)
        running = self.lease()
        self.failed_task()
        response = self.call("GET", "queue_server/tasks", user="labmanager")
        data = self.assertOK(response)
        self.assertEqual(data["url"], self.url("queue_server/tasks"))
        self.assertEqual(data["count"], 2)
        self.assertEqual(len(data["items"]), 2)
        by_uid = dict((item["task_uid"], item) for item in data["items"])
        self.assertEqual(sorted(by_uid), sorted([queued.task_uid, running.task_uid]))
        item = by_uid[queued.task_uid]
        self.assertEqual(sorted(item), sorted([
            "task_uid", "name", "priority", "status", "created", "retries", "username",
            "task_url"]))
        self.assertEqual(item["status"], "queued")
        self.assertEqual(item["priority"], 5)
        self.assertEqual(item["created"], time.ctime(queued.created))
        self.assertEqual(by_uid[running.task_uid]["status"], "running")
        self.assertEqual(data["since_time"], queued.created)
        for item in data["items"]:
            self.assertTaskUrl(item)

    def test_tasks_by_status_path(self):
        queued = self.add_task()
        running = self.lease()
        failed = self.failed_task()
        ghost = self.add_task(ghost=True)
        expected = {
            "queued": [queued.task_uid],
            "running": [running.task_uid],
            "failed": [failed.task_uid],
            "ghost": sorted([queued.task_uid, running.task_uid, ghost.task_uid]),
        }
        for status, uids in expected.items():
            data = self.assertOK(self.call("GET", "queue_server/tasks/{}".format(status),
                                           user="labmanager"))
            self.assertEqual(sorted(item["task_uid"] for item in data["items"]), uids, status)
            self.assertEqual(data["count"], len(uids))

    def test_booleans_read_as_task_fields_do(self):
        self.add_task()
        for word, complete in (("on", True), ("off", False), ("yes", True), ("0", False)):
            data = self.assertOK(self.call("GET", "queue_server/tasks?complete={}".format(word),
                                           user="labmanager"))
            self.assertEqual("attempt" in data["items"][0], complete, word)

    def test_tasks_post_payload(self):
        failed = self.failed_task()
        self.add_task()
        data = self.assertOK(self.call("POST", "queue_server/tasks",
                                       {"status": ["failed"], "complete": True},
                                       user="labmanager"))
        self.assertEqual(data["count"], 1)
        item = data["items"][0]
        self.assertEqual(item["task_uid"], failed.task_uid)
        # complete: every field
        self.assertEqual(item["error_message"], "Failed on purpose")
        self.assertEqual(item["attempt"], 1)
        self.assertEqual(item["context_path"], "/plone")
        self.assertTaskUrl(item)

    def test_tasks_since(self):
        old = self.add_task()
        new = self.add_task()
        data = self.assertOK(self.call("POST", "queue_server/tasks",
                                       {"since": old.created}, user="labmanager"))
        self.assertEqual([item["task_uid"] for item in data["items"]], [new.task_uid])
        data = self.assertOK(self.call("GET", "queue_server/tasks?since={}".format(
            new.created - 1000), user="labmanager"))
        self.assertEqual(data["count"], 2)

    def test_empty(self):
        data = self.assertOK(self.call("GET", "queue_server/tasks", user="labmanager"))
        self.assertEqual((data["count"], data["items"], data["since_time"]), (0, [], -1))

    def test_errors(self):
        self.add_task()
        self.failed_task()
        before = self.snapshot()
        cases = [
            ("GET", "queue_server/tasks/bogus", None, "labmanager", 400, "Unknown status"),
            ("POST", "queue_server/tasks", {"status": "bogus"}, "labmanager", 400,
             "Unknown status"),
            ("POST", "queue_server/tasks", {"status": [1]}, "labmanager", 400, "'status'"),
            ("POST", "queue_server/tasks", {"status": {"a": 1}}, "labmanager", 400,
             "'status'"),
            ("POST", "queue_server/tasks", {"since": "yesterday"}, "labmanager", 400,
             "'since' must be a number"),
            ("POST", "queue_server/tasks", {"complete": "maybe"}, "labmanager", 400,
             "'complete' must be true or false"),
            ("POST", "queue_server/tasks", [1, 2], "labmanager", 400, "JSON object"),
            ("GET", "queue_server/tasks", None, None, 401, "Authentication required"),
            ("GET", "queue_server/tasks/failed", None, "analyst", 403, "Manage Bika"),
            ("POST", "queue_server/tasks", {"status": "ghost"}, "clientcontact", 403,
             "Manage Bika"),
            ("PUT", "queue_server/tasks", None, "labmanager", 405, "use GET or POST"),
            ("DELETE", "queue_server/tasks/queued", None, "labmanager", 405,
             "use GET or POST"),
        ]
        for method, route, payload, user, status, detail in cases:
            response = self.call(method, route, payload, user=user)
            self.assertRefused(before, response, status, detail)
        response = self.call("POST", "queue_server/tasks", data="{not json", user="labmanager",
                             headers=JSON)
        self.assertRefused(before, response, 400, "not valid JSON")
        response = self.call("POST", "queue_server/tasks", data=OVERSIZED, user="labmanager",
                             headers=JSON)
        self.assertRefused(before, response, 413, "larger than")


class TestDiff(RouteTestCase):
    """queue_server/diff"""

    def test_diff(self):
        known = self.add_task()
        missing = self.add_task()
        running = self.lease()
        stale = self.new_uid()
        data = self.assertOK(self.call("POST", "queue_server/diff", {
            "uids": [known.task_uid, running.task_uid, stale]}, user="labmanager"))
        self.assertEqual(data["url"], self.url("queue_server/diff"))
        # what the caller lacks, plus every running task
        self.assertEqual(sorted(item["task_uid"] for item in data["items"]),
                         sorted([missing.task_uid, running.task_uid]))
        self.assertEqual(data["count"], 2)
        self.assertEqual(data["stale"], [stale])
        self.assertEqual(data["unknown"], [])
        for item in data["items"]:
            self.assertTaskUrl(item)

    def test_diff_complete_and_status(self):
        failed = self.failed_task()
        data = self.assertOK(self.call("POST", "queue_server/diff", {
            "status": ["failed"], "uids": [], "complete": True}, user="labmanager"))
        self.assertEqual([item["task_uid"] for item in data["items"]], [failed.task_uid])
        self.assertEqual(data["items"][0]["error_message"], "Failed on purpose")
        data = self.assertOK(self.call("GET", "queue_server/diff", user="labclerk"))
        self.assertEqual(data["count"], 0)

    def test_errors(self):
        task = self.add_task()
        before = self.snapshot()
        cases = [
            ({"uids": "abc"}, "labmanager", 400, "'uids' must be a list"),
            ({"uids": [None]}, "labmanager", 400, "Invalid task uid"),
            ({"uids": [None], "task_uid": task.task_uid}, "labmanager", 400,
             "Invalid task uid"),
            ({"uids": [task.task_uid, "0"]}, "labmanager", 400, "Invalid task uid"),
            ({"uids": [{"a": 1}]}, "labmanager", 400, "Invalid task uid"),
            ({"status": "bogus"}, "labmanager", 400, "Unknown status"),
            ({"complete": [True]}, "labmanager", 400, "'complete'"),
            ({}, None, 401, "Authentication required"),
            ({"status": "failed"}, "analyst", 403, "Manage Bika"),
        ]
        for payload, user, status, detail in cases:
            response = self.call("POST", "queue_server/diff", payload, user=user)
            self.assertRefused(before, response, status, detail)
        response = self.call("PATCH", "queue_server/diff", {}, user="labmanager")
        self.assertRefused(before, response, 405, "use GET or POST")
        response = self.call("POST", "queue_server/diff", data=OVERSIZED, user="labmanager",
                             headers=JSON)
        self.assertRefused(before, response, 413)


class TestUids(RouteTestCase):
    """queue_server/uids and uids/<status>"""

    def test_uids(self):
        one, two, three = self.new_uid(), self.new_uid(), self.new_uid()
        self.add_task(uids=[one, two])
        self.lease(uids=[three])
        self.failed_task(uids=[self.new_uid()])
        data = self.assertOK(self.call("GET", "queue_server/uids", user="labmanager"))
        self.assertEqual(data["url"], self.url("queue_server/uids"))
        self.assertEqual(data["items"], sorted(["0", one, two, three]))
        self.assertEqual(data["count"], 4)
        data = self.assertOK(self.call("GET", "queue_server/uids/running", user="labmanager"))
        self.assertEqual(data["items"], sorted(["0", three]))
        data = self.assertOK(self.call("POST", "queue_server/uids", {"status": "queued"},
                                       user="labclerk"))
        self.assertEqual(data["items"], sorted(["0", one, two]))

    def test_errors(self):
        self.add_task()
        before = self.snapshot()
        cases = [
            ("GET", "queue_server/uids/bogus", None, "labmanager", 400, "Unknown status"),
            ("POST", "queue_server/uids", {"status": 5}, "labmanager", 400, "'status'"),
            ("POST", "queue_server/uids", "queued", "labmanager", 400, "JSON object or list"),
            ("GET", "queue_server/uids", None, None, 401, None),
            ("GET", "queue_server/uids/failed", None, "clientcontact", 403, "Manage Bika"),
            ("DELETE", "queue_server/uids", None, "labmanager", 405, None),
        ]
        for method, route, payload, user, status, detail in cases:
            response = self.call(method, route, payload, user=user)
            self.assertRefused(before, response, status, detail)


class TestSearch(RouteTestCase):
    """queue_server/search"""

    def test_search(self):
        uid = self.new_uid()
        one = self.add_task(uids=[uid])
        two = self.add_task(name="queue_test_sleep", uids=[uid])
        self.add_task(uids=[self.new_uid()])
        data = self.assertOK(self.call("POST", "queue_server/search", {"uid": uid},
                                       user="labmanager"))
        self.assertEqual(data["url"], self.url("queue_server/search"))
        self.assertEqual(sorted(item["task_uid"] for item in data["items"]),
                         sorted([one.task_uid, two.task_uid]))
        self.assertEqual(data["count"], 2)
        for item in data["items"]:
            self.assertTaskUrl(item)
        data = self.assertOK(self.call("GET", "queue_server/search?uid={}&name={}".format(
            uid, "queue_test_sleep"), user="labclerk"))
        self.assertEqual([item["task_uid"] for item in data["items"]], [two.task_uid])
        data = self.assertOK(self.call("POST", "queue_server/search", {
            "uid": uid, "complete": True}, user="labmanager"))
        self.assertEqual(data["items"][0]["uids"], [uid])

    def test_search_finds_failed_tasks(self):
        uid = self.new_uid()
        failed = self.failed_task(uids=[uid])
        data = self.assertOK(self.call("POST", "queue_server/search", {"uid": uid},
                                       user="labmanager"))
        self.assertEqual([item["task_uid"] for item in data["items"]], [failed.task_uid])

    def test_errors(self):
        self.add_task()
        before = self.snapshot()
        cases = [
            ({}, "labmanager", 400, "Missing 'uid'"),
            ({"uid": "nope"}, "labmanager", 400, "Invalid object uid"),
            ({"uid": ["0"]}, "labmanager", 400, "Invalid object uid"),
            ({"uid": "0", "name": 5}, "labmanager", 400, "'name' must be a string"),
            ({"uid": "0", "name": "x" * 10001}, "labmanager", 400, "longer than"),
            ({"uid": "0"}, None, 401, None),
        ]
        for payload, user, status, detail in cases:
            response = self.call("POST", "queue_server/search", payload, user=user)
            self.assertRefused(before, response, status, detail)
        response = self.call("PUT", "queue_server/search", {"uid": "0"}, user="labmanager")
        self.assertRefused(before, response, 405)


class TestGetTask(RouteTestCase):
    """queue_server/<task_uid>"""

    def test_get(self):
        task = self.add_task(uids=[self.new_uid()], priority=3)
        route = "queue_server/{}".format(task.task_uid)
        for method in ("GET", "POST"):
            data = self.assertOK(self.call(method, route, user="labclerk"))
            self.assertEqual(data["url"], self.url(route))
            self.assertEqual(data["task_url"], self.url(route))
            stored = self.queue.get_task(task.task_uid).to_dict()
            for key, value in stored.items():
                self.assertEqual(data[key], value, key)

    def test_answers_on_any_process(self):
        task = self.add_task()
        self.make_other_server()
        data = self.assertOK(self.call("GET", "queue_server/{}".format(task.task_uid),
                                       user="labmanager"))
        self.assertEqual(data["task_uid"], task.task_uid)

    def make_other_server(self):
        ploneapi.portal.set_registry_record("senaite.queue.server", u"http://localhost:1/plone")
        transaction.commit()

    def test_errors(self):
        task = self.add_task()
        before = self.snapshot()
        cases = [
            ("GET", "queue_server/{}".format(task.task_uid.upper()), None, "labmanager", 412,
             "Invalid task uid"),
            ("GET", "queue_server/{}".format(task.task_uid[:-1]), None, "labmanager", 412,
             "Invalid task uid"),
            ("GET", "queue_server/0", None, "labmanager", 412, "Invalid task uid"),
            ("GET", "queue_server/{}".format(UNKNOWN_UID), None, "labmanager", 404,
             "Task not found"),
            ("GET", "queue_server/{}".format(task.task_uid), None, None, 401, None),
            ("DELETE", "queue_server/{}".format(task.task_uid), None, "labmanager", 405,
             None),
            ("POST", "queue_server/{}".format(task.task_uid), [], "labmanager", 200, None),
        ]
        for method, route, payload, user, status, detail in cases:
            response = self.call(method, route, payload, user=user)
            if status == 200:
                self.assertOK(response)
                continue
            self.assertRefused(before, response, status, detail)


class TestAdd(RouteTestCase):
    """queue_server/add"""

    def payload(self, **kw):
        data = {"name": "queue_test_record", "context_uid": "0", "context_path": "/plone"}
        data.update(kw)
        return data

    def test_add(self):
        uid = self.new_uid()
        response = self.call("POST", "queue_server/add",
                             self.payload(uids=[uid], priority=7, extra_key={"a": [1]}),
                             user="labmanager")
        data = self.assertOK(response)
        self.assertEqual(data["url"], self.url("queue_server/add"))
        self.assertEqual((data["count"], data["ignored"]), (1, 0))
        item = data["items"][0]
        self.assertEqual(item["status"], "queued")
        self.assertEqual(item["username"], "labmanager")
        self.assertTaskUrl(item)
        task = self.queue.get_task(item["task_uid"])
        self.assertEqual(task.status, "queued")
        self.assertEqual(task.uids, [uid])
        self.assertEqual(task.priority, 7)
        self.assertEqual(task.get("extra_key"), {"a": [1]})
        self.assertEqual(task.username, "labmanager")
        # the settings' defaults
        self.assertEqual((task.retries, task.chunk_size, task.max_seconds), (3, 10, 120))
        self.assertEqual(self.queue.counts()["queued"], 1)

    def test_add_list(self):
        data = self.assertOK(self.call("POST", "queue_server/add", [
            self.payload(), self.payload(name="queue_test_sleep")], user="labclerk"))
        self.assertEqual(data["count"], 2)
        self.assertEqual(sorted(item["name"] for item in data["items"]),
                         ["queue_test_record", "queue_test_sleep"])
        self.assertEqual(self.queue.counts()["queued"], 2)

    def test_add_unique_duplicate_is_ignored(self):
        """As 1.x, the answer holds every task sent, also one that was ignored."""
        queued = self.add_task(unique=True)
        data = self.assertOK(self.call("POST", "queue_server/add", [
            self.payload(unique=True), self.payload()], user="labmanager"))
        self.assertEqual((data["count"], data["ignored"]), (2, 1))
        ignored, added = data["items"]
        self.assertEqual((ignored["name"], ignored["status"]), ("queue_test_record", None))
        self.assertNotEqual(ignored["task_uid"], queued.task_uid)
        self.assertIsNone(self.queue.get_task(ignored["task_uid"]))
        self.assertEqual(added["status"], "queued")
        self.assertEqual(self.queue.counts()["queued"], 2)

    def test_add_action_task(self):
        """A task_action_<action> without an adapter of its own is a generic action task, if
        there is a generic action adapter; else it is refused."""
        with task_adapter("task_generic_action"):
            data = self.assertOK(self.call("POST", "queue_server/add", self.payload(
                name="task_action_submit"), user="labmanager"))
            task = self.queue.get_task(data["items"][0]["task_uid"])
            self.assertEqual((task.name, task.action), ("task_generic_action", "submit"))
        with without_task_adapter("task_generic_action"):
            before = self.snapshot()
            response = self.call("POST", "queue_server/add", self.payload(
                name="task_action_submit"), user="labmanager")
            self.assertRefused(before, response, 406, "No valid task(s)")

    def test_add_with_csrf_token(self):
        """A form post is accepted with plone.protect's token of the caller."""
        login(self.portal, "labmanager")
        token = createToken()
        logout()
        data = self.assertOK(self.call("POST", "queue_server/add", data=self.payload(),
                                       user="labmanager", headers={"X-CSRF-TOKEN": token}))
        self.assertEqual(data["count"], 1)

    def test_errors(self):
        self.add_task()
        before = self.snapshot()
        too_many = [self.payload() for _ in range(501)]
        cases = [
            ([], 400, "Send between 1 and 500 tasks"),
            (too_many, 400, "Send between 1 and 500 tasks"),
            ([self.payload(), "task"], 400, "A task must be a JSON object"),
            (self.payload(name=None), 406, "No valid task(s): missing 'name'"),
            (self.payload(name=["queue_test_record"]), 400, "'name' must be a string"),
            (self.payload(name="x" * 201), 400, "longer than"),
            (self.payload(context_uid=None), 406, "No valid task(s): missing 'context_uid'"),
            (self.payload(context_path=None), 406, "No valid task(s): missing 'context_path'"),
            ({"name": "queue_test_record"}, 406, "missing 'context_uid', 'context_path'"),
            (self.payload(context_uid="nope"), 400, "Invalid object uid"),
            (self.payload(context_uid=UNKNOWN_UID), 400, "No object with context_uid"),
            (self.payload(context_path="/plone/clients"), 400, "is not the path of"),
            (self.payload(context={"a": 1}), 400, "'context' is not a task field"),
            (self.payload(priority=10 ** 400), 400, "'priority' is out of range"),
            (self.payload(delay=2 ** 60), 400, "'delay' is out of range"),
            (self.payload(slots=[1, 10 ** 20]), 400, "'slots' is out of range"),
            (self.payload(name="no_such_task"), 406, "No valid task(s)"),
            (self.payload(priority="high"), 406, "priority"),
            (self.payload(uids=["0", "nope"]), 406, "uids[1]"),
            (self.payload(chunk_size=-1), 406, "chunk_size"),
            (self.payload(min_seconds=31), 406, "min_seconds"),
            (self.payload(unique="perhaps"), 406, "unique"),
            # the first task is valid: none is added
            ([self.payload(), self.payload(name="no_such_task")], 406, "No valid task(s)"),
            ([self.payload(), self.payload(priority=[1])], 406, "No valid task(s)"),
        ]
        for payload, status, detail in cases:
            response = self.call("POST", "queue_server/add", payload, user="labmanager")
            self.assertRefused(before, response, status, detail)
        others = [
            ("POST", self.payload(), None, None, 401, "Authentication required"),
            ("GET", self.payload(), "labmanager", None, 405, "use POST"),
            ("PUT", self.payload(), "labmanager", None, 405, "use POST"),
        ]
        for method, payload, user, headers, status, detail in others:
            response = self.call(method, "queue_server/add", payload, user=user,
                                 headers=headers)
            self.assertRefused(before, response, status, detail)
        # A form post without a CSRF token: what a cross-site form can send
        response = self.call("POST", "queue_server/add", data=self.payload(),
                             user="labmanager")
        self.assertRefused(before, response, 403, "CSRF")
        response = self.call("POST", "queue_server/add", data=self.payload(),
                             user="labmanager", headers={"X-CSRF-TOKEN": "0" * 40})
        self.assertRefused(before, response, 403, "CSRF")
        response = self.call("POST", "queue_server/add", data=json.dumps(self.payload()),
                             user="labmanager", headers={"Content-Type": "text/plain"})
        self.assertRefused(before, response, 403, "CSRF")
        for body, detail in [("{", "not valid JSON"), ('"task"', "JSON object or list"),
                             ("[" * 5000 + "]" * 5000, "nested deeper"),
                             ('{"name": NaN}', "not valid JSON"),
                             ('{"name": 1e999}', "not valid JSON"),
                             (b"\xff\xfe{}", "not valid JSON")]:
            response = self.call("POST", "queue_server/add", data=body, user="labmanager",
                                 headers=JSON)
            self.assertRefused(before, response, 400, detail)
        payload = self.payload(extra_key=json.loads("[" * 40 + "]" * 40))
        response = self.call("POST", "queue_server/add", payload, user="labmanager")
        self.assertRefused(before, response, 400, "nested deeper than 32 levels")
        response = self.call("POST", "queue_server/add", data=OVERSIZED, user="labmanager",
                             headers=JSON)
        self.assertRefused(before, response, 413, "larger than 1048576 bytes")


class TestPop(RouteTestCase):
    """queue_server/pop"""

    def test_pop(self):
        task = self.add_task()
        before = time.time()
        response = self.call("POST", "queue_server/pop", {"consumer_id": CONSUMER},
                             token_user="queue_consumer")
        data = self.assertOK(response)
        self.assertEqual(data["url"], self.url("queue_server/pop"))
        popped = data["task"]
        self.assertEqual(popped["task_uid"], task.task_uid)
        self.assertEqual(popped["status"], "running")
        self.assertEqual(popped["attempt"], 1)
        self.assertEqual(popped["consumer_id"], CONSUMER)
        self.assertGreaterEqual(popped["started"], before - 1)
        self.assertTaskUrl(popped)
        stored = self.queue.get_task(task.task_uid)
        self.assertEqual((stored.status, stored.attempt), ("running", 1))
        self.assertEqual(self.queue.counts()["running"], 1)

    def test_pop_empty(self):
        data = self.assertOK(self.call("POST", "queue_server/pop", {"consumer_id": CONSUMER},
                                       token_user="queue_consumer"))
        self.assertIsNone(data["task"])

    def test_pop_form(self):
        """A consumer may send its id as a form: the token proves it is no forged form."""
        self.add_task()
        data = self.assertOK(self.call("POST", "queue_server/pop",
                                       data={"consumer_id": CONSUMER},
                                       token_user="queue_consumer"))
        self.assertEqual(data["task"]["consumer_id"], CONSUMER)

    def test_errors(self):
        self.add_task()
        before = self.snapshot()
        cases = [
            ({}, "queue_consumer", 428, "No valid consumer id"),
            ({"consumer_id": ""}, "queue_consumer", 428, "No valid consumer id"),
            ({"consumer_id": "abc"}, "queue_consumer", 428, "No valid consumer id"),
            ({"consumer_id": "  ab   "}, "queue_consumer", 428, "No valid consumer id"),
            ({"consumer_id": 12345}, "queue_consumer", 400, "must be a string"),
            ({"consumer_id": ["abcdef"]}, "queue_consumer", 400, "must be a string"),
            ({"consumer_id": "x" * 501}, "queue_consumer", 400, "longer than"),
            ([{"consumer_id": CONSUMER}], "queue_consumer", 400, "JSON object"),
            ({"consumer_id": CONSUMER}, "analyst", 403, "Manage Bika"),
            ({"consumer_id": CONSUMER}, "clientcontact", 403, "Manage Bika"),
        ]
        for payload, user, status, detail in cases:
            response = self.call("POST", "queue_server/pop", payload, token_user=user)
            self.assertRefused(before, response, status, detail)
        # basic auth or no auth at all: a queue token is required
        response = self.call("POST", "queue_server/pop", {"consumer_id": CONSUMER},
                             user="labmanager")
        self.assertRefused(before, response, 401, "queue token only")
        response = self.call("POST", "queue_server/pop", {"consumer_id": CONSUMER})
        self.assertRefused(before, response, 401, "Authentication required")
        response = self.call("GET", "queue_server/pop", token_user="queue_consumer")
        self.assertRefused(before, response, 405, "use POST")
        response = self.call("POST", "queue_server/pop", data=OVERSIZED,
                             token_user="queue_consumer", headers=JSON)
        self.assertRefused(before, response, 413)


class AckTests(object):
    """done, fail and timeout: what they share."""

    route = None

    def ack(self, payload, token_user="queue_consumer", **kw):
        return self.call("POST", self.route, payload, token_user=token_user, **kw)

    def test_stale_attempt(self):
        """409: an ack for an attempt that is no longer current changes nothing."""
        task = self.lease(retries=3)
        self.queue.fail(task.task_uid, 1, "first attempt failed")
        transaction.commit()
        # the retry is delayed 5 s: pop it as if that time had passed
        again = self.queue.pop("http://localhost:8091", now=time.time() + 10)
        transaction.commit()
        self.assertEqual((again.task_uid, again.attempt), (task.task_uid, 2))
        before = self.snapshot()
        for attempt in (1, 3):
            response = self.ack({"task_uid": task.task_uid, "attempt": attempt})
            self.assertRefused(before, response, 409, "Stale ack")

    def test_not_running(self):
        """412: an ack of the current attempt of a task that is not running."""
        requeued = self.lease(retries=3)
        self.queue.fail(requeued.task_uid, 1, "failed once")
        transaction.commit()
        failed = self.failed_task()
        before = self.snapshot()
        for task in (requeued, failed):
            self.assertEqual(self.queue.get_task(task.task_uid).attempt, 1)
            response = self.ack({"task_uid": task.task_uid, "attempt": 1})
            self.assertRefused(before, response, 412, "Task is not running")

    def test_errors(self):
        task = self.lease()
        before = self.snapshot()
        cases = [
            ({"attempt": 1}, 412, "Missing 'task_uid'"),
            ({"task_uid": "nope", "attempt": 1}, 412, "Invalid task uid"),
            ({"task_uid": 5, "attempt": 1}, 412, "Invalid task uid"),
            ({"task_uid": task.task_uid}, 400, "'attempt' must be a positive integer"),
            ({"task_uid": task.task_uid, "attempt": 0}, 400, "'attempt'"),
            ({"task_uid": task.task_uid, "attempt": "1"}, 400, "'attempt'"),
            ({"task_uid": task.task_uid, "attempt": True}, 400, "'attempt'"),
            ({"task_uid": task.task_uid, "attempt": 1.0}, 400, "'attempt'"),
            ([{"task_uid": task.task_uid, "attempt": 1}], 400, "JSON object"),
            ({"task_uid": UNKNOWN_UID, "attempt": 1}, 404, "Task not found"),
        ]
        for payload, status, detail in cases:
            self.assertRefused(before, self.ack(payload), status, detail)
        good = {"task_uid": task.task_uid, "attempt": 1}
        for user in ("analyst", "clientcontact"):
            self.assertRefused(before, self.ack(good, token_user=user), 403, "Manage Bika")
        response = self.call("POST", self.route, good, user="labmanager")
        self.assertRefused(before, response, 401, "queue token only")
        response = self.call("POST", self.route, good)
        self.assertRefused(before, response, 401)
        response = self.call("GET", self.route, token_user="queue_consumer")
        self.assertRefused(before, response, 405, "use POST")
        response = self.call("POST", self.route, data=OVERSIZED, token_user="queue_consumer",
                             headers=JSON)
        self.assertRefused(before, response, 413)


class TestDone(AckTests, RouteTestCase):
    """queue_server/done"""

    route = "queue_server/done"

    def test_done(self):
        task = self.lease()
        data = self.assertOK(self.ack({"task_uid": task.task_uid, "attempt": 1}))
        self.assertEqual(data["url"], self.url(self.route))
        self.assertEqual(data["message"], "Task done: {}".format(task.task_uid))
        self.assertEqual(data["task"]["task_uid"], task.task_uid)
        self.assertIsNone(self.queue.get_task(task.task_uid))
        self.assertEqual(self.queue.counts(),
                         {"queued": 0, "running": 0, "failed": 0, "done": 1})
        self.assertNotIn("next", data)

    def test_done_hands_out_the_next_task(self):
        task = self.lease()
        waiting = self.add_task(uids=[])
        data = self.assertOK(self.ack({"task_uid": task.task_uid, "attempt": 1,
                                       "consumer_id": CONSUMER}))
        self.assertEqual(data["next"]["task_uid"], waiting.task_uid)
        self.assertEqual(data["next"]["attempt"], 1)
        stored = self.queue.get_task(waiting.task_uid)
        self.assertEqual((stored.status, stored.consumer_id), ("running", CONSUMER))
        # Nothing left: next is null
        data = self.assertOK(self.ack({"task_uid": waiting.task_uid, "attempt": 1,
                                       "consumer_id": CONSUMER}))
        self.assertIsNone(data["next"])

    def test_done_with_bad_consumer_id_changes_nothing(self):
        task = self.lease()
        response = self.ack({"task_uid": task.task_uid, "attempt": 1, "consumer_id": "x"})
        self.assertEqual(response.status_code, 428)
        self.assertEqual(self.queue.get_task(task.task_uid).status, "running")


class TestFail(AckTests, RouteTestCase):
    """queue_server/fail"""

    route = "queue_server/fail"

    def test_fail_requeues(self):
        task = self.lease(retries=2, chunk_size=10)
        data = self.assertOK(self.ack({"task_uid": task.task_uid, "attempt": 1,
                                       "error_message": "Boom"}))
        self.assertEqual(data["message"], "Task failed: {}".format(task.task_uid))
        self.assertEqual(data["task"]["status"], "queued")
        self.assertEqual(data["task"]["retries"], 1)
        self.assertTaskUrl(data["task"])
        stored = self.queue.get_task(task.task_uid)
        self.assertEqual((stored.status, stored.error_message, stored.chunk_size),
                         ("queued", "Boom", 5))

    def test_fail_without_retries(self):
        task = self.lease(retries=0)
        data = self.assertOK(self.ack({"task_uid": task.task_uid, "attempt": 1}))
        self.assertEqual(data["task"]["status"], "failed")
        stored = self.queue.get_task(task.task_uid)
        self.assertEqual((stored.status, stored.error_message), ("failed", "Unknown error"))
        self.assertEqual(self.queue.counts()["failed"], 1)

    def test_bad_error_message(self):
        task = self.lease()
        before = self.snapshot()
        for message, detail in [(["x"], "must be a string"), ("x" * 10001, "longer than")]:
            response = self.ack({"task_uid": task.task_uid, "attempt": 1,
                                 "error_message": message})
            self.assertRefused(before, response, 400, detail)


class TestTimeout(AckTests, RouteTestCase):
    """queue_server/timeout"""

    route = "queue_server/timeout"

    def test_timeout(self):
        task = self.lease(retries=1)
        data = self.assertOK(self.ack({"task_uid": task.task_uid, "attempt": 1}))
        self.assertEqual(data["message"], "Task timed out: {}".format(task.task_uid))
        stored = self.queue.get_task(task.task_uid)
        self.assertEqual((stored.status, stored.error_message, stored.max_seconds,
                          stored.retries), ("queued", "Timeout", 180, 0))


class TestConflict(AckTests, RouteTestCase):
    """queue_server/conflict"""

    route = "queue_server/conflict"

    def test_conflict_requeues_without_spending_a_retry(self):
        task = self.lease(retries=2, chunk_size=10, uids=[self.new_uid() for _ in range(4)])
        data = self.assertOK(self.ack({"task_uid": task.task_uid, "attempt": 1,
                                       "error_message": "ConflictError on /plone/x"}))
        self.assertEqual(data["message"], "Task lost a conflict: {}".format(task.task_uid))
        stored = self.queue.get_task(task.task_uid)
        self.assertEqual((stored.status, stored.retries, stored.chunk_size, stored.conflicts),
                         ("queued", 2, 5, 1))
        self.assertEqual(stored.error_message,
                         "Lost 1 conflict(s) in a row, the last one: ConflictError on "
                         "/plone/x")

    def test_conflicts_for_longer_than_the_setting_fail(self):
        ploneapi.portal.set_registry_record("senaite.queue.max_seconds_conflicts", 60)
        task = self.lease(retries=2)
        # its first conflict was 100 s ago; it has been losing since
        self.queue.conflict(task.task_uid, 1, "ConflictError on /plone/x",
                            now=time.time() - 100)
        again = self.queue.pop("http://localhost:8091", now=time.time() + 60)
        transaction.commit()
        data = self.assertOK(self.ack({"task_uid": task.task_uid, "attempt": again.attempt,
                                       "error_message": "ConflictError on /plone/x"}))
        self.assertEqual(data["task"]["status"], "failed")
        stored = self.queue.get_task(task.task_uid)
        self.assertTrue(stored.error_message.startswith("Gave up after 2 conflicts in "),
                        stored.error_message)
        self.assertEqual(stored.retries, 2)
        # with the longest setting, the same run of conflicts goes on
        ploneapi.portal.set_registry_record("senaite.queue.max_seconds_conflicts", 86400)
        task = self.lease(retries=2)
        self.queue.conflict(task.task_uid, 1, "x", now=time.time() - 100)
        again = self.queue.pop("http://localhost:8092", now=time.time() + 60)
        transaction.commit()
        data = self.assertOK(self.ack({"task_uid": task.task_uid, "attempt": again.attempt}))
        self.assertEqual(data["task"]["status"], "queued")


class TestRequeue(RouteTestCase):
    """queue_server/requeue and requeue/<task_uid>"""

    def test_requeue(self):
        failed = self.failed_task()
        data = self.assertOK(self.call("POST", "queue_server/requeue",
                                       {"task_uid": failed.task_uid}, user="labmanager"))
        self.assertEqual(data["url"], self.url("queue_server/requeue"))
        self.assertEqual(data["message"], "Task re-queued: {}".format(failed.task_uid))
        self.assertEqual(data["task"]["status"], "queued")
        self.assertTaskUrl(data["task"])
        stored = self.queue.get_task(failed.task_uid)
        # retries: the setting
        self.assertEqual((stored.status, stored.retries), ("queued", 3))
        self.assertEqual(self.queue.counts()["failed"], 0)

    def test_requeue_path(self):
        failed = self.failed_task()
        data = self.assertOK(self.call("POST", "queue_server/requeue/{}".format(
            failed.task_uid), {}, user="labmanager"))
        self.assertEqual(data["task"]["task_uid"], failed.task_uid)
        self.assertEqual(self.queue.get_task(failed.task_uid).status, "queued")

    def test_requeue_path_get(self):
        """As 1.x, requeue/<task_uid> answers a GET too (a script's, with a JSON body)."""
        failed = self.failed_task()
        data = self.assertOK(self.call("GET", "queue_server/requeue/{}".format(
            failed.task_uid), {}, user="labmanager"))
        self.assertEqual(data["message"], "Task re-queued: {}".format(failed.task_uid))
        self.assertEqual(self.queue.get_task(failed.task_uid).status, "queued")

    def test_requeue_queued_resets_retries(self):
        task = self.add_task(retries=0)
        self.assertOK(self.call("POST", "queue_server/requeue", {"task_uid": task.task_uid},
                                user="labmanager"))
        self.assertEqual(self.queue.get_task(task.task_uid).retries, 3)

    def test_errors(self):
        running = self.lease()
        failed = self.failed_task()
        before = self.snapshot()
        cases = [
            ("POST", "queue_server/requeue", {}, "labmanager", 412, "Missing 'task_uid'"),
            ("POST", "queue_server/requeue", {"task_uid": "x"}, "labmanager", 412,
             "Invalid task uid"),
            ("POST", "queue_server/requeue/nope", {}, "labmanager", 412, "Invalid task uid"),
            ("POST", "queue_server/requeue", {"task_uid": UNKNOWN_UID}, "labmanager", 404,
             "Task not found"),
            ("POST", "queue_server/requeue/{}".format(UNKNOWN_UID), {}, "labmanager", 404,
             "Task not found"),
            ("POST", "queue_server/requeue", {"task_uid": running.task_uid}, "labmanager",
             412, "Task is running"),
            ("POST", "queue_server/requeue/{}".format(running.task_uid), {}, "labmanager",
             412, "Task is running"),
            ("POST", "queue_server/requeue", {"task_uid": failed.task_uid}, None, 401, None),
            ("POST", "queue_server/requeue", {"task_uid": failed.task_uid}, "analyst", 403,
             "Manage queue"),
            ("POST", "queue_server/requeue", {"task_uid": failed.task_uid}, "clientcontact",
             403, "Manage queue"),
            ("POST", "queue_server/requeue", {"task_uid": failed.task_uid}, "labclerk",
             403, "Manage queue"),
            ("GET", "queue_server/requeue", None, "labmanager", 405, "use POST"),
            ("PUT", "queue_server/requeue/{}".format(failed.task_uid), None, "labmanager",
             405, "use GET or POST"),
        ]
        for method, route, payload, user, status, detail in cases:
            response = self.call(method, route, payload, user=user)
            self.assertRefused(before, response, status, detail)
        response = self.call("POST", "queue_server/requeue", data={"task_uid": failed.task_uid},
                             user="labmanager")
        self.assertRefused(before, response, 403, "CSRF")
        # a GET that a browser could be tricked into sending (a link, an image)
        response = self.call("GET", "queue_server/requeue/{}".format(failed.task_uid),
                             user="labmanager")
        self.assertRefused(before, response, 403, "CSRF")
        response = self.call("POST", "queue_server/requeue", data=OVERSIZED, user="labmanager",
                             headers=JSON)
        self.assertRefused(before, response, 413)


class TestDelete(RouteTestCase):
    """queue_server/delete"""

    def test_delete(self):
        queued = self.add_task()
        running = self.lease()
        failed = self.failed_task()
        for task in (queued, failed):
            data = self.assertOK(self.call("POST", "queue_server/delete",
                                           {"task_uid": task.task_uid}, user="labmanager"))
            self.assertEqual(data["url"], self.url("queue_server/delete"))
            self.assertEqual(data["message"], "Task deleted: {}".format(task.task_uid))
            self.assertEqual(data["task"]["task_uid"], task.task_uid)
            self.assertIsNone(self.queue.get_task(task.task_uid))
        self.assertEqual(self.queue.get_task(running.task_uid).status, "running")
        self.assertEqual(self.queue.counts(),
                         {"queued": 0, "running": 1, "failed": 0, "done": 0})

    def test_errors(self):
        task = self.add_task()
        before = self.snapshot()
        cases = [
            ("POST", {}, "labmanager", 412, "Missing 'task_uid'"),
            ("POST", {"task_uid": [task.task_uid]}, "labmanager", 412, "Invalid task uid"),
            ("POST", [task.task_uid], "labmanager", 400, "JSON object"),
            ("POST", {"task_uid": UNKNOWN_UID}, "labmanager", 404, "Task not found"),
            ("POST", {"task_uid": task.task_uid}, None, 401, None),
            ("POST", {"task_uid": task.task_uid}, "analyst", 403, "Manage queue"),
            ("POST", {"task_uid": task.task_uid}, "clientcontact", 403, "Manage queue"),
            ("POST", {"task_uid": task.task_uid}, "labclerk", 403, "Manage queue"),
            ("GET", None, "labmanager", 405, "use POST"),
            ("DELETE", {"task_uid": task.task_uid}, "labmanager", 405, "use POST"),
        ]
        for method, payload, user, status, detail in cases:
            response = self.call(method, "queue_server/delete", payload, user=user)
            self.assertRefused(before, response, status, detail)
        response = self.call("POST", "queue_server/delete", data={"task_uid": task.task_uid},
                             user="labmanager")
        self.assertRefused(before, response, 403, "CSRF")
        response = self.call("POST", "queue_server/delete", data=OVERSIZED, user="labmanager",
                             headers=JSON)
        self.assertRefused(before, response, 413)


class TestStatus(RouteTestCase):
    """queue_server/status"""

    def test_anonymous(self):
        self.add_task()
        data = self.assertOK(self.call("GET", "queue_server/status"))
        self.assertIs(data["server"], True)
        self.assertEqual(set(data) - {"_runtime"}, {"success", "server", "url", "zeo"})

    def test_without_manage_bika(self):
        for user in ("analyst", "clientcontact"):
            data = self.assertOK(self.call("GET", "queue_server/status", user=user))
            self.assertEqual(set(data) - {"_runtime"}, {"success", "server", "url", "zeo"})

    def test_lab_manager(self):
        task = self.add_task()
        self.lease()
        data = self.assertOK(self.call("GET", "queue_server/status", user="labmanager"))
        self.assertEqual(data["url"], self.url("queue_server/status"))
        self.assertIs(data["server"], True)
        self.assertEqual((data["queued"], data["running"], data["failed"], data["done"]),
                         (1, 1, 0, 0))
        self.assertEqual(data["oldest_queued"], task.created)
        self.assertEqual(list(data["consumers"]), [CONSUMER + "1"])
        self.assertEqual(len(data["leases"]), 1)
        self.assertEqual(data["queue_status"], "ready")
        self.assertEqual(data["server_url"], self.site_url)

    def test_purges_expired_leases(self):
        task = self.add_task(retries=1, created=time.time() - 2000)
        self.queue.pop(CONSUMER, now=time.time() - 1000)
        transaction.commit()
        self.assertEqual(self.queue.get_task(task.task_uid).status, "running")
        data = self.assertOK(self.call("GET", "queue_server/status", user="labmanager"))
        self.assertEqual((data["queued"], data["running"]), (1, 0))
        stored = self.queue.get_task(task.task_uid)
        self.assertEqual((stored.status, stored.error_message), ("queued", "Timeout"))

    def test_other_server(self):
        ploneapi.portal.set_registry_record("senaite.queue.server", u"http://localhost:1/plone")
        transaction.commit()
        data = self.assertOK(self.call("GET", "queue_server/status"))
        self.assertIs(data["server"], False)
        data = self.assertOK(self.call("GET", "queue_server/status", user="labmanager"))
        self.assertIs(data["server"], False)
        # whether that server answers does not matter
        self.assertEqual(data["queue_status"], "ready")

    def test_errors(self):
        self.add_task()
        before = self.snapshot()
        for method in ("POST", "PUT", "DELETE"):
            response = self.call(method, "queue_server/status", {}, user="labmanager")
            self.assertRefused(before, response, 405, "use GET")


class TestNotAQueueServer(RouteTestCase):
    """Every route but <task_uid> and status answers 405 where the registry names another
    URL: the role is an exact match of the normalised URL, not a substring."""

    ROUTES = [
        ("GET", "queue_server/tasks", None, "labmanager"),
        ("GET", "queue_server/tasks/queued", None, "labmanager"),
        ("POST", "queue_server/diff", {}, "labmanager"),
        ("GET", "queue_server/uids", None, "labmanager"),
        ("GET", "queue_server/uids/queued", None, "labmanager"),
        ("POST", "queue_server/search", {"uid": "0"}, "labmanager"),
        ("POST", "queue_server/add", {"name": "queue_test_record", "context_uid": "0",
                                      "context_path": "/plone"}, "labmanager"),
        ("POST", "queue_server/pop", {"consumer_id": CONSUMER}, "token"),
        ("POST", "queue_server/done", "ack", "token"),
        ("POST", "queue_server/fail", "ack", "token"),
        ("POST", "queue_server/timeout", "ack", "token"),
        ("POST", "queue_server/conflict", "ack", "token"),
        ("POST", "queue_server/requeue", "uid", "labmanager"),
        ("POST", "queue_server/requeue/{uid}", None, "labmanager"),
        ("POST", "queue_server/delete", "uid", "labmanager"),
        ("GET", "queue_server/tasks", None, None),
    ]

    def test_other_urls(self):
        running = self.lease()
        self.add_task()
        port = self.layer["port"]
        others = [
            u"http://localhost:{}/plone2".format(port),
            u"http://localhost:{}/plon".format(port),
            u"http://localhost:{}0/plone".format(port),
            u"http://localhost:{}/plone/sub".format(port),
            u"https://localhost:{}/plone".format(port),
            u"http://localhost:1/plone",
            u"http://otherhost:{}/plone".format(port),
            u"",
        ]
        for server in others:
            ploneapi.portal.set_registry_record("senaite.queue.server", server)
            transaction.commit()
            before = self.snapshot()
            for method, route, payload, user in self.ROUTES:
                route = route.format(uid=running.task_uid)
                if payload == "ack":
                    payload = {"task_uid": running.task_uid, "attempt": 1}
                elif payload == "uid":
                    payload = {"task_uid": running.task_uid}
                if user == "token":
                    response = self.call(method, route, payload, token_user="queue_consumer")
                else:
                    response = self.call(method, route, payload, user=user)
                self.assertRefused(before, response, 405, "Method Not Allowed - Not a Queue "
                                                          "Server")
            data = self.assertOK(self.call("GET", "queue_server/{}".format(running.task_uid),
                                           user="labmanager"))
            self.assertEqual(data["status"], "running")
            data = self.assertOK(self.call("GET", "queue_server/status"))
            self.assertIs(data["server"], False)

    def test_same_url_spelled_differently(self):
        self.add_task()
        port = self.layer["port"]
        for server in [u"HTTP://LOCALHOST:{}/plone/".format(port),
                       u"  http://localhost:{}/plone//  ".format(port)]:
            ploneapi.portal.set_registry_record("senaite.queue.server", server)
            transaction.commit()
            data = self.assertOK(self.call("GET", "queue_server/tasks", user="labmanager"))
            self.assertEqual(data["count"], 1)


class TestRobustness(RouteTestCase):
    """Requests outside the routes' contract still get a JSON 4xx and change nothing."""

    def test_unknown_methods(self):
        task = self.add_task()
        before = self.snapshot()
        routes = ["tasks", "tasks/queued", "diff", "uids", "uids/queued", "search", "add",
                  "pop", "done", "fail", "timeout", "conflict", "requeue",
                  "requeue/" + task.task_uid, "delete", "status", task.task_uid]
        for method in ("OPTIONS", "PROPFIND", "TRACE", "MKCOL", "LOCK", "FOO"):
            for route in routes:
                response = self.call(method, "queue_server/" + route, user="labmanager")
                self.assertRefused(before, response, 405, "Method not allowed")

    def test_unknown_paths(self):
        self.add_task()
        before = self.snapshot()
        for route in ("queue_server", "queue_server/tasks/queued/extra",
                      "queue_server/requeue/a/b", "queue_server/a/b/c"):
            for method in ("GET", "POST"):
                response = self.call(method, route, user="labmanager")
                self.assertRefused(before, response, 404, "No such queue route")

    def test_oversized_bodies(self):
        task = self.add_task()
        before = self.snapshot()
        routes = ["tasks", "tasks/queued", "diff", "uids", "uids/queued", "search",
                  task.task_uid, "add", "pop", "done", "fail", "timeout", "conflict",
                  "requeue", "requeue/" + task.task_uid, "delete"]
        for route in routes:
            route = "queue_server/" + route
            if route.rsplit("/", 1)[-1] in ("pop", "done", "fail", "timeout", "conflict"):
                response = self.call("POST", route, data=OVERSIZED, headers=JSON,
                                     token_user="queue_consumer")
            else:
                response = self.call("POST", route, data=OVERSIZED, headers=JSON,
                                     user="labmanager")
            self.assertRefused(before, response, 413, "larger than 1048576 bytes")

    def test_conflicts_give_503(self):
        """A dispatch that keeps conflicting is answered 503 and changes nothing."""
        from ZODB.POSException import ConflictError
        from senaite.queue.core.storage import TaskQueue
        task = self.add_task()
        before = self.snapshot()
        calls = []

        def lease(queue, *args, **kw):
            calls.append(args)
            queue._records[task.task_uid].update(status="running")
            raise ConflictError("conflict on purpose")

        original = TaskQueue.lease
        TaskQueue.lease = lease
        try:
            response = self.call("POST", "queue_server/pop", {"consumer_id": CONSUMER},
                                 token_user="queue_consumer")
        finally:
            TaskQueue.lease = original
        self.assertRefused(before, response, 503, "Conflicting writes")
        self.assertGreater(len(calls), 1)  # retried
        self.assertEqual(self.queue.get_task(task.task_uid).status, "queued")

    def test_binary_answer_refused_before_anything(self):
        """@@API's zip rendering is refused (406) before the route pops anything."""
        self.add_task()
        before = self.snapshot()
        response = self.call("POST", "queue_server/pop", {"consumer_id": CONSUMER},
                             token_user="queue_consumer", headers={"Accept": "application/zip"})
        self.assertEqual(response.status_code, 406, response.text[:500])
        self.assertUnchanged(before)
        response = self.call("POST", "queue_server/pop", data={
            "consumer_id": CONSUMER, "asbinary": "1"}, token_user="queue_consumer")
        self.assertEqual(response.status_code, 406, response.text[:500])
        self.assertUnchanged(before)
        response = self.call("POST", "queue_server/a/b?asbinary=1", user="labmanager")
        self.assertEqual(response.status_code, 406)

    def test_xml_answer(self):
        """@@API answers in XML when asked to: same status, nothing changed on an error."""
        task = self.add_task()
        before = self.snapshot()
        response = self.call("POST", "queue_server/delete", {"task_uid": UNKNOWN_UID},
                             user="labmanager", headers={"Accept": "application/xml"})
        self.assertEqual(response.status_code, 404)
        self.assertIn("Task not found", response.text)
        self.assertUnchanged(before)
        response = self.call("POST", "queue_server/tasks", {"complete": True},
                             user="labmanager", headers={"Accept": "application/xml"})
        self.assertEqual(response.status_code, 200)
        self.assertIn(task.task_uid, response.text)
