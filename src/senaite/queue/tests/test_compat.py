# -*- coding: utf-8 -*-
"""The public names of senaite.queue 1.x (REFERENCE.md §5 and Appendix B) exist and do what
1.x's did, or what docs/upgrading.rst says they do here."""

import unittest

import transaction
from bika.lims import api as capi
from plone import api as ploneapi
from plone.app.testing import TEST_USER_ID
from plone.app.testing import setRoles
from senaite.queue import api
from senaite.queue.core.errors import TaskStatusError
from senaite.queue.interfaces import IClientQueueUtility
from senaite.queue.interfaces import IQueueUtility
from senaite.queue.interfaces import ISenaiteQueueLayer
from senaite.queue.interfaces import IServerQueueUtility
from senaite.queue.testing import SENAITE_QUEUE_TESTING
from senaite.queue.tests.utils import enable_queue
from bika.lims.interfaces import IAnalysisRequest
from bika.lims.interfaces import IWorksheet
from plone.registry import Record
from plone.registry import field
from zope.component import getGlobalSiteManager
from zope.component import getUtility
from zope.component import queryMultiAdapter
from zope.interface import Interface
from zope.interface import alsoProvides
from zope.viewlet.interfaces import IViewlet

UID = "a" * 32


class CompatTestCase(unittest.TestCase):

    layer = SENAITE_QUEUE_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        self.request = self.layer["request"]
        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        alsoProvides(self.request, ISenaiteQueueLayer)
        enable_queue(chunk_size=4)

    def tearDown(self):
        for task in api.get_tasks(["queued", "running", "failed", "ghost"]):
            api.delete_task(task.task_uid)
        transaction.commit()


class TestPackage(CompatTestCase):

    def test_names(self):
        import senaite.queue as package
        self.assertEqual(package.PRODUCT_NAME, "senaite.queue")
        self.assertEqual(package.PROFILE_ID, "profile-senaite.queue:default")
        self.assertEqual(package.UNINSTALL_PROFILE_ID, "profile-senaite.queue:uninstall")
        self.assertEqual(package.PAS_PLUGIN_ID, "senaite_queue_auth")
        self.assertEqual(package.logger.name, "senaite.queue")
        self.assertEqual(package.messageFactory("x").domain, "senaite.queue")
        self.assertTrue(package.is_installed())


class TestQueueModule(CompatTestCase):
    """senaite.queue.queue"""

    def test_tasks(self):
        from senaite.queue import queue
        task = queue.new_task("queue_test_record", self.portal, uids=[UID], status="queued")
        self.assertTrue(queue.is_task(task))
        self.assertIsInstance(task, queue.QueueTask)
        self.assertIsNone(task["status"])
        self.assertEqual((task["uids"], task["context_path"]), ([UID], "/plone"))
        self.assertEqual(task["chunk_size"], 4)
        data = dict(task)
        self.assertEqual(queue.to_task(data), task)
        for key in ("name", "context_uid", "context_path"):
            self.assertIsNone(queue.to_task(dict(data, **{key: None})), key)
        self.assertFalse(queue.is_task(data))
        self.assertEqual(queue.get_task_uid(task), task.task_uid)
        self.assertEqual(queue.get_task_uid(data), task.task_uid)
        self.assertEqual(queue.get_task_uid(task.task_uid), task.task_uid)
        for bad in ("0", "nope", None, 5):
            with self.assertRaises(ValueError) as raised:
                queue.get_task_uid(bad)
            self.assertIn("is not supported", str(raised.exception))
            self.assertEqual(queue.get_task_uid(bad, "default"), "default")
        with self.assertRaises(TypeError):
            queue.new_task("queue_test_record", "nope")
        by_uid = queue.new_task("queue_test_record", capi.get_uid(self.portal),
                                context_path="/plone")
        self.assertEqual(by_uid.context_path, "/plone")

    def test_settings(self):
        from senaite.queue import queue
        self.assertEqual(queue.get_chunk_size(), 4)
        self.assertEqual(queue.get_chunk_size("task_action_submit"), 4)
        ploneapi.portal.set_registry_record("senaite.queue.max_retries", 0)
        self.assertEqual(queue.get_max_retries(), 0)
        self.assertEqual(queue.get_max_seconds(), 120)
        self.assertEqual(queue.get_min_seconds(), 0)
        registry = ploneapi.portal.get_tool("portal_registry")
        name = "senaite.queue.max_seconds_unlock"
        del registry.records[name]
        try:
            self.assertEqual(queue.get_max_seconds(default=77), 77)
        finally:
            registry.records[name] = Record(field.Int(title=u"Max seconds"), 120)
        self.assertEqual(queue.get_max_seconds(default=77), 120)

    def test_chunks(self):
        from senaite.queue import queue
        self.assertEqual(queue.get_chunks([1, 2, 3], 2), [[1, 2], [3]])
        self.assertEqual(queue.get_chunks([1, 2, 3], 0), [[1, 2, 3], []])
        self.assertEqual(queue.get_chunks([1, 2, 3], 5), [[1, 2, 3], []])
        uids = ["{:032x}".format(i) for i in range(7)]
        task = queue.new_task("queue_test_record", self.portal, uids=uids, chunk_size=3)
        self.assertEqual(queue.get_chunks_for(task), [uids[:3], uids[3:]])
        self.assertEqual(queue.get_chunks_for(task, items=[1, 2]), [[1, 2], []])
        self.assertEqual(queue.get_chunks_for({"uids": uids}), [uids[:4], uids[4:]])


class TestApi(CompatTestCase):

    def test_add_task_returns_a_mapping(self):
        task = api.add_task("queue_test_record", self.portal, uids=[UID], delay=2)
        self.assertEqual(task["status"], "queued")
        self.assertTrue("delay" in task and task.get("ghost") is False)
        self.assertTrue(api.is_queued(UID))
        copy = api.add_copy(task, uids=[UID])
        self.assertNotEqual(copy["task_uid"], task["task_uid"])
        self.assertEqual((copy["delay"], copy["created"]), (2, task["created"]))


class TestUtilities(CompatTestCase):
    """IQueueUtility, IServerQueueUtility and IClientQueueUtility: one facade over the api."""

    def test_registered(self):
        utility = getUtility(IQueueUtility)
        self.assertIs(getUtility(IServerQueueUtility), utility)
        self.assertIs(getUtility(IClientQueueUtility), utility)
        self.assertFalse(utility.is_out_of_date())
        self.assertIsNone(utility.sync())

    def test_reading(self):
        from senaite.queue.queue import new_task
        utility = getUtility(IQueueUtility)
        self.assertTrue(utility.is_empty())
        self.assertEqual(utility.get_since_time(), -1)
        task = utility.add(new_task("queue_test_record", self.portal, uids=[UID]))
        self.assertIsNone(utility.add(api.get_task(task.task_uid)))
        with self.assertRaises(ValueError):
            utility.add({"name": "queue_test_record"})
        self.assertEqual(len(utility), 1)
        self.assertFalse(utility.is_empty())
        self.assertTrue(utility.has_task(task))
        self.assertTrue(utility.has_task(task.task_uid))
        self.assertEqual(utility.get_task(task.task_uid), task)
        self.assertEqual(utility.get_tasks(), [task])
        self.assertEqual(utility.get_uids(), sorted([UID, capi.get_uid(self.portal)]))
        self.assertEqual(utility.get_tasks_for(UID), [task])
        self.assertEqual(utility.get_tasks_for(self.portal, name="queue_test_record"), [task])
        self.assertTrue(utility.has_tasks_for(UID))
        self.assertFalse(utility.has_tasks_for(UID, name="other"))
        self.assertEqual(utility.search({"name": "queue_test_record"}), [task])
        self.assertEqual(utility.get_since_time(), task.created)
        self.assertFalse(utility.is_busy())
        with self.assertRaises(ValueError):
            utility.get_tasks_for("nope")
        with self.assertRaises(ValueError):
            utility.get_task("nope")
        utility.delete(task)
        self.assertFalse(utility.has_task(task))

    def test_dispatch_checks_leases(self):
        from senaite.queue.queue import new_task
        utility = getUtility(IQueueUtility)
        first = utility.add(new_task("queue_test_record", self.portal, uids=[UID],
                                     retries=1))
        popped = utility.pop("http://localhost:8089")
        self.assertEqual((popped["task_uid"], popped["status"]), (first.task_uid, "running"))
        self.assertEqual(utility.fail(popped, "Failed on purpose")["status"], "queued")
        # a late report of the first attempt is refused
        with self.assertRaises(TaskStatusError):
            utility.done(popped)
        self.assertEqual(utility.get_task(first.task_uid)["status"], "queued")
        self.assertEqual(utility.purge(), [])


class TestBrowser(CompatTestCase):
    """Viewlets, views and the static resources keep 1.x's names."""

    def test_viewlets(self):
        names = dict((reg.name, reg.required[0]) for reg in
                     getGlobalSiteManager().registeredAdapters()
                     if reg.provided is IViewlet and reg.name.startswith("senaite.queue."))
        self.assertEqual(names, {
            "senaite.queue.server_status_viewlet": Interface,
            "senaite.queue.worksheet_analyses_queue_viewlet": IWorksheet,
            "senaite.queue.worksheet_analyses_sample_queue_viewlet": IAnalysisRequest,
        })

    def test_views(self):
        for name in ("queue_consume", "queue_tasks", "queue-controlpanel"):
            self.assertIsNotNone(queryMultiAdapter((self.portal, self.request), name=name),
                                 name)
        self.assertIsNotNone(queryMultiAdapter((self.portal.worksheets, self.request),
                                               name="worksheet_add"))

    def test_static_resources(self):
        resources = self.portal.restrictedTraverse("++resource++senaite.queue.static")
        self.assertTrue(resources["icon.png"].GET().startswith(b"\x89PNG"))
        self.assertTrue(resources["queued.gif"].GET().startswith(b"GIF89a"))
        configlet = ploneapi.portal.get_tool("portal_controlpanel").getActionObject(
            "Products/senaite.queue")
        self.assertEqual(configlet.getIconExpression(),
                         "string:${portal_url}/++resource++senaite.queue.static/icon.png")

    def test_registry_keys(self):
        from senaite.queue.settings import IQueueControlPanel
        registry = ploneapi.portal.get_tool("portal_registry")
        for name in ("server", "default", "max_retries", "min_seconds_task",
                     "max_seconds_unlock", "top_priority_tasks"):
            self.assertIn(name, IQueueControlPanel)
            self.assertIn("senaite.queue.{}".format(name), registry.records)
        # DESIGN §11: the key is not in the registry (docs/upgrading.rst)
        self.assertNotIn("senaite.queue.auth_key", registry.records)
