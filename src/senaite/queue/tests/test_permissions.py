# -*- coding: utf-8 -*-
"""Who may call which queue route, over real HTTP.

SENAITE gives "senaite.core: Manage Bika" to lab clerks, lab managers and managers; analysts
and client contacts do not have it.
"""

import transaction
from plone import api as ploneapi
from plone.app.testing import SITE_OWNER_NAME
from plone.app.testing import SITE_OWNER_PASSWORD
from senaite.queue.tests.support import JSON
from senaite.queue.tests.support import RouteTestCase

ANONYMOUS = None
USERS = (ANONYMOUS, "clientcontact", "analyst", "labclerk", "labmanager")
MANAGE_BIKA = ("labclerk", "labmanager")
LIMITED_STATUS = {"success", "server", "url", "zeo"}


def expected(user, manage=False):
    """200, or the status a user gets from a route that needs ``manage``."""
    if user is ANONYMOUS:
        return 401
    if manage and user not in MANAGE_BIKA:
        return 403
    return 200


class TestPermissions(RouteTestCase):

    def send(self, user, method, route, payload=None, token=False):
        if token and user is not ANONYMOUS:
            return self.call(method, route, payload, token_user=user)
        return self.call(method, route, payload, user=user)

    def clear(self):
        transaction.begin()
        for task in self.queue.get_tasks(["queued", "running", "failed", "ghost"]):
            self.queue.delete(task.task_uid)
        transaction.commit()

    def check(self, user, status, response, before=None):
        if status == 200:
            return self.assertOK(response)
        if before is None:
            return self.assertError(response, status)
        return self.assertRefused(before, response, status)

    def test_read_routes(self):
        """Tasks name objects of every client: reading them needs "Manage Bika"."""
        task = self.add_task()
        self.failed_task()
        before = self.snapshot()
        routes = [
            ("GET", "queue_server/tasks", None, True),
            ("GET", "queue_server/tasks/queued", None, True),
            ("GET", "queue_server/tasks/running", None, True),
            ("GET", "queue_server/tasks/failed", None, True),
            ("GET", "queue_server/tasks/ghost", None, True),
            ("POST", "queue_server/tasks", {"status": ["queued", "failed"]}, True),
            ("POST", "queue_server/diff", {"uids": []}, True),
            ("POST", "queue_server/diff", {"status": "ghost"}, True),
            ("GET", "queue_server/uids", None, True),
            ("GET", "queue_server/uids/failed", None, True),
            ("POST", "queue_server/uids", {"status": "ghost"}, True),
            ("POST", "queue_server/search", {"uid": "0"}, True),
            ("GET", "queue_server/{}".format(task.task_uid), None, True),
        ]
        for method, route, payload, manage in routes:
            for user in USERS:
                response = self.call(method, route, payload, user=user)
                self.check(user, expected(user, manage), response, before)


    def test_add(self):
        for user in USERS:
            before = self.snapshot()
            response = self.call("POST", "queue_server/add", {
                "name": "queue_test_record", "context_uid": "0"}, user=user)
            if user is ANONYMOUS:
                self.assertRefused(before, response, 401)
                continue
            data = self.assertOK(response)
            task = self.queue.get_task(data["items"][0]["task_uid"])
            self.assertEqual(task.username, user)

    def test_dispatch_routes_need_a_token_with_manage_bika(self):
        for route in ("pop", "done", "fail", "timeout"):
            for user in USERS + ("queue_consumer", ):
                task = self.lease()
                if route == "pop":
                    self.add_task()
                    payload = {"consumer_id": "http://localhost:8099"}
                else:
                    payload = {"task_uid": task.task_uid, "attempt": task.attempt}
                before = self.snapshot()
                # basic auth: never enough
                if user is not ANONYMOUS:
                    response = self.call("POST", "queue_server/" + route, payload, user=user,
                                         headers=JSON)
                    self.assertRefused(before, response, 401, "queue token only")
                # a queue token of the user
                response = self.send(user, "POST", "queue_server/" + route, payload,
                                        token=True)
                status = expected(user, manage=True)
                if user == "queue_consumer":
                    status = 200
                self.check(user, status, response, before)
                self.clear()

    def test_requeue_and_delete(self):
        for route in ("requeue", "requeue/{uid}", "delete"):
            for user in USERS:
                task = self.failed_task()
                before = self.snapshot()
                payload = {"task_uid": task.task_uid}
                response = self.call("POST", "queue_server/" + route.format(
                    uid=task.task_uid), payload, user=user)
                self.check(user, expected(user, manage=True), response, before)
                self.clear()

    def test_status(self):
        self.add_task()
        for user in USERS:
            data = self.assertOK(self.call("GET", "queue_server/status", user=user))
            keys = set(data) - {"_runtime"}
            if user in MANAGE_BIKA:
                self.assertTrue(keys > LIMITED_STATUS, user)
                self.assertEqual(data["queued"], 1)
            else:
                self.assertEqual(keys, LIMITED_STATUS, user)


class TestNoPrivilegeEscalation(RouteTestCase):
    """A task runs as its user: the payload cannot choose who that is."""

    def add(self, payload, user):
        payload = dict(payload, name="queue_test_record", context_uid="0")
        data = self.assertOK(self.call("POST", "queue_server/add", payload, user=user))
        return self.queue.get_task(data["items"][0]["task_uid"])

    def test_username_is_the_caller(self):
        for user in ("labclerk", "labmanager", "analyst", "clientcontact"):
            for username in ("admin", SITE_OWNER_NAME, "labmanager", "queue_consumer", ""):
                task = self.add({"username": username}, user)
                self.assertEqual(task.username, user, (user, username))

    def test_username_of_a_token_caller(self):
        data = self.assertOK(self.call("POST", "queue_server/add", {
            "name": "queue_test_record", "context_uid": "0", "username": "admin"},
            token_user="labclerk"))
        self.assertEqual(data["items"][0]["username"], "labclerk")

    def test_a_manager_may_queue_for_another_user(self):
        ploneapi.user.create(email="siteadmin@example.com", username="sitemanager",
                             password="sitemanager-secret", roles=["Manager"])
        transaction.commit()
        task = self.add({"username": "analyst"}, "sitemanager")
        self.assertEqual(task.username, "analyst")
        task = self.add({}, "sitemanager")
        self.assertEqual(task.username, "sitemanager")
        response = self.http.post(self.url("queue_server/add"), json={
            "name": "queue_test_record", "context_uid": "0", "username": "labclerk"},
            auth=(SITE_OWNER_NAME, SITE_OWNER_PASSWORD))
        data = self.assertOK(response)
        self.assertEqual(data["items"][0]["username"], "labclerk")

    def test_privileged_fields_are_refused(self):
        """Only Managers may hide a task, backdate it or give it more time or retries."""
        for key, value in (("ghost", True), ("created", 1000.0), ("max_seconds", 100000),
                           ("retries", 10)):
            before = self.snapshot()
            payload = {"name": "queue_test_record", "context_uid": "0", key: value}
            response = self.call("POST", "queue_server/add", payload, user="labclerk")
            self.assertRefused(before, response, 403, "Only Managers may set '{}'".format(key))

    def test_runtime_fields_are_ignored(self):
        uid = self.new_uid()
        task = self.add({
            "task_uid": uid, "status": "running", "attempt": 7, "started": 12345.0,
            "consumer_id": "http://evil:8089", "finished": 1.0, "error_message": "x",
            "__zeo": "http://evil"}, "labclerk")
        self.assertNotEqual(task.task_uid, uid)
        self.assertIsNone(self.queue.get_task(uid))
        self.assertEqual(task.status, "queued")
        self.assertEqual(task.attempt, 0)
        self.assertIsNone(task.started)
        self.assertIsNone(task.consumer_id)
        self.assertIsNone(task.finished)
        self.assertIsNone(task.error_message)
        self.assertNotIn("__zeo", task.extra)
        self.assertEqual(self.queue.counts(), {"queued": 1, "running": 0, "failed": 0,
                                               "done": 0})
