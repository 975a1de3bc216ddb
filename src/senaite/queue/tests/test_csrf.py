# -*- coding: utf-8 -*-
"""Cross-site requests: every browser action of the add-on that writes wants the page's
``_authenticator`` token, and a refused request changes nothing.

Each request here is made with a real session cookie, set by the site's login form, as a
cross-site page would make it in a lab manager's browser.
"""

import re

import transaction
from plone import api as ploneapi
from plone.testing.zope import Browser
from senaite.queue.tests.test_monitor import MonitorTestCase
from senaite.queue.tests.test_monitor import password
from six.moves.urllib.parse import urlencode
from zExceptions import Forbidden

WRONG_TOKEN = "0" * 40


class CSRFTestCase(MonitorTestCase):

    def setUp(self):
        super(CSRFTestCase, self).setUp()
        if ploneapi.user.get(username="siteadmin") is None:
            ploneapi.user.create(email="siteadmin@example.com", username="siteadmin",
                                 password=password("siteadmin"), roles=["Manager"])
        transaction.commit()

    def session(self, user_id):
        """A browser logged in through the login form: it holds the session cookie."""
        browser = Browser(self.layer["app"])
        browser.handleErrors = False
        browser.open("{}/login".format(self.portal.absolute_url()))
        browser.getControl(name="__ac_name").value = user_id
        browser.getControl(name="__ac_password").value = password(user_id)
        browser.getControl(name="buttons.login").click()
        self.assertIn("__ac", browser.cookies)
        return browser

    @staticmethod
    def token_of(browser):
        return re.search(r'name="_authenticator"[^>]*value="([^"]+)"',
                         browser.contents).group(1)


class TestMonitorButtons(CSRFTestCase):
    """``queue_requeue`` and ``queue_remove`` through SENAITE's ``workflow_action`` view."""

    def post(self, browser, action, uid, token=None):
        data = {"workflow_action": action, "uids:list": uid}
        if token is not None:
            data["_authenticator"] = token
        browser.addHeader("Referer", "http://attacker.example.com/page.html")
        browser.post("{}/workflow_action".format(self.portal.absolute_url()), urlencode(data))

    def assert_refused(self, action, uid, token, expected_status):
        browser = self.session("labmanager")
        with self.assertRaises(Forbidden):
            self.post(browser, action, uid, token)
        self.assertEqual(self.status_of(uid), expected_status)

    def test_remove_without_token(self):
        self.assert_refused("queue_remove", self.queued1, None, "queued")

    def test_remove_with_wrong_token(self):
        self.assert_refused("queue_remove", self.queued1, WRONG_TOKEN, "queued")

    def test_requeue_without_token(self):
        self.assert_refused("queue_requeue", self.failed, None, "failed")

    def test_requeue_with_wrong_token(self):
        self.assert_refused("queue_requeue", self.failed, WRONG_TOKEN, "failed")

    def test_remove_with_page_token(self):
        browser = self.session("labmanager")
        browser.open(self.monitor_url)
        self.post(browser, "queue_remove", self.queued1, self.token_of(browser))
        self.assertEqual(browser.url, self.monitor_url)
        self.assertIsNone(self.status_of(self.queued1))

    def test_requeue_with_page_token(self):
        browser = self.session("labmanager")
        browser.open(self.monitor_url)
        self.post(browser, "queue_requeue", self.failed, self.token_of(browser))
        self.assertEqual(browser.url, self.monitor_url)
        self.assertEqual(self.status_of(self.failed), "queued")

    def test_token_in_a_get_is_refused(self):
        browser = self.session("labmanager")
        browser.open(self.monitor_url)
        query = urlencode({"workflow_action": "queue_remove", "uids:list": self.queued1,
                           "_authenticator": self.token_of(browser)})
        with self.assertRaises(Forbidden):
            browser.open("{}/workflow_action?{}".format(self.portal.absolute_url(), query))
        self.assertEqual(self.status_of(self.queued1), "queued")


class TestSettingsSave(CSRFTestCase):
    """The Queue Settings form's Save button."""

    url_before = u"http://localhost:55001/plone"

    def setUp(self):
        super(TestSettingsSave, self).setUp()
        ploneapi.portal.set_registry_record("senaite.queue.server", self.url_before)
        transaction.commit()

    @property
    def form_url(self):
        return "{}/@@queue-controlpanel".format(self.portal.absolute_url())

    def stored_server(self):
        transaction.begin()
        return ploneapi.portal.get_registry_record("senaite.queue.server")

    def save(self, browser, token):
        data = {"form.widgets.server": "http://evil.example.com/plone",
                "form.widgets.default": "10",
                "form.widgets.max_retries": "3",
                "form.widgets.min_seconds_task": "3",
                "form.widgets.window_tasks": "50",
                "form.widgets.max_seconds_unlock": "120",
                "form.widgets.max_consumers": "4",
                "form.widgets.max_seconds_conflicts": "600",
                "form.widgets.sample_actions_threshold": "10",
                "form.widgets.sample_create_threshold": "10",
                "form.buttons.save": "Save"}
        if token is not None:
            data["_authenticator"] = token
        browser.post(self.form_url, urlencode(data))

    def test_without_token(self):
        browser = self.session("siteadmin")
        with self.assertRaises(Forbidden):
            self.save(browser, None)
        self.assertEqual(self.stored_server(), self.url_before)

    def test_with_wrong_token(self):
        browser = self.session("siteadmin")
        with self.assertRaises(Forbidden):
            self.save(browser, WRONG_TOKEN)
        self.assertEqual(self.stored_server(), self.url_before)

    def test_with_page_token(self):
        browser = self.session("siteadmin")
        browser.open(self.form_url)
        self.save(browser, self.token_of(browser))
        self.assertEqual(self.stored_server(), u"http://evil.example.com/plone")
