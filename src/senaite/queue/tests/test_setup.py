# -*- coding: utf-8 -*-
"""Install, uninstall and reinstall of senaite.queue."""

import unittest

import transaction
from plone import api as ploneapi
from plone.app.testing import TEST_USER_ID
from plone.app.testing import setRoles
from plone.browserlayer.utils import registered_layers
from plone.testing.zope import Browser
from Products.CMFPlone.utils import get_installer
from senaite.queue.interfaces import ISenaiteQueueLayer
from senaite.queue.testing import SENAITE_QUEUE_TESTING

PROFILE = "senaite.queue:default"


class TestSetup(unittest.TestCase):

    layer = SENAITE_QUEUE_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        self.installer = get_installer(self.portal, self.layer["request"])
        self.setup = ploneapi.portal.get_tool("portal_setup")

    def profile_version(self):
        return self.setup.getLastVersionForProfile(PROFILE)

    def test_installed(self):
        self.assertTrue(self.installer.is_product_installed("senaite.queue"))

    def test_browserlayer(self):
        self.assertIn(ISenaiteQueueLayer, registered_layers())

    def test_profile_version(self):
        self.assertEqual(self.profile_version(),
                         (self.setup.getVersionForProfile(PROFILE), ))

    def test_queue_server_empty_after_install(self):
        self.assertFalse(ploneapi.portal.get_registry_record(
            "senaite.queue.server"))

    def test_uninstall(self):
        self.installer.uninstall_product("senaite.queue")
        self.assertFalse(self.installer.is_product_installed("senaite.queue"))
        self.assertNotIn(ISenaiteQueueLayer, registered_layers())
        self.assertEqual(self.profile_version(), "unknown")
        self.assertIsNone(ploneapi.portal.get_registry_record(
            "senaite.queue.server", default=None))

    def test_reinstall(self):
        self.installer.uninstall_product("senaite.queue")
        self.installer.install_product("senaite.queue")
        self.assertTrue(self.installer.is_product_installed("senaite.queue"))
        self.assertIn(ISenaiteQueueLayer, registered_layers())
        self.assertEqual(self.profile_version(),
                         (self.setup.getVersionForProfile(PROFILE), ))


class TestQueueConsumeView(unittest.TestCase):

    layer = SENAITE_QUEUE_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        self.url = "{}/queue_consume".format(self.portal.absolute_url())
        self.browser = Browser(self.layer["app"])
        self.browser.handleErrors = False
        self.browser.raiseHttpErrors = False

    def login(self, user_id, password, roles):
        ploneapi.user.create(email="{}@example.com".format(user_id),
                             username=user_id, password=password, roles=roles)
        transaction.commit()
        self.browser.addHeader("Authorization",
                               "Basic {}:{}".format(user_id, password))

    def test_anonymous_is_refused(self):
        from zExceptions import Unauthorized
        with self.assertRaises(Unauthorized):
            self.browser.open(self.url)

    def test_analyst_is_refused(self):
        from zExceptions import Unauthorized
        self.login("analyst1", "secret-analyst1", ["Analyst"])
        with self.assertRaises(Unauthorized):
            self.browser.open(self.url)

    def test_lab_manager_not_configured(self):
        self.login("labman1", "secret-labman1", ["LabManager"])
        self.browser.open(self.url)
        self.assertEqual(self.browser.headers["status"], "200 OK")
        self.assertIn("not configured", self.browser.contents)
