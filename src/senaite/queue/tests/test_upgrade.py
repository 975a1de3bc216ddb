# -*- coding: utf-8 -*-
"""The upgrade steps: from senaite.queue 1.x, and to the permission "Manage queue"."""

import unittest

from plone import api as ploneapi
from plone.app.testing import TEST_USER_ID
from plone.app.testing import setRoles
from plone.registry import Record
from plone.registry import field
from Products.PluggableAuthService.interfaces.plugins import IExtractionPlugin
from senaite.queue import PAS_PLUGIN_ID
from senaite.queue.interfaces import ITaskQueue
from senaite.queue.pasplugin import QueueAuthPlugin
from senaite.queue.permissions import ManageQueue
from senaite.queue.setuphandlers import uninstall_pas_plugin
from senaite.queue.setuphandlers import uninstall_queue
from senaite.queue.testing import SENAITE_QUEUE_TESTING
from zope.component import queryUtility

PROFILE = "senaite.queue:default"


class TestUpgradeFrom1x(unittest.TestCase):

    layer = SENAITE_QUEUE_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        self.setup = ploneapi.portal.get_tool("portal_setup")
        self.root_acl = self.portal.getPhysicalRoot().acl_users
        # A site as 1.x left it: its key in the registry, a plugin in the root acl_users,
        # no persistent queue, profile version 10301
        registry = ploneapi.portal.get_tool("portal_registry")
        registry.records["senaite.queue.auth_key"] = Record(
            field.TextLine(title=u"Auth key"), u"MQ8AnyYJ0fwxDC40l6Avx2o3cPWrp3bC6bPzAaJO4tg=")
        self.root_acl._setObject(PAS_PLUGIN_ID, QueueAuthPlugin())
        self.root_acl.plugins.activatePlugin(IExtractionPlugin, PAS_PLUGIN_ID)
        uninstall_pas_plugin(self.portal)
        uninstall_queue(self.portal)
        self.setup.setLastVersionForProfile(PROFILE, "10301")

    def tearDown(self):
        if PAS_PLUGIN_ID in self.root_acl.objectIds():
            self.root_acl.plugins.removePluginById(PAS_PLUGIN_ID)
            self.root_acl._delObject(PAS_PLUGIN_ID)

    def test_upgrade_is_listed(self):
        steps = self.setup.listUpgrades(PROFILE)
        self.assertEqual([step["dest"] for step in steps], [("20000", ), ("20001", )])

    def test_upgrade(self):
        self.setup.upgradeProfile(PROFILE)
        self.assertEqual(self.setup.getLastVersionForProfile(PROFILE), ("20001", ))
        registry = ploneapi.portal.get_tool("portal_registry")
        self.assertNotIn("senaite.queue.auth_key", registry.records)
        self.assertNotIn(PAS_PLUGIN_ID, self.root_acl.objectIds())
        self.assertNotIn(PAS_PLUGIN_ID,
                         self.root_acl.plugins.listPluginIds(IExtractionPlugin))
        queue = queryUtility(ITaskQueue)
        self.assertIsNotNone(queue)
        self.assertTrue(queue.get_secret())
        plugins = self.portal.acl_users.plugins
        self.assertEqual(plugins.listPluginIds(IExtractionPlugin)[0], PAS_PLUGIN_ID)
        self.assertEqual(ploneapi.portal.get_registry_record("senaite.queue.max_consumers"), 4)
        self.assertIn("LabManager", granted(self.portal, ManageQueue)[0])


def granted(portal, permission):
    """The roles the site grants ``permission`` to, and whether it acquires more."""
    roles = sorted(info["name"] for info in portal.rolesOfPermission(permission)
                   if info["selected"])
    return roles, bool(portal.acquiredRolesAreUsedBy(permission))


class TestUpgradeManageQueue(unittest.TestCase):
    """A site of profile version 20000 gets the permission to manage the queue."""

    layer = SENAITE_QUEUE_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        self.setup = ploneapi.portal.get_tool("portal_setup")
        # As the site had it: the permission's default, Manager only
        self.portal.manage_permission(ManageQueue, roles=[], acquire=1)
        self.setup.setLastVersionForProfile(PROFILE, "20000")

    def test_upgrade_is_listed(self):
        steps = self.setup.listUpgrades(PROFILE)
        self.assertEqual([step["dest"] for step in steps], [("20001", )])

    def test_upgrade(self):
        self.assertEqual(granted(self.portal, ManageQueue), (["Manager"], True))
        self.setup.upgradeProfile(PROFILE)
        self.assertEqual(self.setup.getLastVersionForProfile(PROFILE), ("20001", ))
        self.assertEqual(granted(self.portal, ManageQueue),
                         (["LabManager", "Manager", "Site Administrator"], False))

    def test_upgrade_adds_the_new_settings_and_keeps_the_others(self):
        from plone.registry.interfaces import IRegistry
        from zope.component import getUtility
        registry = getUtility(IRegistry)
        for name in ("max_seconds_conflicts", "fill_min_seconds"):
            del registry.records["senaite.queue.{}".format(name)]
        ploneapi.portal.set_registry_record("senaite.queue.max_retries", 7)
        self.setup.upgradeProfile(PROFILE)
        self.assertEqual(registry["senaite.queue.max_seconds_conflicts"], 600)
        self.assertEqual(registry["senaite.queue.fill_min_seconds"], True)
        self.assertEqual(registry["senaite.queue.max_retries"], 7)
