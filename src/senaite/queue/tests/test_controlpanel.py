# -*- coding: utf-8 -*-
"""Site Setup > Queue Settings (``@@queue-controlpanel``) and its configlet."""

import re
import socket
import unittest

import six
import transaction
from lxml import html
from plone import api as ploneapi
from plone.app.testing import TEST_USER_ID
from plone.app.testing import login
from plone.app.testing import setRoles
from plone.testing.zope import Browser
from Products.CMFPlone.utils import get_installer
from senaite.queue import api
from senaite.queue.browser.controlpanel import QueueControlPanelForm
from senaite.queue.settings import normalize_url
from senaite.queue.testing import SENAITE_QUEUE_TESTING
from senaite.queue.tests.support import SiteServer
from six.moves.urllib.parse import urlencode
from zExceptions import Forbidden
from zExceptions import Unauthorized

PREFIX = "senaite.queue"
STATUS_PATH = "/senaite/@@API/senaite/v1/queue_server/status"
ROTATED = "A new shared secret is in use"

# Queue Server values the form refuses, with the start of the error shown on the field
INVALID_SERVERS = [
    ("localhost:8090", "The URL must start with http:// or https://"),
    ("http://localhost:8090", "The URL must end with the id of the site"),
    ("http://localhost:8090/", "The URL must end with the id of the site"),
    ("ftp://localhost:8090/senaite", "The URL must start with http:// or https://"),
    ("http://localhost:8090/senaite?x=1", "The URL must not have a query or a fragment"),
]
# (field, value, error shown on the field) of values out of the field's bounds
OUT_OF_BOUNDS = [
    ("max_consumers", "0", "Value is too small"),
    ("max_consumers", "17", "Value is too big"),
    ("min_seconds_task", "31", "Value is too big"),
    ("min_seconds_task", "-1", "Value is too small"),
    ("max_seconds_unlock", "29", "Value is too small"),
    ("max_seconds_unlock", "1801", "Value is too big"),
    ("default", "21", "Value is too big"),
    ("max_retries", "11", "Value is too big"),
    ("sample_actions_threshold", "0", "Value is too small"),
    ("sample_create_threshold", "1001", "Value is too big"),
]


def free_port():
    """A local TCP port nothing listens on."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("localhost", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


class QueueServerStub(SiteServer):
    """A queue server on a free port: like the real one, it says it is the queue server only
    when the committed Queue Server record is its own URL."""

    def __init__(self, db, portal_id):
        SiteServer.__init__(self)
        self.db = db
        self.portal_id = portal_id

    def answer(self, path):
        found = path == STATUS_PATH
        return (200 if found else 404), {
            "success": found, "server": found and self.is_queue_server()}

    def is_queue_server(self):
        connection = self.db.open()
        try:
            portal = connection.root()["Application"][self.portal_id]
            server = portal.portal_registry["{}.server".format(PREFIX)]
            return bool(server) and normalize_url(server) == self.url
        finally:
            connection.close()


def registry_value(name):
    return ploneapi.portal.get_registry_record("{}.{}".format(PREFIX, name))


class ControlPanelTestCase(unittest.TestCase):

    layer = SENAITE_QUEUE_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        self.url = "{}/@@queue-controlpanel".format(self.portal.absolute_url())
        self.browser = Browser(self.layer["app"])
        self.browser.handleErrors = False

    def create_user(self, user_id, roles):
        password = "secret-{}".format(user_id)
        ploneapi.user.create(email="{}@example.com".format(user_id),
                             username=user_id, password=password, roles=roles)
        transaction.commit()
        return password

    def login_browser(self, user_id, roles):
        password = self.create_user(user_id, roles)
        self.browser.addHeader("Authorization", "Basic {}:{}".format(user_id, password))

    def refresh(self):
        """Sees what the browser's requests committed."""
        transaction.begin()

    def secret(self):
        self.refresh()
        return six.ensure_str(api.get_task_queue().get_secret())

    def messages(self):
        """The status messages of the page, as one line of text."""
        doc = html.fromstring(self.browser.contents)
        boxes = doc.xpath("(//aside[@id='global_statusmessage'])[1] | "
                          "(//dl[contains(@class, 'portalMessage')])[1]")
        return " ".join(" ".join(box.text_content() for box in boxes).split())

    def field(self, name):
        """The first rendering of the widget's field wrapper in the page."""
        doc = html.fromstring(self.browser.contents)
        return doc.xpath("//div[@id='formfield-form-widgets-{}']".format(name))[0]

    def field_error(self, name):
        wrapper = self.field(name)
        if "error" not in wrapper.get("class").split():
            return None
        return wrapper.xpath("string(.//div[@class='error'])").strip()

    def get_value(self, name):
        return self.browser.getControl(name="form.widgets.{}".format(name), index=0).value

    def set_value(self, name, value):
        self.browser.getControl(name="form.widgets.{}".format(name), index=0).value = value

    def click(self, button):
        self.browser.getControl(name="form.buttons.{}".format(button), index=0).click()

    def authenticator(self):
        return re.search(r'name="_authenticator" type="hidden" value="(\w+)"',
                         self.browser.contents).group(1)

    def stored_settings(self):
        self.refresh()
        names = ("server", "default", "max_retries", "min_seconds_task",
                 "max_seconds_unlock", "max_consumers", "top_priority_tasks")
        return dict((name, registry_value(name)) for name in names)


class TestConfiglet(ControlPanelTestCase):

    def configlet(self):
        tool = ploneapi.portal.get_tool("portal_controlpanel")
        for action in tool.listActions():
            if action.getId() == "senaite.queue":
                return action
        return None

    def test_registered(self):
        configlet = self.configlet()
        self.assertIsNotNone(configlet)
        self.assertEqual(configlet.Title(), "Queue Settings")
        self.assertEqual(configlet.category, "Products")
        self.assertEqual(configlet.getActionExpression(),
                         "string:${portal_url}/@@queue-controlpanel")
        self.assertEqual(configlet.permissions, ("senaite.core: Manage Bika", ))
        self.assertTrue(configlet.visible)

    def test_removed_on_uninstall(self):
        get_installer(self.portal, self.layer["request"]).uninstall_product("senaite.queue")
        self.assertIsNone(self.configlet())

    def test_listed_in_site_setup(self):
        self.login_browser("manager1", ["Manager"])
        self.browser.open("{}/@@overview-controlpanel".format(self.portal.absolute_url()))
        link = self.browser.getLink("Queue Settings", index=0)
        self.assertEqual(link.url, self.url)


class TestAccess(ControlPanelTestCase):

    def test_lab_manager_sees_the_form(self):
        self.login_browser("labman1", ["LabManager"])
        self.browser.open(self.url)
        self.assertEqual(self.browser.headers["status"], "200 OK")
        self.assertIn("Queue Settings", self.browser.contents)
        for name in ("server", "default", "max_retries", "min_seconds_task",
                     "max_seconds_unlock", "max_consumers", "top_priority_tasks"):
            self.assertIsNotNone(self.field(name))
        self.assertNotIn("form.buttons.rotate_secret", self.browser.contents)

    def test_manager_sees_the_form_and_rotation(self):
        self.login_browser("manager1", ["Manager"])
        self.browser.open(self.url)
        self.assertEqual(self.browser.headers["status"], "200 OK")
        self.assertIn("form.buttons.rotate_secret", self.browser.contents)

    def test_lab_clerk_sees_the_form(self):
        self.login_browser("labclerk1", ["LabClerk"])
        self.browser.open(self.url)
        self.assertEqual(self.browser.headers["status"], "200 OK")

    def test_site_administrator_is_refused(self):
        # SENAITE 2.x gives "Manage Bika" to lab clerks, lab managers and managers only
        self.login_browser("siteadmin1", ["Site Administrator"])
        self.browser.open("{}/@@overview-controlpanel".format(self.portal.absolute_url()))
        self.assertNotIn("Queue Settings", self.browser.contents)
        with self.assertRaises(Unauthorized):
            self.browser.open(self.url)

    def test_anonymous_is_refused(self):
        with self.assertRaises(Unauthorized):
            self.browser.open(self.url)

    def test_analyst_is_refused(self):
        self.login_browser("analyst1", ["Analyst"])
        with self.assertRaises(Unauthorized):
            self.browser.open(self.url)

    def test_client_contact_is_refused(self):
        self.login_browser("client1", ["Client"])
        with self.assertRaises(Unauthorized):
            self.browser.open(self.url)


class TestSave(ControlPanelTestCase):

    def setUp(self):
        super(TestSave, self).setUp()
        self.login_browser("labman1", ["LabManager"])
        self.browser.open(self.url)
        self.before = self.stored_settings()

    def test_defaults_after_install(self):
        self.assertEqual(self.before, {
            "server": u"",
            "default": 10,
            "max_retries": 3,
            "min_seconds_task": 3,
            "max_seconds_unlock": 120,
            "max_consumers": 4,
            "top_priority_tasks": ["task_action_unassign", "task_assign_analyses",
                                   "task_action_submit", "task_action_verify"],
        })

    def test_valid_values_are_stored(self):
        server = "http://localhost:{}/senaite".format(free_port())
        self.set_value("server", server)
        self.set_value("default", "5")
        self.set_value("max_retries", "0")
        self.set_value("min_seconds_task", "0")
        self.set_value("max_seconds_unlock", "1800")
        self.set_value("max_consumers", "16")
        self.set_value("top_priority_tasks", "task_action_submit\ntask_assign_analyses")
        self.click("save")
        self.assertIn("Changes saved.", self.messages())
        self.assertEqual(self.stored_settings(), {
            "server": six.text_type(server),
            "default": 5,
            "max_retries": 0,
            "min_seconds_task": 0,
            "max_seconds_unlock": 1800,
            "max_consumers": 16,
            "top_priority_tasks": ["task_action_submit", "task_assign_analyses"],
        })

    def test_invalid_server_urls_are_refused(self):
        # one after the other, in the form as the page shows it after the last refusal
        for value, error in INVALID_SERVERS:
            self.set_value("server", value)
            self.set_value("max_consumers", "8")
            self.click("save")
            self.assertIn("There were some errors.", self.messages())
            message = self.field_error("server")
            self.assertIsNotNone(message, value)
            self.assertTrue(message.startswith(error), (value, message))
            self.assertIsNone(self.field_error("max_consumers"), value)
            self.assertNotIn("Changes saved.", self.messages())
            self.assertEqual(self.stored_settings(), self.before, value)

    def test_values_out_of_bounds_are_refused(self):
        # one value at a time, in the form as the page shows it after the last refusal, the
        # value refused before set back to the one the page first showed
        shown = dict((name, self.get_value(name)) for name, _, _ in OUT_OF_BOUNDS)
        for name, value, error in OUT_OF_BOUNDS:
            self.set_value(name, value)
            self.click("save")
            self.assertEqual(self.field_error(name), error, (name, value))
            self.assertIsNone(self.field_error("server"), (name, value))
            self.assertEqual(self.stored_settings(), self.before, (name, value))
            self.set_value(name, shown[name])

    def test_empty_server_says_queue_disabled(self):
        self.click("save")
        self.assertIn("Changes saved.", self.messages())
        self.assertIn("the queue is disabled", self.messages())
        self.refresh()
        self.assertIsNone(api.get_server_url())

    def test_unreachable_server_does_not_answer(self):
        server = "http://localhost:{}/senaite".format(free_port())
        self.set_value("server", server)
        self.click("save")
        self.assertIn("Changes saved.", self.messages())
        self.assertIn("Queue server {} does not answer: tasks will not be processed "
                      "until it does".format(server), self.messages())
        self.assertEqual(self.stored_settings()["server"], server)

    def test_answering_server(self):
        with QueueServerStub(self.layer["zodbDB"], self.portal.getId()) as stub:
            self.set_value("server", stub.url.replace("localhost", "LOCALHOST") + "/")
            self.click("save")
        self.assertIn("Queue server {} answers".format(stub.url), self.messages())
        self.assertNotIn("does not answer", self.messages())


class TestRotateSecret(ControlPanelTestCase):

    def test_manager_rotates(self):
        before = self.secret()
        self.login_browser("manager1", ["Manager"])
        self.browser.open(self.url)
        self.assertNotIn(before, self.browser.contents)
        self.click("rotate_secret")
        self.assertIn(ROTATED, self.messages())
        after = self.secret()
        self.assertNotEqual(after, before)
        self.assertNotIn(after, self.browser.contents)

    def test_rotation_saves_no_setting(self):
        before = self.stored_settings()
        self.login_browser("manager1", ["Manager"])
        self.browser.open(self.url)
        self.set_value("max_consumers", "9")
        self.click("rotate_secret")
        self.assertIn(ROTATED, self.messages())
        self.assertEqual(self.stored_settings(), before)

    def test_lab_manager_is_refused(self):
        before = self.secret()
        self.login_browser("labman1", ["LabManager"])
        self.browser.open(self.url)
        self.assertNotIn("rotate_secret", self.browser.contents)
        self.browser.post(self.url, urlencode({
            "form.buttons.rotate_secret": "Rotate secret",
            "_authenticator": self.authenticator(),
        }))
        self.assertNotIn(ROTATED, self.messages())
        self.assertEqual(self.secret(), before)

    def test_handler_checks_permission(self):
        self.create_user("labman1", ["LabManager"])
        login(self.portal, "labman1")
        form = QueueControlPanelForm(self.portal, self.layer["request"])
        with self.assertRaises(Unauthorized):
            form.handle_rotate_secret(form, None)

    def test_csrf_token_required(self):
        before = self.secret()
        self.login_browser("manager1", ["Manager"])
        with self.assertRaises(Forbidden):
            self.browser.post(self.url, urlencode({
                "form.buttons.rotate_secret": "Rotate secret"}))
        self.assertEqual(self.secret(), before)

    def test_post_required(self):
        before = self.secret()
        self.login_browser("manager1", ["Manager"])
        self.browser.open(self.url)
        with self.assertRaises(Forbidden):
            self.browser.open("{}?{}".format(self.url, urlencode({
                "form.buttons.rotate_secret": "Rotate secret",
                "_authenticator": self.authenticator(),
            })))
        self.assertEqual(self.secret(), before)

    def test_secret_never_in_html(self):
        secret = self.secret()
        self.login_browser("manager1", ["Manager"])
        self.browser.open(self.url)
        self.assertNotIn(secret, self.browser.contents)
        self.set_value("server", "localhost:8090")
        self.click("save")
        self.assertIsNotNone(self.field_error("server"))
        self.assertNotIn(secret, self.browser.contents)
        self.set_value("server", "")
        self.click("save")
        self.assertIn("Changes saved.", self.messages())
        self.assertNotIn(secret, self.browser.contents)
