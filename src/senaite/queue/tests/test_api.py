# -*- coding: utf-8 -*-
"""senaite.queue.api and the settings it reads, on the SENAITE test layer."""

import unittest
from contextlib import contextmanager

import transaction
from plone import api as ploneapi
from plone.app.testing import TEST_USER_ID
from plone.app.testing import setRoles
from senaite.queue import api
from senaite.queue import settings
from senaite.queue.core.errors import TaskNotFoundError
from senaite.queue.core.errors import TaskStatusError
from senaite.queue.client import health
from senaite.queue.interfaces import ISenaiteQueueLayer
from senaite.queue.testing import SENAITE_QUEUE_TESTING
from senaite.queue.tests.support import SiteServer
from senaite.queue.tests.support import task_adapter
from senaite.queue.tests.support import without_task_adapter
from zope.interface import alsoProvides
from ZODB.POSException import ConflictError

# Nothing listens there: connections are refused at once
UNREACHABLE = u"http://localhost:1/senaite"


@contextmanager
def patched(obj, **values):
    """Set attributes of ``obj`` for the duration of the block."""
    old = dict((name, getattr(obj, name)) for name in values)
    for name, value in values.items():
        setattr(obj, name, value)
    try:
        yield
    finally:
        for name, value in old.items():
            setattr(obj, name, value)


class FakeServer(SiteServer):
    """A site that answers with ``data`` (a dict, or None for an error page)."""

    def __init__(self, data):
        SiteServer.__init__(self)
        self.data = data

    def answer(self, path):
        return (500, None) if self.data is None else (200, self.data)


class APITestCase(unittest.TestCase):

    layer = SENAITE_QUEUE_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        self.request = self.layer["request"]
        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        # the browser layer is applied when a real request traverses the site
        alsoProvides(self.request, ISenaiteQueueLayer)
        self.queue = api.get_task_queue()
        health.forget()

    def tearDown(self):
        health.forget()

    def set_setting(self, name, value):
        ploneapi.portal.set_registry_record("senaite.queue.{}".format(name), value)

    def make_server(self):
        """Make this site the queue server."""
        self.set_setting("server", u"http://nohost/plone")


class TestServerURL(APITestCase):

    def test_empty_after_install(self):
        self.assertIsNone(api.get_server_url())
        self.assertFalse(api.is_queue_server())

    def test_normalized(self):
        cases = [
            (u"http://localhost:8090/senaite", u"http://localhost:8090/senaite"),
            (u"HTTP://LocalHost:8090/senaite/", u"http://localhost:8090/senaite"),
            (u"  http://localhost:8090/senaite//  ", u"http://localhost:8090/senaite"),
            (u"http://localhost/senaite", u"http://localhost:80/senaite"),
            (u"https://lims.example.com/senaite", u"https://lims.example.com:443/senaite"),
            (u"http://[::1]:8090/senaite", u"http://[::1]:8090/senaite"),
            (u"http://localhost:8090/Senaite", u"http://localhost:8090/Senaite"),
            (u"http://localhost:8090/a/senaite", u"http://localhost:8090/a/senaite"),
        ]
        for value, expected in cases:
            self.set_setting("server", value)
            self.assertEqual(api.get_server_url(), expected, value)

    def test_invalid_is_none(self):
        for value in (u"", u"   ", u"localhost:8090/senaite", u"ftp://localhost/senaite",
                      u"http://localhost:8090", u"http://localhost:8090/",
                      u"http:///senaite", u"http://localhost:99999/senaite",
                      u"http://localhost:8090/senaite?x=1", u"http://localhost/senaite#x",
                      u"senaite"):
            self.set_setting("server", value)
            self.assertIsNone(api.get_server_url(), value)
            self.assertFalse(api.is_queue_server(), value)

    def test_normalize_url_says_what_is_wrong(self):
        for value, detail in [(u"localhost:8090/senaite", u"http://"),
                              (u"http://:8090/senaite", u"host"),
                              (u"http://localhost:x/senaite", u"port"),
                              (u"http://localhost:8090", u"site"),
                              (u"http://localhost/senaite?a=1", u"query")]:
            with self.assertRaises(ValueError) as ctx:
                settings.normalize_url(value)
            self.assertIn(detail, u"{}".format(ctx.exception.args[0]), value)

    def test_is_queue_server_exact_match(self):
        # this site is at http://nohost/plone
        for value in (u"http://nohost/plone", u"http://nohost:80/plone", u"HTTP://NOHOST/plone/"):
            self.set_setting("server", value)
            self.assertTrue(api.is_queue_server(), value)
        for value in (u"http://nohost/plone2", u"http://nohost/plon", u"http://nohost/plone/x",
                      u"http://nohost/x/plone", u"http://nohost:8080/plone",
                      u"https://nohost/plone", u"http://nohost2/plone",
                      u"http://no/plone", u"http://nohost/Plone"):
            self.set_setting("server", value)
            self.assertFalse(api.is_queue_server(), value)

    def test_is_queue_server_not_a_substring(self):
        site = settings.normalize_url(u"http://localhost:8090/senaite")
        with patched(api.status, get_site_url=lambda: site):
            for value in (u"http://localhost:8090/senaite", u"http://localhost:8090/senaite/"):
                self.set_setting("server", value)
                self.assertTrue(api.is_queue_server(), value)
            for value in (u"http://localhost:8090/senaite2", u"http://localhost:80901/senaite",
                          u"http://localhost:809/senaite", u"http://localhost:8090/senait",
                          u"http://localhost:8090/x/senaite", u"http://localhost/senaite",
                          u"http://127.0.0.1:8090/senaite"):
                self.set_setting("server", value)
                self.assertFalse(api.is_queue_server(), value)


class TestQueueStatus(APITestCase):

    def test_disabled_without_server(self):
        self.assertEqual(api.get_queue_status(), api.DISABLED)
        self.assertFalse(api.is_queue_enabled())
        self.assertFalse(api.is_queue_ready())

    def test_disabled_when_not_installed_in_the_request(self):
        self.make_server()
        from zope.interface import noLongerProvides
        noLongerProvides(self.request, ISenaiteQueueLayer)
        self.assertEqual(api.get_queue_status(), api.DISABLED)

    def test_ready_on_the_server(self):
        self.make_server()
        with patched(health, ping=self.fail):
            self.assertEqual(api.get_queue_status(), api.READY)
            self.assertEqual(api.get_queue_status("task_action_submit"), api.READY)
        self.assertTrue(api.is_queue_enabled())
        self.assertTrue(api.is_queue_ready())

    def test_not_ready_for_zope_root_users(self):
        """Tasks run as their user: a user the site cannot authenticate is not queued."""
        from plone.app.testing import SITE_OWNER_NAME
        from plone.app.testing import login
        self.make_server()
        login(self.portal.getPhysicalRoot(), SITE_OWNER_NAME)
        self.assertEqual(api.get_queue_status(), api.READY)
        self.assertTrue(api.is_queue_enabled())
        self.assertFalse(api.is_queue_ready())

    def test_resuming_and_disabled_with_chunk_size_0(self):
        self.make_server()
        self.set_setting("default", 0)
        self.assertEqual(api.get_queue_status(), api.DISABLED)
        self.queue.add(api.new_task("queue_test_record", self.portal))
        self.assertEqual(api.get_queue_status(), api.RESUMING)
        self.assertTrue(api.is_queue_enabled())
        self.assertFalse(api.is_queue_ready())

    def test_ready_whether_the_server_answers_or_not(self):
        """The status never asks the server: the queue works from the database."""
        with patched(health, ping=self.fail):
            for url in (UNREACHABLE, u"http://localhost:8090/senaite"):
                self.set_setting("server", url)
                self.assertFalse(api.is_queue_server())
                self.assertEqual(api.get_queue_status(), api.READY)
                self.assertTrue(api.is_queue_enabled())
                self.assertTrue(api.is_queue_ready())

    def test_locks_hold_while_the_server_does_not_answer(self):
        self.set_setting("server", UNREACHABLE)
        self.assertFalse(api.server_answers(UNREACHABLE))
        task = api.add_task("queue_test_record", self.portal, uids=["a" * 32])
        self.assertTrue(api.is_queued("a" * 32))
        self.assertTrue(api.is_queued(self.portal))
        self.assertEqual(self.queue.get_task(task.task_uid).status, "queued")

    def test_resuming_while_the_server_does_not_answer(self):
        self.set_setting("server", UNREACHABLE)
        self.set_setting("default", 0)
        self.queue.add(api.new_task("queue_test_record", self.portal))
        self.assertEqual(api.get_queue_status(), api.RESUMING)

    def test_server_answers(self):
        with FakeServer({"success": True, "server": True}) as server:
            self.assertTrue(api.server_answers(server.url))
            self.assertIsNone(api.server_silent_since(server.url))
            self.assertEqual(server.requests, ["/senaite/@@API/senaite/v1/queue_server/status"])
        for answer in ({"success": True, "server": False}, None, {"success": True}):
            health.forget()
            with FakeServer(answer) as server:
                self.assertFalse(api.server_answers(server.url), answer)
                self.assertIsNotNone(api.server_silent_since(server.url))


class TestAddTask(APITestCase):

    def test_in_the_callers_transaction(self):
        task = api.add_task("queue_test_record", self.portal)
        self.assertEqual(self.queue.get_task(task.task_uid).status, "queued")
        transaction.abort()
        self.assertIsNone(self.queue.get_task(task.task_uid))
        self.assertTrue(self.queue.is_empty())
        task = api.add_task("queue_test_record", self.portal)
        transaction.commit()
        transaction.begin()
        self.assertEqual(self.queue.get_task(task.task_uid).status, "queued")

    def test_savepoint_rollback(self):
        savepoint = transaction.savepoint()
        api.add_task("queue_test_record", self.portal)
        savepoint.rollback()
        self.assertTrue(self.queue.is_empty())

    def test_defaults_from_settings(self):
        self.set_setting("max_retries", 5)
        self.set_setting("default", 7)
        self.set_setting("max_seconds_unlock", 300)
        self.set_setting("min_seconds_task", 0)
        task = api.add_task("queue_test_record", self.portal, uids=["0"])
        self.assertEqual((task.retries, task.chunk_size, task.max_seconds, task.min_seconds),
                         (5, 7, 300, 0))
        self.assertEqual(task.username, TEST_USER_ID)
        self.assertEqual((task.context_uid, task.context_path), ("0", "/plone"))

    def test_max_retries_0_means_no_retry(self):
        self.set_setting("max_retries", 0)
        task = api.add_task("queue_test_record", self.portal)
        self.assertEqual(task.retries, 0)
        popped = self.queue.pop("http://localhost:8089")
        failed = self.queue.fail(popped.task_uid, popped.attempt, "Boom")
        self.assertEqual(failed.status, "failed")

    def test_runtime_fields_ignored(self):
        uid = "a" * 32
        task = api.add_task("queue_test_record", self.portal, task_uid=uid, status="running",
                            attempt=4, started=1.0, consumer_id="x", finished=2.0,
                            error_message="no")
        self.assertNotEqual(task.task_uid, uid)
        self.assertEqual((task.status, task.attempt, task.started, task.consumer_id,
                          task.finished, task.error_message),
                         ("queued", 0, None, None, None, None))

    def test_unknown_name(self):
        for name in ("no_such_task", "task_assign", "", "task_actio_submit"):
            with self.assertRaises(ValueError):
                api.add_task(name, self.portal)
        self.assertTrue(self.queue.is_empty())

    def test_action_falls_back_to_generic_action(self):
        with task_adapter(api.GENERIC_ACTION_TASK):
            task = api.add_task("task_action_submit", self.portal)
            self.assertEqual(task.name, api.GENERIC_ACTION_TASK)
            self.assertEqual(task.action, "submit")
            self.assertEqual(task.uids, ["0"])
            uids = ["b" * 32, "c" * 32]
            task = api.add_task("task_action_verify", self.portal, uids=uids)
            self.assertEqual((task.name, task.action, task.uids),
                             (api.GENERIC_ACTION_TASK, "verify", uids))

    def test_action_with_its_own_adapter(self):
        with task_adapter(api.GENERIC_ACTION_TASK), task_adapter("task_action_special"):
            task = api.add_task("task_action_special", self.portal)
            self.assertEqual(task.name, "task_action_special")

    def test_action_without_generic_adapter(self):
        with without_task_adapter(api.GENERIC_ACTION_TASK):
            with self.assertRaises(ValueError):
                api.add_task("task_action_submit", self.portal)
        self.assertTrue(self.queue.is_empty())

    def test_invalid_fields(self):
        for kw in ({"priority": "high"}, {"uids": ["nope"]}, {"max_seconds": 0},
                   {"slots": [{}]}, {"unique": "perhaps"}):
            with self.assertRaises(ValueError):
                api.add_task("queue_test_record", self.portal, **kw)
        self.assertTrue(self.queue.is_empty())

    def test_unique(self):
        self.assertIsNotNone(api.add_task("queue_test_record", self.portal, unique=True))
        self.assertIsNone(api.add_task("queue_test_record", self.portal, unique=True))
        self.assertEqual(len(self.queue), 1)

    def test_not_installed(self):
        with patched(api.status, get_task_queue=lambda: None):
            with self.assertRaises(ValueError):
                api.add_task("queue_test_record", self.portal)

    def test_add_copy(self):
        task = api.add_task("queue_test_record", self.portal, uids=["d" * 32], priority=3)
        copy = api.add_copy(task, priority=9)
        self.assertNotEqual(copy.task_uid, task.task_uid)
        self.assertEqual((copy.name, copy.uids, copy.priority, copy.context_uid),
                         (task.name, task.uids, 9, task.context_uid))
        self.assertEqual(len(self.queue), 2)
        copy = api.add_copy(task.to_dict())
        self.assertEqual(len(self.queue), 3)
        with self.assertRaises(ValueError):
            api.add_copy(task, task_uid=task.task_uid)
        self.assertEqual(len(self.queue), 3)

    def test_add_action_task(self):
        self.assertIsNone(api.add_action_task([], "submit"))
        with task_adapter(api.GENERIC_ACTION_TASK):
            task = api.add_action_task(["e" * 32, "e" * 32, "f" * 32], "submit")
            self.assertEqual((task.name, task.action, task.uids),
                             (api.GENERIC_ACTION_TASK, "submit", ["e" * 32, "f" * 32]))
            self.assertEqual(task.context_uid, "0")

    def test_add_assign_task(self):
        with task_adapter(api.ASSIGN_TASK):
            task = api.add_assign_task(self.portal, ["e" * 32], slots=[1])
            self.assertEqual((task.name, task.uids, task.slots), (api.ASSIGN_TASK, ["e" * 32],
                                                                  [1]))

    def test_add_reindex_obj_security_task(self):
        with task_adapter(api.REINDEX_SECURITY_TASK):
            task = api.add_reindex_obj_security_task(self.portal)
            self.assertEqual((task.name, task.uids, task.ghost, task.priority),
                             (api.REINDEX_SECURITY_TASK, ["0"], True, 50))


class TestIsQueued(APITestCase):

    def test_is_queued(self):
        uid = "a" * 32
        api.add_task("queue_test_record", self.portal, uids=[uid])
        # the queue is disabled: nothing counts as queued
        self.assertFalse(api.is_queued(uid))
        self.make_server()
        self.assertTrue(api.is_queued(uid))
        self.assertTrue(api.is_queued(self.portal))
        self.assertFalse(api.is_queued("b" * 32))
        self.assertFalse(api.is_queued(uid, status="failed"))
        self.queue.pop("http://localhost:8089")
        self.assertTrue(api.is_queued(uid))
        self.assertTrue(api.is_queued(uid, status="running"))


class TestManageTasks(APITestCase):
    """requeue_task and delete_task: the one path of the monitor's buttons and the routes."""

    def add_failed(self):
        self.set_setting("max_retries", 0)
        task = api.add_task("queue_test_record", self.portal)
        popped = self.queue.pop("http://localhost:8089")
        self.queue.fail(popped.task_uid, popped.attempt, "Boom")
        self.set_setting("max_retries", 3)
        return task

    def test_requeue_task(self):
        task = self.add_failed()
        transaction.commit()
        requeued = api.requeue_task(task.task_uid)
        self.assertEqual((requeued.status, requeued.retries), ("queued", 3))
        transaction.abort()
        self.assertEqual(self.queue.get_task(task.task_uid).status, "failed",
                         "done in the caller's transaction")

    def test_running_refused(self):
        api.add_task("queue_test_record", self.portal)
        running = self.queue.pop("http://localhost:8089")
        with self.assertRaises(TaskStatusError):
            api.requeue_task(running.task_uid)
        with self.assertRaises(TaskStatusError):
            api.delete_task(running.task_uid, running=False)
        with self.assertRaises(TaskStatusError):
            api.delete_task(running.task_uid)
        self.assertEqual(self.queue.get_task(running.task_uid), running)

    def test_unknown(self):
        for change in (api.requeue_task, api.delete_task):
            with self.assertRaises(TaskNotFoundError):
                change("f" * 32)

    def test_racing_a_pop_on_another_connection(self):
        """The queue server pops the task in its own transaction while a user requeues or
        removes it: only one of the two commits, the other's retry sees it done."""
        for change in (api.requeue_task, lambda uid: api.delete_task(uid, running=False)):
            task = api.add_task("queue_test_record", self.portal)
            transaction.commit()
            server_tm = transaction.TransactionManager()
            server = self.portal._p_jar.db().open(transaction_manager=server_tm)
            try:
                server_tm.begin()
                change(task.task_uid)
                server.get(self.queue._p_oid).pop("http://localhost:8089")
                server_tm.commit()
                with self.assertRaises(ConflictError):
                    transaction.commit()
                transaction.abort()
                with self.assertRaises(TaskStatusError):
                    change(task.task_uid)
                self.assertEqual(self.queue.get_task(task.task_uid).status, "running")
            finally:
                server_tm.abort()
                server.close()
            self.queue.delete(task.task_uid)
            transaction.commit()


class TestQueuedLookup(APITestCase):

    def test_many_objects_at_once(self):
        self.make_server()
        uid = "a" * 32
        api.add_task("queue_test_record", self.portal, uids=[uid])
        queued = api.get_queued_lookup()
        self.assertTrue(queued)
        self.assertIn(uid, queued)
        self.assertIn(self.portal, queued)
        self.assertNotIn("b" * 32, queued)
        self.assertTrue(queued.any(["b" * 32, uid]))
        self.assertEqual(queued.count([uid, "b" * 32, self.portal]), 2)

    def test_one_per_request_and_transaction(self):
        self.make_server()
        queued = api.get_queued_lookup()
        self.assertFalse(queued, "an empty queue holds nothing")
        self.assertIs(api.get_queued_lookup(), queued)
        task = api.add_task("queue_test_record", self.portal)
        after_add = api.get_queued_lookup()
        self.assertIsNot(after_add, queued)
        self.assertIn(self.portal, after_add)
        transaction.commit()
        self.assertIsNot(api.get_queued_lookup(), after_add)
        api.delete_task(task.task_uid)
        self.assertNotIn(self.portal, api.get_queued_lookup())

    def test_nothing_queued_without_the_queue(self):
        api.add_task("queue_test_record", self.portal)
        queued = api.get_queued_lookup()
        self.assertFalse(queued)
        self.assertNotIn(self.portal, queued)


class TestSettings(APITestCase):

    def test_defaults(self):
        self.assertEqual(settings.get_chunk_size(), 10)
        self.assertEqual(settings.get_max_retries(), 3)
        self.assertEqual(settings.get_min_seconds(), 3)
        self.assertEqual(settings.get_max_seconds(), 120)
        self.assertEqual(settings.get_max_consumers(), 4)
        self.assertEqual(settings.get_top_priority(), settings.DEFAULT_TOP_PRIORITY)

    def test_out_of_bounds_gives_the_default(self):
        from plone.registry.interfaces import IRegistry
        from zope.component import getUtility
        registry = getUtility(IRegistry)
        # bypass the fields' validation, as a bad import or script could
        registry.records["senaite.queue.max_consumers"]._value = 99
        registry.records["senaite.queue.default"]._value = -1
        self.assertEqual(settings.get_max_consumers(), 4)
        self.assertEqual(settings.get_chunk_size(), 10)
        del registry.records["senaite.queue.max_retries"]
        self.assertEqual(settings.get_max_retries(), 3)
