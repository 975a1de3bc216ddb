# -*- coding: utf-8 -*-
"""The Queue Monitor (``queue_tasks``): tabs, columns, sorting, links, buttons, permissions
and its portal tab."""

import json
import re
import time
import unittest

import transaction
from lxml import html
from plone import api as ploneapi
from plone.app.testing import TEST_USER_ID
from plone.app.testing import setRoles
from plone.protect.authenticator import createToken
from plone.testing.zope import Browser
from Products.CMFPlone.utils import get_installer
from senaite.queue import api
from senaite.queue.browser import monitor
from senaite.queue.browser.monitor_actions import WorkflowActionRemoveAdapter
from senaite.queue.browser.monitor_actions import WorkflowActionRequeueAdapter
from senaite.queue.interfaces import ISenaiteQueueLayer
from senaite.queue.testing import SENAITE_QUEUE_TESTING
from senaite.queue.tests.test_api import patched
from zExceptions import Unauthorized
from zope.interface import alsoProvides

SORTABLE = ("task_uid", "position", "created", "name", "context_path", "username",
            "status", "attempt", "consumer_id", "error_message")
USERS = {
    "labmanager": ["LabManager"],
    "analyst": ["Analyst"],
    "clientcontact": ["Client"],
}


def password(user_id):
    return "{}-secret".format(user_id)


class MonitorTestCase(unittest.TestCase):
    """A queue with two running tasks, three queued ones (one a ghost) and two failed ones
    (one a ghost)."""

    layer = SENAITE_QUEUE_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        self.request = self.layer["request"]
        alsoProvides(self.request, ISenaiteQueueLayer)
        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        for user_id, roles in USERS.items():
            if ploneapi.user.get(username=user_id) is None:
                ploneapi.user.create(email="{}@example.com".format(user_id),
                                     username=user_id, password=password(user_id),
                                     roles=roles)
        self.queue = api.get_task_queue()
        self.now = now = time.time()
        self.running1 = self.add("task_b", self.portal.clients, "zoe", now - 500)
        self.pop("http://consumer-b:8081")
        self.running2 = self.add("task_a", self.portal.bika_setup, "adam", now - 400)
        self.pop("http://consumer-a:8082")
        self.failed = self.add("task_c", self.portal.methods, "mia", now - 300, retries=0)
        self.fail(self.pop("http://consumer-c:8083"), "Something went wrong")
        self.failed_ghost = self.add("task_g", self.portal, "bob", now - 250, retries=0,
                                     ghost=True)
        self.fail(self.pop("http://consumer-d:8084"), "A ghost failed")
        # queued, in pop order: created + 300 * priority
        self.queued1 = self.add("task_e", self.portal.bika_setup, "eve", now - 200)
        self.queued2 = self.add("task_d", self.portal.clients, "dan", now - 100)
        self.queued_ghost = self.add("task_f", self.portal, "fay", now - 50, ghost=True)
        transaction.commit()
        self.active_uids = [self.running1, self.running2, self.queued1, self.queued2]

    def add(self, name, context, username, created, **kw):
        # each task its own name, so that sorting on names means something
        task = api.new_task(name, context, username=username, created=created, **kw)
        return self.queue.add(task).task_uid

    def pop(self, consumer_id):
        return self.queue.pop(consumer_id, max_consumers=16)

    def fail(self, task, message):
        return self.queue.fail(task.task_uid, task.attempt, message)

    def status_of(self, uid):
        transaction.begin()
        task = api.get_task_queue().get_task(uid)
        return task.status if task else None

    # -- browser ----------------------------------------------------------

    def browser_for(self, user_id):
        browser = Browser(self.layer["app"])
        browser.handleErrors = False
        browser.addHeader("Authorization", "Basic {}:{}".format(user_id, password(user_id)))
        return browser

    @property
    def monitor_url(self):
        return "{}/queue_tasks".format(self.portal.absolute_url())

    def folderitems(self, review_state="active", user_id="labmanager", **options):
        """The monitor's ajax answer, as the listing app asks for it."""
        payload = dict(review_state=review_state, **options)
        browser = self.browser_for(user_id)
        browser.post("{}/folderitems".format(self.monitor_url), json.dumps(payload),
                     "application/json")
        return json.loads(browser.contents)

    def uids(self, data):
        return [item["uid"] for item in data["folderitems"]]


class TestTabs(MonitorTestCase):

    def test_active_tab(self):
        data = self.folderitems("active")
        # running first, then queued in pop order; no ghost, no failed task
        self.assertEqual(self.uids(data), self.active_uids)
        items = data["folderitems"]
        self.assertEqual([item["position"] for item in items], ["0001", "0002", "0003", "0004"])
        self.assertEqual([item["review_state"] for item in items],
                         ["running", "running", "queued", "queued"])
        self.assertEqual([item["name"] for item in items],
                         ["task_b", "task_a", "task_e", "task_d"])
        self.assertEqual(items[0]["username"], "zoe")
        self.assertEqual(items[0]["consumer_id"], "http://consumer-b:8081")
        self.assertEqual(items[0]["attempt"], "1 / 3")
        self.assertEqual(items[2]["attempt"], "0 / 3")
        self.assertEqual(items[2]["context_path"], "/plone/bika_setup")
        # running tasks cannot be selected
        self.assertEqual([item["disabled"] for item in items], [True, True, False, False])
        self.assertNotIn("error_message",
                         [state for state in data["review_states"]
                          if state["id"] == "active"][0]["columns"])
        self.assertEqual(data["total"], 4)

    def test_failed_tab(self):
        data = self.folderitems("failed")
        self.assertEqual(self.uids(data), [self.failed])
        item = data["folderitems"][0]
        self.assertEqual(item["review_state"], "failed")
        self.assertEqual(item["error_message"], "Something went wrong")
        self.assertEqual(item["position"], "0000")
        self.assertEqual(item["attempt"], "1 / 0")
        self.assertEqual(item["consumer_id"], "http://consumer-c:8083")

    def test_waiting_after_conflicts_is_not_failed(self):
        task = self.queue.get_task(self.running1)
        self.queue.conflict(task.task_uid, task.attempt, "ConflictError on /x")
        transaction.commit()
        self.assertNotIn(self.running1, self.uids(self.folderitems("failed")))
        item = [item for item in self.folderitems("active")["folderitems"]
                if item["uid"] == self.running1][0]
        self.assertEqual(item["review_state"], "queued")
        self.assertEqual(item["status"], "waiting after 1 conflict(s)")
        item = [item for item in self.folderitems("all")["folderitems"]
                if item["uid"] == self.running1][0]
        self.assertIn("ConflictError on /x", item["error_message"])

    def test_all_tab_has_ghosts(self):
        data = self.folderitems("all")
        expected = self.active_uids[:2] + [self.queued1, self.queued2, self.queued_ghost,
                                           self.failed, self.failed_ghost]
        self.assertEqual(self.uids(data), expected)
        positions = dict((item["uid"], item["position"]) for item in data["folderitems"])
        self.assertEqual(positions[self.queued_ghost], "0005")
        self.assertEqual(positions[self.failed_ghost], "0000")
        ghost = [item for item in data["folderitems"] if item["uid"] == self.queued_ghost][0]
        self.assertEqual(ghost["status"], "queued (ghost)")
        self.assertEqual(ghost["state_class"], "state-unassigned")

    def test_paging(self):
        data = self.folderitems("all", pagesize=3)
        self.assertEqual(len(data["folderitems"]), 3)
        self.assertTrue(data["show_more"])
        self.assertEqual(data["total"], 7)
        rest = self.folderitems("all", pagesize=10, limit_from=3)
        self.assertEqual(self.uids(data) + self.uids(rest), self.uids(self.folderitems("all")))

    def test_buttons_with_confirmation(self):
        data = self.folderitems("failed", selected_uids=[self.failed])
        self.assertEqual(sorted(t["id"] for t in data["transitions"]),
                         ["queue_remove", "queue_requeue"])
        for state in data["review_states"]:
            self.assertEqual(sorted(state["confirm_transitions"]),
                             ["queue_remove", "queue_requeue"])

    def test_empty_queue(self):
        for task in self.queue.get_tasks(["queued", "running", "failed", "ghost"]):
            self.queue.delete(task.task_uid)
        transaction.commit()
        for state in ("active", "failed", "all"):
            self.assertEqual(self.folderitems(state)["folderitems"], [])


class TestLinks(MonitorTestCase):

    def test_task_link_resolves(self):
        item = self.folderitems("active")["folderitems"][2]
        anchor = html.fromstring(item["replace"]["task_uid"])
        self.assertEqual(anchor.text, self.queued1[:9])
        href = anchor.get("href")
        self.assertEqual(href, "{}/@@API/senaite/v1/queue_server/{}".format(
            self.portal.absolute_url(), self.queued1))
        self.assertEqual(href.count("@@API"), 1)
        browser = self.browser_for("labmanager")
        browser.open(href)
        data = json.loads(browser.contents)
        self.assertTrue(data["success"])
        self.assertEqual(data["task_uid"], self.queued1)
        self.assertEqual(data["name"], "task_e")

    def test_context_link(self):
        item = self.folderitems("active")["folderitems"][0]
        anchor = html.fromstring(item["replace"]["context_path"])
        self.assertEqual(anchor.text, "/plone/clients")
        self.assertEqual(anchor.get("href"), self.portal.clients.absolute_url())
        browser = self.browser_for("labmanager")
        browser.open(anchor.get("href"))
        self.assertEqual(browser.headers["status"], "200 OK")

    def test_link_text_is_escaped(self):
        from senaite.queue.browser.monitor import link
        anchor = link("http://x/?a=1&b=2", "<script>", title='"q"')
        self.assertNotIn("<script>", anchor)
        self.assertIn("&lt;script&gt;", anchor)
        self.assertIn("&amp;b=2", anchor)
        self.assertIn(u"\xe9", link("http://x/", u"caf\xe9".encode("utf-8")))


class TestSorting(MonitorTestCase):

    @staticmethod
    def sort_key(column):
        def key(item):
            value = item[column]
            if column == "task_uid":
                return item["uid"]
            if column == "position":
                return (value == "0000", int(value))
            if column == "attempt":
                return tuple(int(part) for part in value.split(" / "))
            if column == "status":
                return item["review_state"]
            return (value or "").lower()
        return key

    def test_every_column_is_sortable(self):
        data = self.folderitems("all")
        self.assertEqual(sorted(data["sortable_columns"]), sorted(SORTABLE))
        self.assertEqual(sorted(data["columns"].keys()), sorted(SORTABLE))

    def test_sort_each_column(self):
        everything = sorted(self.uids(self.folderitems("all")))
        for column in SORTABLE:
            for order in ("ascending", "descending"):
                data = self.folderitems("all", sort_on=column, sort_order=order)
                self.assertEqual(data["sort_on"], column)
                self.assertEqual(data["sort_order"], order)
                items = data["folderitems"]
                self.assertEqual(sorted(self.uids(data)), everything, column)
                keys = [self.sort_key(column)(item) for item in items]
                self.assertEqual(keys, sorted(keys, reverse=order == "descending"),
                                 "{} {}".format(column, order))

    def test_sort_changes_order(self):
        ascending = self.uids(self.folderitems("active", sort_on="name",
                                               sort_order="ascending"))
        self.assertEqual(ascending, [self.running2, self.running1, self.queued2,
                                     self.queued1])
        descending = self.uids(self.folderitems("active", sort_on="name",
                                                sort_order="descending"))
        self.assertEqual(descending, list(reversed(ascending)))

    def test_unknown_sort_falls_back_to_position(self):
        data = self.folderitems("active", sort_on="getObjPositionInParent",
                                sort_order="ascending")
        self.assertEqual(self.uids(data), self.active_uids)


class StoppedClock(object):
    """A clock that always says ``now``."""

    def __init__(self, now):
        self.now = now

    def time(self):
        return self.now


class TestStatistics(MonitorTestCase):

    def test_header(self):
        browser = self.browser_for("labmanager")
        # the monitor's clock says the time the tasks were queued relative to
        with patched(monitor, time=StoppedClock(self.now)):
            browser.open(self.monitor_url)
        doc = html.fromstring(browser.contents)
        box = doc.xpath("//div[@id='senaite-queue-statistics']")[0]
        figures = dict((dt.text_content().strip(), dt.getnext().text_content().strip())
                       for dt in box.xpath(".//dt"))
        # ghosts count too
        self.assertEqual(figures["Queued"], "3")
        self.assertEqual(figures["Running"], "2")
        self.assertEqual(figures["Failed"], "2")
        self.assertEqual(figures["Done in the last hour"], "0")
        self.assertEqual(figures["Tasks per minute"], "0.00")
        # the oldest queued task was created 200 s before the monitor's clock says
        self.assertEqual(figures["Oldest queued task"], "3 min 20 s")
        consumers = [li.text_content() for li in box.xpath(".//li[@class='queue-consumer']")]
        self.assertEqual(len(consumers), 4)
        self.assertIn("http://consumer-a:8082", " ".join(consumers))
        self.assertIn("ago", consumers[0])
        # the listing is there as well
        self.assertTrue(doc.xpath("//div[@id='folderlisting-main-table']"))

    def test_done_counts(self):
        task = self.pop("http://consumer-e:8085")
        self.queue.done(task.task_uid, task.attempt)
        transaction.commit()
        browser = self.browser_for("labmanager")
        browser.open(self.monitor_url)
        doc = html.fromstring(browser.contents)
        figures = dict((dt.text_content().strip(), dt.getnext().text_content().strip())
                       for dt in doc.xpath("//div[@id='senaite-queue-statistics']//dt"))
        self.assertEqual(figures["Done in the last hour"], "1")
        self.assertEqual(figures["Tasks per minute"], "0.02")

    def test_age_format(self):
        from senaite.queue.browser.monitor import format_age
        from zope.i18n import translate
        self.assertEqual(translate(format_age(12)), u"12 s")
        self.assertEqual(translate(format_age(200)), u"3 min 20 s")
        self.assertEqual(translate(format_age(7505)), u"2 h 05 min")


class TestActions(MonitorTestCase):

    def call(self, adapter_class, uids, action):
        self.request.form["uids"] = uids
        self.request.form["_authenticator"] = createToken()
        self.request.environ["REQUEST_METHOD"] = "POST"
        adapter = adapter_class(self.portal, self.request)
        adapter(action, uids)
        return self.request.response.getHeader("location")

    def messages(self):
        from Products.statusmessages.interfaces import IStatusMessage
        return [m.message for m in IStatusMessage(self.request).show()]

    def test_adapters_registered(self):
        from bika.lims.interfaces import IWorkflowActionAdapter
        from zope.component import queryMultiAdapter
        for name, factory in (("workflow_action_queue_requeue", WorkflowActionRequeueAdapter),
                              ("workflow_action_queue_remove", WorkflowActionRemoveAdapter)):
            adapter = queryMultiAdapter((self.portal, self.request), IWorkflowActionAdapter,
                                        name=name)
            self.assertIsInstance(adapter, factory)

    def test_requeue_failed(self):
        location = self.call(WorkflowActionRequeueAdapter, [self.failed], "queue_requeue")
        self.assertEqual(location, self.monitor_url)
        task = self.queue.get_task(self.failed)
        self.assertEqual(task.status, "queued")
        self.assertEqual(task.retries, 3)
        self.assertIn(self.failed[:9], " ".join(self.messages()))
        transaction.commit()
        self.assertIn(self.failed, self.uids(self.folderitems("active")))

    def test_requeue_running_refused(self):
        before = self.queue.get_task(self.running1)
        self.call(WorkflowActionRequeueAdapter, [self.running1, self.failed], "queue_requeue")
        self.assertEqual(self.queue.get_task(self.running1), before)
        self.assertEqual(self.queue.get_task(self.failed).status, "queued")
        messages = " ".join(self.messages())
        self.assertIn("Running tasks cannot be changed", messages)
        self.assertIn(self.running1[:9], messages)

    def test_remove(self):
        self.call(WorkflowActionRemoveAdapter, [self.queued1, self.failed_ghost],
                  "queue_remove")
        self.assertIsNone(self.queue.get_task(self.queued1))
        self.assertIsNone(self.queue.get_task(self.failed_ghost))
        self.assertIn("Tasks removed", " ".join(self.messages()))

    def test_remove_running_refused(self):
        before = self.queue.get_task(self.running2)
        self.call(WorkflowActionRemoveAdapter, [self.running2], "queue_remove")
        self.assertEqual(self.queue.get_task(self.running2), before)
        self.assertIn("Running tasks cannot be changed", " ".join(self.messages()))

    def test_unknown_uids(self):
        self.call(WorkflowActionRemoveAdapter, ["f" * 32, "not-a-uid"], "queue_remove")
        self.assertIn("not found", " ".join(self.messages()))
        self.assertEqual(len(self.queue.get_tasks(["queued", "running", "failed", "ghost"])),
                         7)

    def test_through_workflow_action(self):
        """The buttons post to the site's workflow_action view."""
        browser = self.browser_for("labmanager")
        browser.open(self.monitor_url)
        token = re.search(r'name="_authenticator"[^>]*value="([^"]+)"', browser.contents)
        self.assertIsNotNone(token)
        data = "workflow_action=queue_remove&uids:list={}&uids:list={}".format(
            self.queued2, self.running1)
        data += "&_authenticator={}".format(token.group(1))
        browser.post("{}/workflow_action".format(self.portal.absolute_url()), data)
        self.assertEqual(browser.url, self.monitor_url)
        self.assertIsNone(self.status_of(self.queued2))
        self.assertEqual(self.status_of(self.running1), "running")
        self.assertIn("Running tasks cannot be changed", browser.contents)

    def test_analyst_cannot_remove(self):
        browser = self.browser_for("analyst")
        with self.assertRaises(Unauthorized):
            browser.post("{}/workflow_action".format(self.portal.absolute_url()),
                         "workflow_action=queue_remove&uids:list={}".format(self.queued1))
        self.assertEqual(self.status_of(self.queued1), "queued")


class TestAccess(MonitorTestCase):

    def test_lab_manager_allowed(self):
        browser = self.browser_for("labmanager")
        browser.open(self.monitor_url)
        self.assertEqual(browser.headers["status"], "200 OK")
        self.assertIn("Queue Monitor", browser.contents)

    def test_analyst_refused(self):
        browser = self.browser_for("analyst")
        with self.assertRaises(Unauthorized):
            browser.open(self.monitor_url)
        with self.assertRaises(Unauthorized):
            browser.post("{}/folderitems".format(self.monitor_url), "{}",
                         "application/json")

    def test_client_contact_refused(self):
        browser = self.browser_for("clientcontact")
        with self.assertRaises(Unauthorized):
            browser.open(self.monitor_url)

    def test_anonymous_refused(self):
        browser = Browser(self.layer["app"])
        browser.handleErrors = False
        with self.assertRaises(Unauthorized):
            browser.open(self.monitor_url)


class TestPortalTab(unittest.TestCase):

    layer = SENAITE_QUEUE_TESTING

    def tab(self):
        category = ploneapi.portal.get_tool("portal_actions").get("portal_tabs")
        return category.get("queue_tasks") if category is not None else None

    def test_registered(self):
        tab = self.tab()
        self.assertIsNotNone(tab)
        self.assertEqual(tab.title, "Queue Monitor")
        self.assertEqual(tab.url_expr, "string:${portal_url}/queue_tasks")
        self.assertEqual(tuple(tab.permissions), ("senaite.core: Manage Bika",))
        self.assertTrue(tab.visible)

    def test_removed_on_uninstall(self):
        portal = self.layer["portal"]
        setRoles(portal, TEST_USER_ID, ["Manager"])
        get_installer(portal, self.layer["request"]).uninstall_product("senaite.queue")
        self.assertIsNone(self.tab())
