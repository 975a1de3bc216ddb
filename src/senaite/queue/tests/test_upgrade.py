# -*- coding: utf-8 -*-
"""The upgrade steps: from senaite.queue 1.x, and to the permission "Manage queue"."""

import unittest

import transaction
from bika.lims import api as capi
from persistent import Persistent
from persistent.list import PersistentList
from persistent.mapping import PersistentMapping

from plone import api as ploneapi
from plone.app.testing import TEST_USER_ID
from plone.app.testing import setRoles
from plone.registry import Record
from plone.registry import field
from Products.PluggableAuthService.interfaces.plugins import IExtractionPlugin
from senaite.queue import PAS_PLUGIN_ID
from senaite.queue import api
from senaite.queue.interfaces import IQueueDispatcher
from senaite.queue.interfaces import IQueued
from senaite.queue.interfaces import ITaskQueue
from senaite.queue.pasplugin import QueueAuthPlugin
from senaite.queue.permissions import ManageQueue
from senaite.queue.permissions import ViewMetrics
from senaite.queue.setuphandlers import uninstall_pas_plugin
from senaite.queue.setuphandlers import uninstall_queue
from senaite.queue.testing import SENAITE_QUEUE_LAB_TESTING
from senaite.queue.testing import SENAITE_QUEUE_TESTING
from senaite.queue.tests.utils import Lab
from senaite.queue.tests.utils import disable_queue
from senaite.queue.tests.utils import enable_queue
from senaite.queue.tests.utils import process_all
from zope.annotation.interfaces import IAnnotations
from zope.component import queryUtility
from zope.interface import alsoProvides
from zope.interface import implementer

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
        self.assertEqual([step["dest"] for step in steps],
                         [("20000", ), ("20001", ), ("20002", ), ("20003", ),
                          ("20004", ), ("20005", )])

    def test_upgrade(self):
        self.setup.upgradeProfile(PROFILE)
        self.assertEqual(self.setup.getLastVersionForProfile(PROFILE), ("20005", ))
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
        self.assertEqual([step["dest"] for step in steps],
                         [("20001", ), ("20002", ), ("20003", ), ("20004", ),
                          ("20005", )])

    def test_upgrade(self):
        self.assertEqual(granted(self.portal, ManageQueue), (["Manager"], True))
        self.setup.upgradeProfile(PROFILE)
        self.assertEqual(self.setup.getLastVersionForProfile(PROFILE), ("20005", ))
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


@implementer(IQueueDispatcher)
class LegacyDispatcher(Persistent):
    """Stands for the local utility of senaite.queue 1.0.1."""


class TestUpgradeFrom101(unittest.TestCase):
    """A site that ran senaite.queue 1.0.1 and then 1.x upgrades from the Upgrades tab of
    portal_setup, and nothing of either is left."""

    layer = SENAITE_QUEUE_LAB_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        self.request = self.layer["request"]
        setRoles(self.portal, TEST_USER_ID, ["Manager", "LabManager"])
        self.setup = ploneapi.portal.get_tool("portal_setup")
        self.root_acl = self.portal.getPhysicalRoot().acl_users
        disable_queue()
        lab = Lab(self.portal)
        self.sample = lab.sample()
        self.analyses = self.sample.getAnalyses(full_objects=True)
        self.worksheet = lab.worksheet()
        self.worksheet.addAnalyses(self.analyses[:2])
        self.make_1x_site()

    def make_1x_site(self):
        """The state REFERENCE.md describes: 1.x's registry key and root PAS plugin, the
        queue 1.0.1 kept in bika_setup and its markers, its local utility; no persistent
        queue; profile version 10301."""
        registry = ploneapi.portal.get_tool("portal_registry")
        registry.records["senaite.queue.auth_key"] = Record(
            field.TextLine(title=u"Auth key"), u"MQ8AnyYJ0fwxDC40l6Avx2o3cPWrp3bC6bPzAaJO4tg=")
        self.root_acl._setObject(PAS_PLUGIN_ID, QueueAuthPlugin())
        self.root_acl.plugins.activatePlugin(IExtractionPlugin, PAS_PLUGIN_ID)
        uninstall_pas_plugin(self.portal)
        uninstall_queue(self.portal)
        capi.get_portal().getSiteManager().registerUtility(LegacyDispatcher(), IQueueDispatcher)
        # the worksheet and the sample marked and indexed; the third analysis marked, but
        # known only from the storage's tasks; the worksheet's analyses marked through it
        for obj in (self.worksheet, self.sample, self.analyses[2]):
            alsoProvides(obj, IQueued)
        for obj in (self.worksheet, self.sample):
            obj.reindexObject(idxs=["object_provides"])
        for analysis in self.analyses[:2]:
            alsoProvides(analysis, IQueued)
        task = PersistentMapping(name="task_assign_analyses",
                                 context_uid=capi.get_uid(self.worksheet),
                                 uids=PersistentList([capi.get_uid(self.analyses[2])]))
        annotations = IAnnotations(self.portal.bika_setup)
        annotations["senaite.queue.main.storage"] = PersistentMapping(
            tasks=PersistentList([task]), failed=PersistentList(), current=None,
            processed=None, statistics=PersistentMapping(), locked=PersistentList(
                [capi.get_uid(self.sample)]))
        annotations["senaite.queue.main.storage.tasks"] = PersistentMapping(
            tasks=PersistentList([dict(task)]))
        self.setup.setLastVersionForProfile(PROFILE, "10301")
        transaction.commit()

    def tearDown(self):
        if PAS_PLUGIN_ID in self.root_acl.objectIds():
            self.root_acl.plugins.removePluginById(PAS_PLUGIN_ID)
            self.root_acl._delObject(PAS_PLUGIN_ID)
        site_manager = self.portal.getSiteManager()
        if site_manager.queryUtility(IQueueDispatcher) is not None:
            site_manager.unregisterUtility(provided=IQueueDispatcher)
        transaction.commit()

    def upgrade_from_the_upgrades_tab(self):
        """What the Upgrades tab of portal_setup posts: every step listed, run."""
        steps = [step["id"] for step in self.setup.listUpgrades(PROFILE)]
        self.assertEqual(len(steps), 6)
        self.request.form.update(profile_id=PROFILE, upgrades=steps)
        self.setup.manage_doUpgrades(self.request)
        transaction.commit()

    def test_nothing_is_left(self):
        self.upgrade_from_the_upgrades_tab()
        self.assertEqual(self.setup.getLastVersionForProfile(PROFILE), ("20005", ))
        self.assertEqual(self.setup.listUpgrades(PROFILE), [])
        registry = ploneapi.portal.get_tool("portal_registry")
        self.assertNotIn("senaite.queue.auth_key", registry.records)
        self.assertNotIn(PAS_PLUGIN_ID, self.root_acl.objectIds())
        self.assertNotIn(PAS_PLUGIN_ID, self.root_acl.plugins.listPluginIds(IExtractionPlugin))
        annotations = IAnnotations(self.portal.bika_setup)
        self.assertEqual([key for key in annotations.keys()
                          if key.startswith("senaite.queue.main")], [])
        for obj in [self.worksheet, self.sample] + list(self.analyses):
            self.assertFalse(IQueued.providedBy(obj), obj)
        for catalog in ("senaite_catalog", "senaite_catalog_sample",
                        "senaite_catalog_worksheet", "senaite_catalog_analysis",
                        "portal_catalog"):
            brains = capi.get_tool(catalog)(object_provides=IQueued.__identifier__)
            self.assertEqual(len(brains), 0, catalog)
        site_manager = self.portal.getSiteManager()
        self.assertIsNone(site_manager.queryUtility(IQueueDispatcher))
        self.assertEqual([reg for reg in site_manager.registeredUtilities()
                          if reg.provided is IQueueDispatcher], [])
        configlet = ploneapi.portal.get_tool("portal_controlpanel").getActionObject(
            "Products/senaite.queue")
        self.assertIn("++resource++senaite.queue.static/icon.png",
                      configlet.getIconExpression())

    def test_the_queue_works(self):
        self.upgrade_from_the_upgrades_tab()
        self.assertIsNotNone(queryUtility(ITaskQueue))
        enable_queue(chunk_size=5)
        self.request["ws_uid"] = capi.get_uid(self.worksheet)
        task = api.add_assign_task(self.worksheet, self.analyses[2:])
        transaction.commit()
        self.assertTrue(api.is_queued(self.analyses[2]))
        process_all()
        self.assertTrue(api.get_task_queue().is_empty())
        self.assertEqual(len(self.worksheet.getAnalyses()), len(self.analyses))
        self.assertIsNone(api.get_task(task.task_uid))


class TestUpgradeSampleThresholds(unittest.TestCase):
    """A site of profile version 20002 gets the thresholds of the queued sample work."""

    layer = SENAITE_QUEUE_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        self.setup = ploneapi.portal.get_tool("portal_setup")
        self.setup.setLastVersionForProfile(PROFILE, "20002")

    def test_upgrade_adds_the_thresholds_and_keeps_the_others(self):
        from plone.registry.interfaces import IRegistry
        from zope.component import getUtility
        registry = getUtility(IRegistry)
        for name in ("sample_actions_threshold", "sample_create_threshold"):
            del registry.records["senaite.queue.{}".format(name)]
        ploneapi.portal.set_registry_record("senaite.queue.max_consumers", 7)
        self.assertEqual([step["dest"] for step in self.setup.listUpgrades(PROFILE)],
                         [("20003", ), ("20004", ), ("20005", )])
        self.setup.upgradeProfile(PROFILE)
        self.assertEqual(self.setup.getLastVersionForProfile(PROFILE), ("20005", ))
        self.assertEqual(registry["senaite.queue.sample_actions_threshold"], 10)
        self.assertEqual(registry["senaite.queue.sample_create_threshold"], 10)
        self.assertEqual(registry["senaite.queue.max_consumers"], 7)


class TestUpgradeMetrics(unittest.TestCase):
    """A site of profile version 20003 gets the permission to view metrics, and its queue
    starts counting."""

    layer = SENAITE_QUEUE_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        self.setup = ploneapi.portal.get_tool("portal_setup")
        # As the site had it: no grant, and a queue stored before its metrics existed
        self.portal.manage_permission(ViewMetrics, roles=[], acquire=1)
        del api.get_task_queue()._metrics
        self.setup.setLastVersionForProfile(PROFILE, "20003")

    def test_upgrade(self):
        self.assertIsNone(api.get_task_queue().metrics())
        self.assertEqual([step["dest"] for step in self.setup.listUpgrades(PROFILE)],
                         [("20004", ), ("20005", )])
        self.setup.upgradeProfile(PROFILE)
        self.assertEqual(self.setup.getLastVersionForProfile(PROFILE), ("20005", ))
        self.assertEqual(granted(self.portal, ViewMetrics),
                         (["Manager", "Site Administrator"], False))
        self.assertEqual(api.get_task_queue().metrics().counters()["done"], {})


class TestUpgradeWindows(unittest.TestCase):
    """A site of profile version 20004 gets the setting of the tasks per window, and keeps
    its other settings."""

    layer = SENAITE_QUEUE_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        self.setup = ploneapi.portal.get_tool("portal_setup")
        self.setup.setLastVersionForProfile(PROFILE, "20004")

    def test_upgrade(self):
        registry = ploneapi.portal.get_tool("portal_registry")
        del registry.records["senaite.queue.window_tasks"]
        ploneapi.portal.set_registry_record("senaite.queue.min_seconds_task", 7)
        self.assertEqual([step["dest"] for step in self.setup.listUpgrades(PROFILE)],
                         [("20005", )])
        self.setup.upgradeProfile(PROFILE)
        self.assertEqual(self.setup.getLastVersionForProfile(PROFILE), ("20005", ))
        self.assertEqual(registry["senaite.queue.window_tasks"], 50)
        self.assertEqual(registry["senaite.queue.min_seconds_task"], 7)
