# -*- coding: utf-8 -*-
"""Activating senaite.queue in a Plone site without SENAITE: refused, with a message, and the
site is left as it was."""

import re
import unittest

import transaction
from plone import api as ploneapi
from plone.app.testing import SITE_OWNER_NAME
from plone.app.testing import SITE_OWNER_PASSWORD
from plone.app.testing import TEST_USER_ID
from plone.app.testing import setRoles
from plone.browserlayer.utils import registered_layers
from plone.registry.interfaces import IRegistry
from plone.testing.zope import Browser
from Products.CMFPlone.utils import get_installer
from senaite.queue import PAS_PLUGIN_ID
from senaite.queue.interfaces import ISenaiteQueueLayer
from senaite.queue.interfaces import ITaskQueue
from senaite.queue.setuphandlers import NotASenaiteSite
from senaite.queue.testing import PLAIN_PLONE_TESTING
from zope.component import getUtility

MESSAGE = "SENAITE QUEUE works in a SENAITE site only"


class TestPlainPlone(unittest.TestCase):

    layer = PLAIN_PLONE_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        self.installer = get_installer(self.portal, self.layer["request"])
        self.setup_tool = ploneapi.portal.get_tool("portal_setup")

    def state(self):
        """What an install would change in the site."""
        registry = getUtility(IRegistry)
        return {
            "installed": [profile for profile in ("senaite.queue:default", "senaite.lims:default",
                                                  "senaite.core:default")
                          if self.setup_tool.getLastVersionForProfile(profile) != "unknown"],
            "records": sorted(name for name in registry.records.keys()
                              if name.startswith("senaite.")),
            "layers": [layer for layer in registered_layers() if layer is ISenaiteQueueLayer],
            "utility": self.portal.getSiteManager().queryUtility(ITaskQueue),
            "acl_users": sorted(self.portal.acl_users.objectIds()),
            "portal": sorted(self.portal.objectIds()),
            "actions": sorted(self.portal.portal_actions.portal_tabs.objectIds()),
        }

    def test_installer_refuses(self):
        before = self.state()
        with self.assertRaises(NotASenaiteSite):
            self.installer.install_product("senaite.queue")
        self.assertEqual(self.state(), before)
        self.assertFalse(self.installer.is_product_installed("senaite.queue"))
        self.assertNotIn(PAS_PLUGIN_ID, self.portal.acl_users.objectIds())

    def test_addons_page_says_why(self):
        before = self.state()
        browser = Browser(self.layer["app"])
        browser.handleErrors = True
        browser.addHeader("Authorization", "Basic {}:{}".format(
            SITE_OWNER_NAME, SITE_OWNER_PASSWORD))
        browser.open("{}/prefs_install_products_form".format(self.portal.absolute_url()))
        self.assertIn("senaite.queue", browser.contents)
        browser.getForm(action="install_products", index=self.form_index(browser)).submit(
            name="form.submitted")
        self.assertEqual(browser.headers["status"], "200 OK")
        self.assertTrue(browser.url.endswith("/prefs_install_products_form"))
        self.assertIn(MESSAGE, browser.contents)
        self.assertNotIn("Traceback", browser.contents)
        transaction.begin()
        self.assertEqual(self.state(), before)

    def form_index(self, browser):
        """Index of senaite.queue's install form among the page's forms."""
        values = re.findall(r'name="install_product"\s+value="([^"]+)"', browser.contents)
        return values.index("senaite.queue")
