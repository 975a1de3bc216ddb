# -*- coding: utf-8 -*-
"""Install, uninstall and reinstall leave nothing behind."""

import unittest

import transaction
from cryptography.fernet import Fernet
from plone import api as ploneapi
from plone.app.testing import TEST_USER_ID
from plone.app.testing import applyProfile
from plone.app.testing import setRoles
from plone.browserlayer.utils import registered_layers
from plone.registry.interfaces import IRegistry
from Products.CMFPlone.utils import get_installer
from Products.PluggableAuthService.interfaces.plugins import IExtractionPlugin
from senaite.queue import PAS_PLUGIN_ID
from senaite.queue import api
from senaite.queue.core.storage import TaskQueue
from senaite.queue.interfaces import ISenaiteQueueLayer
from senaite.queue.interfaces import ITaskQueue
from senaite.queue.pasplugin import QueueAuthPlugin
from senaite.queue.permissions import ManageQueue
from senaite.queue.permissions import ViewMetrics
from senaite.queue.testing import SENAITE_QUEUE_TESTING
from senaite.queue.tests.support import RouteTestCase
from senaite.queue.tests.test_upgrade import granted
from zope.component import getUtility
from zope.component import queryUtility

CONFIGLET = "senaite.queue"
RECORDS = ("server", "default", "max_retries", "min_seconds_task", "window_tasks",
           "max_seconds_unlock",
           "max_seconds_conflicts", "fill_min_seconds", "max_consumers",
           "sample_actions_threshold", "sample_create_threshold", "top_priority_tasks")


class InstallMixin(object):

    def installer(self):
        return get_installer(self.portal, self.layer["request"])

    def uninstall(self):
        self.installer().uninstall_product("senaite.queue")

    def install(self):
        self.installer().install_product("senaite.queue")

    def registry_names(self):
        return [name for name in getUtility(IRegistry).records.keys()
                if name.startswith("senaite.queue")]

    def configlets(self):
        tool = ploneapi.portal.get_tool("portal_controlpanel")
        return dict((action.getId(), action) for action in tool.listActions())

    def plugin_ids(self, pas):
        """interface name -> ids of the active plugins, for every plugin type of ``pas``."""
        plugins = pas.plugins
        return dict((info["interface"].__name__, plugins.listPluginIds(info["interface"]))
                    for info in plugins.listPluginTypeInfo())

    def queue_registrations(self):
        site_manager = self.portal.getSiteManager()
        return [reg for reg in site_manager.registeredUtilities()
                if reg.provided is ITaskQueue or isinstance(reg.component, TaskQueue)]


class TestInstall(InstallMixin, unittest.TestCase):

    layer = SENAITE_QUEUE_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        setRoles(self.portal, TEST_USER_ID, ["Manager"])

    def assertInstalled(self):
        self.assertTrue(self.installer().is_product_installed("senaite.queue"))
        queue = queryUtility(ITaskQueue)
        self.assertIsInstance(queue, TaskQueue)
        self.assertEqual(len(self.queue_registrations()), 1)
        secret = queue.get_secret()
        Fernet(secret.encode("ascii"))  # a valid Fernet key
        # the PAS plugin, first for extraction and authentication, in the site only
        pas = self.portal.acl_users
        self.assertIsInstance(pas[PAS_PLUGIN_ID], QueueAuthPlugin)
        ids = self.plugin_ids(pas)
        self.assertEqual(ids["IExtractionPlugin"][0], PAS_PLUGIN_ID)
        self.assertEqual(ids["IAuthenticationPlugin"][0], PAS_PLUGIN_ID)
        self.assertEqual(ids["IExtractionPlugin"].count(PAS_PLUGIN_ID), 1)
        self.assertEqual(ids["IAuthenticationPlugin"].count(PAS_PLUGIN_ID), 1)
        root_pas = self.layer["app"].acl_users
        self.assertNotIn(PAS_PLUGIN_ID, root_pas.objectIds())
        # settings, with the queue disabled
        self.assertEqual(sorted(self.registry_names()),
                         sorted("senaite.queue.{}".format(name) for name in RECORDS))
        self.assertFalse(ploneapi.portal.get_registry_record("senaite.queue.server"))
        self.assertNotIn("senaite.queue.auth_key", self.registry_names())
        self.assertIn(ISenaiteQueueLayer, registered_layers())
        configlet = self.configlets()[CONFIGLET]
        self.assertIn("@@queue-controlpanel", configlet.getActionExpression())
        self.assertEqual(configlet.getPermissions(), ("senaite.core: Manage Bika", ))
        self.assertEqual(granted(self.portal, ManageQueue),
                         (["LabManager", "Manager", "Site Administrator"], False))
        self.assertEqual(granted(self.portal, ViewMetrics),
                         (["Manager", "Site Administrator"], False))
        return queue

    def assertNothingLeft(self):
        self.assertFalse(self.installer().is_product_installed("senaite.queue"))
        self.assertIsNone(queryUtility(ITaskQueue))
        self.assertIsNone(api.get_task_queue())
        self.assertIsNone(api.get_queue())
        self.assertEqual(self.queue_registrations(), [])
        for pas in (self.portal.acl_users, self.layer["app"].acl_users):
            self.assertNotIn(PAS_PLUGIN_ID, pas.objectIds())
            for interface, ids in self.plugin_ids(pas).items():
                self.assertNotIn(PAS_PLUGIN_ID, ids, interface)
            self.assertNotIn(PAS_PLUGIN_ID, repr(pas.plugins._plugins))
        self.assertEqual(self.registry_names(), [])
        self.assertNotIn(ISenaiteQueueLayer, registered_layers())
        self.assertNotIn(CONFIGLET, self.configlets())
        setup = ploneapi.portal.get_tool("portal_setup")
        self.assertEqual(setup.getLastVersionForProfile("senaite.queue:default"), "unknown")
        # the permission is back to its default, Manager only, set on the Zope root
        self.assertEqual(granted(self.portal, ManageQueue), (["Manager"], True))
        self.assertNotIn("_senaite_queue__Manage_queue_Permission", self.portal.__dict__)
        self.assertEqual(granted(self.portal, ViewMetrics), (["Manager"], True))
        self.assertNotIn("_senaite_queue__View_metrics_Permission", self.portal.__dict__)

    def test_installed(self):
        queue = self.assertInstalled()
        self.assertTrue(queue.is_empty())
        self.assertEqual(queue.counts(), {"queued": 0, "running": 0, "failed": 0, "done": 0})

    def test_uninstall(self):
        api.add_task("queue_test_record", self.portal)
        transaction.commit()
        self.uninstall()
        self.assertNothingLeft()
        transaction.commit()
        self.assertNothingLeft()

    def test_reinstall_gives_a_fresh_working_queue(self):
        old = api.get_task_queue()
        old_secret = old.get_secret()
        api.add_task("queue_test_record", self.portal)
        transaction.commit()
        self.uninstall()
        self.install()
        transaction.commit()
        queue = self.assertInstalled()
        self.assertIsNot(queue, old)
        self.assertNotEqual(queue.get_secret(), old_secret)
        self.assertTrue(queue.is_empty())
        task = api.add_task("queue_test_record", self.portal)
        transaction.commit()
        self.assertEqual(queue.get_task(task.task_uid).status, "queued")
        self.assertEqual(queue.pop("http://localhost:8089").task_uid, task.task_uid)

    def test_uninstall_twice_and_reinstall_twice(self):
        self.uninstall()
        self.uninstall()
        self.assertNothingLeft()
        self.install()
        self.install()
        self.assertInstalled()

    def test_profile_again_keeps_the_queue(self):
        """Applying the profile again (an upgrade, a reinstall) keeps the queue, its tasks
        and its secret, and the plugin stays first, once."""
        queue = api.get_task_queue()
        secret = queue.get_secret()
        task = api.add_task("queue_test_record", self.portal)
        self.portal.acl_users.plugins.movePluginsDown(IExtractionPlugin, [PAS_PLUGIN_ID])
        applyProfile(self.portal, "senaite.queue:default")
        self.assertIs(self.assertInstalled(), queue)
        self.assertEqual(queue.get_secret(), secret)
        self.assertEqual(queue.get_task(task.task_uid).status, "queued")


class TestRoutesAfterUninstall(InstallMixin, RouteTestCase):
    """The routes are global to the Zope instance: a site without senaite.queue answers 404."""

    def test_routes(self):
        task = self.add_task()
        self.uninstall()
        transaction.commit()
        for method, route in [("GET", "queue_server/tasks"),
                              ("GET", "queue_server/{}".format(task.task_uid)),
                              ("GET", "queue_server/status"),
                              ("POST", "queue_server/delete")]:
            for user in (None, "labmanager"):
                response = self.call(method, route, {"task_uid": task.task_uid}, user=user)
                self.assertError(response, 404, "senaite.queue is not installed")
        response = self.call("POST", "queue_server/pop", {"consumer_id": "abcdef"},
                             headers={"X-Queue-Auth-Token": "garbage"})
        self.assertError(response, 404, "not installed")
