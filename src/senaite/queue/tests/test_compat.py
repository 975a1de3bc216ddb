# -*- coding: utf-8 -*-
"""The public names of senaite.queue 1.x (REFERENCE.md §5 and Appendix B) exist and do what
1.x's did, or what docs/upgrading.rst says they do here."""

import importlib
import json
import os
import re
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
from senaite.queue.tests.utils import CONSUMER
from senaite.queue.tests.utils import clean_request
from senaite.queue.tests.utils import run_one
from senaite.queue.tests.utils import disable_queue
from senaite.queue.tests.utils import enable_queue
from senaite.queue.tests.utils import press
from senaite.queue.tests.utils import process_all
from senaite.queue.tests.utils import states
from bika.lims.browser.workflow import WorkflowActionGenericAdapter
from bika.lims.interfaces import IAnalysisRequest
from bika.lims.interfaces import IWorkflowActionAdapter
from bika.lims.interfaces import IWorksheet
from plone.protect.authenticator import createToken
from Products.statusmessages.interfaces import IStatusMessage
from zExceptions import Forbidden
from plone.registry import Record
from plone.registry import field
from zope.annotation.interfaces import IAnnotations
from zope.component import getGlobalSiteManager
from zope.component import getUtility
from zope.component import queryMultiAdapter
from zope.interface import Interface
from zope.interface import alsoProvides
from zope.viewlet.interfaces import IViewlet

UID = "a" * 32
DOTTED = re.compile(r"``(senaite\.queue(?:\.\w+)+)``")
# Splits an rst text before each title (a line underlined)
HEADING = re.compile(r"\n(?=[^\n]+\n([=\-.~])\1+\n)")


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
        self.assertIsInstance(task, dict)
        self.assertIsNone(task["status"])
        self.assertEqual((task["uids"], task["context_path"]), ([UID], "/plone"))
        self.assertEqual(task["chunk_size"], 4)
        data = dict(task)
        self.assertEqual(queue.to_task(data), task)
        self.assertIsInstance(queue.to_task(data), queue.QueueTask)
        for key in ("name", "context_uid", "context_path"):
            self.assertIsNone(queue.to_task(dict(data, **{key: None})), key)
        self.assertFalse(queue.is_task(data))
        self.assertTrue(queue.is_task(api.new_task("queue_test_record", self.portal)))
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
        # 1.x's get_queue() gave the utility
        self.assertIs(api.get_queue(), utility)
        self.assertFalse(utility.is_out_of_date())
        self.assertIsNone(utility.sync())

    def test_reading(self):
        from senaite.queue.queue import QueueTask
        from senaite.queue.queue import new_task
        utility = api.get_queue()
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
        self.assertTrue(all(isinstance(item, QueueTask) for item in
                            [task, utility.get_task(task.task_uid)] + utility.get_tasks()))
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
        utility = api.get_queue()
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

    def test_busy(self):
        from senaite.queue.queue import new_task
        utility = api.get_queue()
        ploneapi.portal.set_registry_record("senaite.queue.max_consumers", 1)
        utility.add(new_task("queue_test_record", self.portal, uids=[UID]))
        self.assertFalse(utility.is_busy())
        running = utility.pop("http://localhost:8089")
        self.assertTrue(utility.is_busy())
        utility.done(running)
        self.assertFalse(utility.is_busy())

    def test_acknowledgements_without_an_attempt(self):
        """1.x's scripts acknowledge a task by its uid, or by a dict without an attempt:
        the current attempt is meant."""
        from senaite.queue.queue import new_task
        utility = api.get_queue()
        sample = new_task("queue_test_record", self.portal, uids=[UID], retries=1)
        done = utility.add(sample)
        utility.pop("http://localhost:8089")
        self.assertIsNone(utility.done(done.task_uid).status)
        self.assertFalse(utility.has_task(done))
        failed = utility.add(new_task("queue_test_record", self.portal, retries=0))
        utility.pop("http://localhost:8089")
        as_json = dict((key, failed[key]) for key in ("task_uid", "name", "context_uid",
                                                      "context_path"))
        self.assertEqual(utility.fail(as_json, "Failed on purpose")["status"], "failed")
        self.assertEqual(utility.get_task(failed.task_uid)["error_message"],
                         "Failed on purpose")


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


class TestQueueTask(CompatTestCase):
    """A task as 1.x's add-ons get it: a dict, a copy of the stored task."""

    def test_keys_and_properties(self):
        from senaite.queue.compat.tasks import BASE_KEYS
        from senaite.queue.queue import QueueTask
        task = QueueTask.of(api.add_task("queue_test_record", self.portal, uids=[UID],
                                         priority=7))
        for key in ("task_uid", "name", "context_uid", "context_path", "uids", "created",
                    "status", "error_message", "min_seconds", "max_seconds", "priority",
                    "retries", "unique", "chunk_size", "username"):
            self.assertIn(key, task)
        self.assertEqual(set(task), set(BASE_KEYS))
        # fields the task does not carry: absent, as in 1.x
        for key in ("slots", "action", "ghost", "delay", "top_uid", "started", "attempt"):
            self.assertNotIn(key, task)
            self.assertEqual(task.get(key, "default"), "default")
        self.assertIsNone(task.action)
        self.assertEqual((task.ghost, task.delay, task.attempt), (False, 0, 0))
        self.assertEqual(task.name, "queue_test_record")
        self.assertEqual(task.task_short_uid, task["task_uid"][:9])
        self.assertEqual(len(task.task_short_uid), 9)
        self.assertEqual((task.context_uid, task.context_path), ("0", "/plone"))
        self.assertEqual((task.priority, task.status, task.uids), (7, "queued", [UID]))
        self.assertEqual(task.created, task["created"])
        self.assertEqual(task.username, TEST_USER_ID)
        self.assertIs(task.request, self.request)
        self.assertEqual(task.get_context(), self.portal)
        self.assertEqual(json.loads(json.dumps(task)), dict(task))
        self.assertEqual(task, api.get_task(task.task_uid))

    def test_writes_change_the_copy_only(self):
        from senaite.queue.queue import QueueTask
        stored = api.add_task("queue_test_record", self.portal, uids=[UID], retries=2)
        task = QueueTask.of(stored)
        task["label"] = "x"
        task.update(uids=[])
        task.retries = 0
        task.username = "someone"
        task.priority = 1
        self.assertEqual((task["label"], task["uids"], task["retries"], task["username"],
                          task["priority"]), ("x", [], 0, "someone", 1))
        self.assertEqual(json.loads(json.dumps(task))["label"], "x")
        again = api.get_task(stored.task_uid)
        self.assertEqual(again, stored)
        self.assertNotIn("label", again)
        self.assertEqual((again.retries, again.username, again.uids), (2, TEST_USER_ID, [UID]))

    def test_constructor(self):
        from senaite.queue.core.errors import InvalidTaskError
        from senaite.queue.queue import QueueTask
        request = {"AUTHENTICATED_USER": "labmanager"}
        task = QueueTask("queue_test_record", request, self.portal, uids=[UID], delay=5)
        self.assertEqual((task.name, task.username, task.uids, task["delay"]),
                         ("queue_test_record", "labmanager", [UID], 5))
        self.assertEqual((task.chunk_size, task.retries), (4, 3))
        self.assertIsNone(task.status)
        self.assertEqual(QueueTask("queue_test_record", self.request, self.portal).username,
                         TEST_USER_ID)
        self.assertEqual(QueueTask("queue_test_record", request, self.portal,
                                   username="analyst").username, "analyst")
        by_uid = QueueTask("queue_test_record", request, "0", context_path="/plone")
        self.assertEqual((by_uid.context_uid, by_uid.context_path), ("0", "/plone"))
        with self.assertRaises(ValueError):
            QueueTask("queue_test_record", request, UID)
        with self.assertRaises(TypeError):
            QueueTask("queue_test_record", request, object())
        with self.assertRaises(InvalidTaskError) as raised:
            QueueTask("queue_test_record", request, self.portal, priority="high")
        self.assertIn("priority", str(raised.exception))
        # 1.x's utility queues it
        added = api.get_queue().add(task)
        self.assertEqual(added, task)
        self.assertEqual(api.get_task(task.task_uid).username, "labmanager")

    def test_adapters_get_the_dict(self):
        """The consumer hands 1.x's add-on its task as a dict; what the adapter writes to
        it stays there."""
        from senaite.queue.tests.upstream_addon.adapters import LABELS_KEY
        from senaite.queue.tests.upstream_addon.adapters import get_labels
        uids = ["{:032x}".format(index) for index in range(10)]
        first = api.add_task("upstream_addon.label_samples", self.portal, uids=uids,
                             label="checked", chunk_size=4)
        transaction.commit()
        queue = api.get_task_queue()
        running = queue.pop(CONSUMER)
        try:
            run_one(running, self.request)
        finally:
            clean_request(self.request)
        # the stored task is as it was; its rest is a copy of the dict the adapter changed
        self.assertEqual(queue.get_task(first.task_uid), running)
        self.assertNotIn("labelled", queue.get_task(first.task_uid))
        rest = [task for task in queue.get_tasks() if task.task_uid != first.task_uid]
        self.assertEqual([(task.uids, task.get("labelled")) for task in rest],
                         [(uids[4:], 4)])
        queue.done(running.task_uid, running.attempt)
        transaction.commit()
        process_all()
        labels = get_labels(self.portal)
        self.assertEqual(sorted(labels.keys()), uids)
        self.assertEqual(set(labels.values()), set([("checked", 1, 4, TEST_USER_ID)]))
        IAnnotations(self.portal).pop(LABELS_KEY)
        transaction.commit()


class TestGenericWorkflowAdapter(CompatTestCase):
    """1.x's ``WorkflowActionGenericQueueAdapter``, registered by the add-on of
    tests/upstream_addon with 1.x's ZCML recipe for the batches' "Close" (and, with the
    path 1.x's Extend page gives, "Open")."""

    def setUp(self):
        super(TestGenericWorkflowAdapter, self).setUp()
        self.batches = [capi.create(self.portal.batches, "Batch", title="B{}".format(index))
                        for index in range(5)]
        transaction.commit()

    def press(self, action, token=True, method="POST"):
        """The batches listing's button, for every batch; the status messages."""
        form = {"_authenticator": createToken()} if token else {}
        self.request.environ["REQUEST_METHOD"] = method
        try:
            press(self.portal.batches, action, self.batches, **form)
        finally:
            self.request.environ["REQUEST_METHOD"] = "GET"
        return " ".join(message.message for message in IStatusMessage(self.request).show())

    def test_both_paths_are_registered(self):
        from senaite.queue.actions import WorkflowActionGenericQueueAdapter as documented
        from senaite.queue.adapters.actions import WorkflowActionGenericQueueAdapter
        self.assertIs(documented, WorkflowActionGenericQueueAdapter)
        self.assertTrue(issubclass(WorkflowActionGenericQueueAdapter,
                                   WorkflowActionGenericAdapter))
        for action in ("close", "open"):
            adapter = queryMultiAdapter((self.portal.batches, self.request),
                                        IWorkflowActionAdapter,
                                        name="workflow_action_{}".format(action))
            self.assertIsInstance(adapter, WorkflowActionGenericQueueAdapter)

    def test_queued_then_done_by_the_consumer(self):
        message = self.press("close")
        self.assertIn("5 items queued", message)
        self.assertEqual(states(self.batches), {"open": 5})
        tasks = api.get_tasks()
        self.assertEqual([(task.name, task.action, task.context_uid, len(task.uids))
                          for task in tasks],
                         [("task_generic_action", "close",
                           capi.get_uid(self.portal.batches), 5)])
        # selected again while queued: nothing more is queued
        self.assertIn("being processed already", self.press("close"))
        self.assertEqual(len(api.get_tasks()), 1)
        process_all()
        self.assertEqual(states(self.batches), {"closed": 5})
        self.assertIn("5 items queued", self.press("open"))
        process_all()
        self.assertEqual(states(self.batches), {"open": 5})

    def test_refused_without_the_pages_token(self):
        for token, method in ((False, "POST"), (True, "GET")):
            with self.assertRaises(Forbidden):
                self.press("close", token=token, method=method)
            transaction.abort()
            self.assertEqual(api.get_tasks(), [])
            self.assertEqual(states(self.batches), {"open": 5})

    def test_synchronous_without_the_queue(self):
        disable_queue()
        self.assertNotIn("queued", self.press("close"))
        self.assertEqual(api.get_tasks(), [])
        self.assertEqual(states(self.batches), {"closed": 5})


def project_file(*path):
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.join(here, os.pardir, os.pardir, os.pardir, os.pardir, *path)


def doc_section(path, title):
    """The text of the section ``title`` of an rst file, up to the next title."""
    with open(path) as rst:
        text = rst.read()
    for section in HEADING.split(text):
        if section.split("\n", 1)[0] == title:
            return section
    raise AssertionError("No section {!r} in {}".format(title, path))


def resolve(dotted):
    """The object of a dotted name: a module, or a name in one."""
    parts = dotted.split(".")
    for index in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:index]))
        except ImportError:
            continue
        for name in parts[index:]:
            obj = getattr(obj, name)
        return obj
    raise ImportError(dotted)


class TestNamesOf1x(unittest.TestCase):
    """docs/upgrading.rst, "Names of 1.x": every name it lists as kept resolves, and none of
    those it lists as gone does."""

    UPGRADING = project_file("docs", "upgrading.rst")
    # What 1.x's documentation (the Extend page), its doctests and its add-ons name
    REQUIRED = (
        "senaite.queue.adapters.actions.WorkflowActionGenericQueueAdapter",
        "senaite.queue.actions.WorkflowActionGenericQueueAdapter",
        "senaite.queue.server.utility.ServerQueueUtility",
        "senaite.queue.client.utility.ClientQueueUtility",
        "senaite.queue.adapters.listing.QueuedAnalysesViewAdapter",
        "senaite.queue.queue.get_chunks_for",
        "senaite.queue.queue.new_task",
        "senaite.queue.queue.QueueTask",
        "senaite.queue.api.get_queue",
        "senaite.queue.api.add_task",
        "senaite.queue.api.add_action_task",
        "senaite.queue.interfaces.IQueuedTaskAdapter",
        "senaite.queue.interfaces.IServerQueueUtility",
        "senaite.queue.interfaces.IClientQueueUtility",
    )

    def kept(self):
        return DOTTED.findall(doc_section(self.UPGRADING, "Names kept"))

    def gone(self):
        names = []
        section = doc_section(self.UPGRADING, "Names that are gone")
        for item in re.split(r"\n- ", section)[1:]:
            names += DOTTED.findall(item.split(": ", 1)[0])
        return names

    def test_kept(self):
        kept = self.kept()
        self.assertTrue(set(self.REQUIRED) <= set(kept),
                        sorted(set(self.REQUIRED) - set(kept)))
        for name in kept:
            self.assertIsNotNone(resolve(name), name)

    def test_gone(self):
        gone = self.gone()
        self.assertIn("senaite.queue.request", gone)
        for name in gone:
            with self.assertRaises((ImportError, AttributeError)):
                resolve(name)

    def test_the_utilities_are_one_facade(self):
        from senaite.queue.client.utility import ClientQueueUtility
        from senaite.queue.compat.utility import queue_utility
        from senaite.queue.server.utility import ServerQueueUtility
        self.assertIsInstance(queue_utility, ServerQueueUtility)
        self.assertIsInstance(queue_utility, ClientQueueUtility)

    def test_the_listing_adapters(self):
        from senaite.queue.adapters import listing
        for name in ("QueuedWorksheetsViewAdapter", "QueuedWorksheetAnalysesViewAdapter",
                     "QueuedAddAnalysesViewAdapter", "QueuedAnalysesViewAdapter",
                     "QueuedSampleAnalysisServicesViewAdapter", "QueuedSamplesViewAdapter"):
            self.assertTrue(issubclass(getattr(listing, name), listing.QueuedRowsAdapter))
