# -*- coding: utf-8 -*-
"""Who may do what with the queue, for every role of SENAITE: the routes over real HTTP, the
Queue Monitor and the Queue Settings through the published pages.

SENAITE gives "senaite.core: Manage Bika" to lab clerks, lab managers and managers; analysts,
client contacts and site administrators do not have it. senaite.queue gives "senaite.queue:
Manage queue" to lab managers, site administrators and managers, not to lab clerks, and
"senaite.queue: View metrics" to site administrators and managers only.
"""

import json

import transaction
from plone import api as ploneapi
from plone.app.testing import SITE_OWNER_NAME
from plone.app.testing import SITE_OWNER_PASSWORD
from plone.app.testing import login
from plone.app.testing import logout
from plone.protect.authenticator import createToken
from plone.testing.zope import Browser
from senaite.queue.browser.controlpanel import QueueControlPanelForm
from senaite.queue.tests.base import password
from senaite.queue.tests.support import JSON
from senaite.queue.tests.support import RouteTestCase
from six.moves.urllib.parse import urlencode
from zExceptions import Unauthorized

ANONYMOUS = None
# user id -> roles, besides the users of every HTTP test (tests/base.py)
MORE_USERS = {
    "siteadmin": ["Site Administrator"],
    "manager": ["Manager"],
}
USERS = (ANONYMOUS, "clientcontact", "analyst", "labclerk", "labmanager", "siteadmin",
         "manager")
MANAGE_BIKA = ("labclerk", "labmanager", "manager")
MANAGE_QUEUE = ("labmanager", "siteadmin", "manager")
VIEW_METRICS = ("siteadmin", "manager")
LIMITED_STATUS = {"success", "server", "url", "zeo"}


def expected(user, allowed=None):
    """200, or the status a user gets from a route only the ``allowed`` users may call."""
    if user is ANONYMOUS:
        return 401
    if allowed is not None and user not in allowed:
        return 403
    return 200


class PermissionTestCase(RouteTestCase):

    def setUp(self):
        super(PermissionTestCase, self).setUp()
        for user_id, roles in MORE_USERS.items():
            ploneapi.user.create(email="{}@example.com".format(user_id), username=user_id,
                                 password=password(user_id), roles=roles)
        transaction.commit()

    def clear(self):
        transaction.begin()
        for task in self.queue.get_tasks(["queued", "running", "failed", "ghost"]):
            self.queue.delete(task.task_uid)
        transaction.commit()


class TestRoutes(PermissionTestCase):

    def send(self, user, method, route, payload=None, token=False):
        if token and user is not ANONYMOUS:
            return self.call(method, route, payload, token_user=user)
        return self.call(method, route, payload, user=user)

    def check(self, user, status, response, before=None):
        if status == 200:
            return self.assertOK(response)
        if before is None:
            return self.assertError(response, status)
        return self.assertRefused(before, response, status)

    def test_read_routes_need_manage_bika(self):
        """Tasks name objects of every client: reading them needs "Manage Bika"."""
        task = self.add_task()
        self.failed_task()
        before = self.snapshot()
        routes = [
            ("GET", "queue_server/tasks", None),
            ("GET", "queue_server/tasks/queued", None),
            ("GET", "queue_server/tasks/running", None),
            ("GET", "queue_server/tasks/failed", None),
            ("GET", "queue_server/tasks/ghost", None),
            ("POST", "queue_server/tasks", {"status": ["queued", "failed"]}),
            ("POST", "queue_server/diff", {"uids": []}),
            ("POST", "queue_server/diff", {"status": "ghost"}),
            ("GET", "queue_server/uids", None),
            ("GET", "queue_server/uids/failed", None),
            ("POST", "queue_server/uids", {"status": "ghost"}),
            ("POST", "queue_server/search", {"uid": "0"}),
            ("GET", "queue_server/{}".format(task.task_uid), None),
        ]
        for method, route, payload in routes:
            for user in USERS:
                response = self.call(method, route, payload, user=user)
                self.check(user, expected(user, MANAGE_BIKA), response, before)

    def test_add(self):
        for user in USERS:
            before = self.snapshot()
            response = self.call("POST", "queue_server/add", {
                "name": "queue_test_record", "context_uid": "0",
                "context_path": "/plone"}, user=user)
            if user is ANONYMOUS:
                self.assertRefused(before, response, 401)
                continue
            data = self.assertOK(response)
            task = self.queue.get_task(data["items"][0]["task_uid"])
            self.assertEqual(task.username, user)

    def test_dispatch_routes_need_a_token_with_manage_bika(self):
        for route in ("pop", "done", "fail", "timeout", "conflict"):
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
                status = expected(user, MANAGE_BIKA + ("queue_consumer", ))
                self.check(user, status, response, before)
                self.clear()

    def test_requeue_and_delete_need_manage_queue(self):
        for route in ("requeue", "requeue/{uid}", "delete"):
            for user in USERS:
                task = self.failed_task()
                before = self.snapshot()
                response = self.call("POST", "queue_server/" + route.format(
                    uid=task.task_uid), {"task_uid": task.task_uid}, user=user)
                status = expected(user, MANAGE_QUEUE)
                self.check(user, status, response, before)
                if status == 403:
                    self.assertIn("requires 'senaite.queue: Manage queue'",
                                  response.json()["message"])
                if status == 200:
                    self.assertNotEqual(self.snapshot(), before, (route, user))
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


class TestPages(PermissionTestCase):
    """The Queue Monitor, its buttons and the rotation of the secret."""

    def browser(self, user):
        browser = Browser(self.layer["app"])
        browser.handleErrors = False
        if user is not ANONYMOUS:
            browser.addHeader("Authorization", "Basic {}:{}".format(user, password(user)))
        return browser

    def token(self, user):
        """The CSRF token the user's pages carry."""
        if user is ANONYMOUS:
            return "0" * 40
        login(self.layer["portal"], user)
        try:
            return createToken()
        finally:
            logout()

    def status_of(self, task_uid):
        transaction.begin()
        task = self.queue.get_task(task_uid)
        return task.status if task else None

    def test_monitor_needs_manage_bika(self):
        for user in USERS:
            browser = self.browser(user)
            url = "{}/queue_tasks".format(self.site_url)
            if user in MANAGE_BIKA:
                browser.open(url)
                self.assertIn("Queue Monitor", browser.contents)
                continue
            with self.assertRaises(Unauthorized, msg=user):
                browser.open(url)

    def test_metrics_need_view_metrics(self):
        for user in USERS:
            browser = self.browser(user)
            url = "{}/queue_metrics".format(self.site_url)
            if user in VIEW_METRICS:
                browser.open(url)
                self.assertIn("senaite_queue_tasks", browser.contents)
                continue
            with self.assertRaises(Unauthorized, msg=user):
                browser.open(url)

    def test_buttons_shown_with_manage_queue(self):
        task = self.failed_task()
        for user in MANAGE_BIKA:
            browser = self.browser(user)
            browser.post("{}/queue_tasks/folderitems".format(self.site_url), json.dumps({
                "review_state": "failed", "selected_uids": [task.task_uid]}),
                "application/json")
            data = json.loads(browser.contents)
            buttons = sorted(button["id"] for button in data["transitions"])
            custom = [sorted(button["id"] for button in state["custom_transitions"])
                      for state in data["review_states"]]
            if user in MANAGE_QUEUE:
                self.assertEqual(buttons, ["queue_remove", "queue_requeue"], user)
                self.assertEqual(custom, [["queue_remove", "queue_requeue"]] * 3, user)
                self.assertTrue(data["show_select_column"], user)
            else:
                self.assertEqual(buttons, [], user)
                self.assertEqual(custom, [[]] * 3, user)
                self.assertFalse(data["show_select_column"], user)

    def test_buttons_need_manage_queue(self):
        url = "{}/workflow_action".format(self.site_url)
        monitor_url = "{}/queue_tasks".format(self.site_url)
        for action, done in (("queue_requeue", "queued"), ("queue_remove", None)):
            for user in USERS:
                task = self.failed_task()
                response = self.http.post(url, allow_redirects=False, data={
                    "workflow_action": action, "uids:list": task.task_uid,
                    "_authenticator": self.token(user)},
                    auth=(user, password(user)) if user else None)
                # back to the monitor (which site administrators may not read), or refused
                if user in MANAGE_QUEUE:
                    self.assertEqual(response.headers.get("Location"), monitor_url, user)
                    self.assertEqual(self.status_of(task.task_uid), done, (action, user))
                else:
                    self.assertNotEqual(response.headers.get("Location"), monitor_url, user)
                    self.assertIn(response.status_code, (302, 401, 403), user)
                    self.assertEqual(self.status_of(task.task_uid), "failed", (action, user))
                self.clear()

    def test_only_managers_rotate_the_secret(self):
        portal = self.layer["portal"]
        for user in USERS[1:]:
            login(portal, user)
            form = QueueControlPanelForm(portal, self.layer["request"])
            self.assertEqual(form.can_rotate_secret(), user == "manager", user)
            if user != "manager":
                with self.assertRaises(Unauthorized, msg=user):
                    form.handle_rotate_secret(form, None)
            logout()
        for user in USERS:
            secret = self.queue.get_secret()
            browser = self.browser(user)
            data = urlencode({"form.buttons.rotate_secret": "Rotate secret",
                              "_authenticator": self.token(user)})
            url = "{}/@@queue-controlpanel".format(self.site_url)
            if user in MANAGE_BIKA:
                # others have the page without the button: z3c.form ignores the click
                browser.post(url, data)
            else:
                with self.assertRaises(Unauthorized, msg=user):
                    browser.post(url, data)
            transaction.begin()
            self.assertEqual(self.queue.get_secret() == secret, user != "manager", user)


class TestNoPrivilegeEscalation(RouteTestCase):
    """A task runs as its user: the payload cannot choose who that is."""

    def add(self, payload, user):
        payload = dict(payload, name="queue_test_record", context_uid="0", context_path="/plone")
        data = self.assertOK(self.call("POST", "queue_server/add", payload, user=user))
        return self.queue.get_task(data["items"][0]["task_uid"])

    def test_username_is_the_caller(self):
        for user in ("labclerk", "labmanager", "analyst", "clientcontact"):
            for username in ("admin", SITE_OWNER_NAME, "labmanager", "queue_consumer", ""):
                task = self.add({"username": username}, user)
                self.assertEqual(task.username, user, (user, username))

    def test_username_of_a_token_caller(self):
        data = self.assertOK(self.call("POST", "queue_server/add", {
            "name": "queue_test_record", "context_uid": "0",
            "context_path": "/plone", "username": "admin"},
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
            "name": "queue_test_record", "context_uid": "0",
            "context_path": "/plone", "username": "labclerk"},
            auth=(SITE_OWNER_NAME, SITE_OWNER_PASSWORD))
        data = self.assertOK(response)
        self.assertEqual(data["items"][0]["username"], "labclerk")

    def test_privileged_fields_are_refused(self):
        """Only Managers may hide a task, backdate it or give it more time or retries."""
        for key, value in (("ghost", True), ("created", 1000.0), ("max_seconds", 100000),
                           ("retries", 10)):
            before = self.snapshot()
            payload = {"name": "queue_test_record", "context_uid": "0",
            "context_path": "/plone", key: value}
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
