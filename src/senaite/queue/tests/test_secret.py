# -*- coding: utf-8 -*-
"""The shared secret cannot be read: not through senaite.jsonapi's registry route, not
through plone.restapi's @registry, not in the control panel.

plone.restapi is installed with SENAITE but the test layers do not load it (plone.app.testing
turns z3c.autoinclude off), while a real site loads it through autoinclude. The layer below
loads its ZCML and installs its profile, as such a site has them.
"""

import transaction
from plone import api as ploneapi
from plone.app.testing import FunctionalTesting
from plone.app.testing import PloneSandboxLayer
from plone.app.testing import SITE_OWNER_NAME
from plone.app.testing import SITE_OWNER_PASSWORD
from plone.app.testing import applyProfile
from plone.registry.interfaces import IRegistry
from senaite.queue.testing import SENAITE_QUEUE_HTTP_FIXTURE
from senaite.queue.tests.support import RouteTestCase
from zope.component import getUtility

OLD_KEY = "senaite.queue.auth_key"


class RestAPILayer(PloneSandboxLayer):
    """senaite.queue's layer over HTTP plus plone.restapi."""

    defaultBases = (SENAITE_QUEUE_HTTP_FIXTURE, )

    def setUpZope(self, app, configurationContext):
        import plone.restapi
        self.loadZCML(package=plone.restapi)

    def setUpPloneSite(self, portal):
        applyProfile(portal, "plone.restapi:default")
        transaction.commit()


RESTAPI_FIXTURE = RestAPILayer()
RESTAPI_HTTP_TESTING = FunctionalTesting(
    bases=(RESTAPI_FIXTURE, ), name="senaite.queue:RestAPI:HTTP")


class SecretTestCase(RouteTestCase):

    layer = RESTAPI_HTTP_TESTING

    def setUp(self):
        super(SecretTestCase, self).setUp()
        ploneapi.user.create(email="sitemanager@example.com", username="sitemanager",
                             password="sitemanager-secret", roles=["Manager"])
        transaction.commit()
        self.secret = self.queue.get_secret()
        self.assertEqual(len(self.secret), 44)

    def callers(self):
        """(user, password) of a lab manager, a site Manager and the Zope root's admin."""
        return [("labmanager", "labmanager-secret"), ("sitemanager", "sitemanager-secret"),
                (SITE_OWNER_NAME, SITE_OWNER_PASSWORD)]

    def get(self, url, auth, **headers):
        headers.setdefault("Accept", "application/json")
        return self.http.get(url, auth=auth, headers=headers, allow_redirects=False)

    def assertNoSecret(self, text, where, asked=None):
        """No part of the secret, and no record named like upstream's key (unless the
        caller ``asked`` for that name: the answer may echo its URL)."""
        # the key, its signing half and its encryption half
        for part in (self.secret, self.secret[:22], self.secret[22:]):
            self.assertNotIn(part, text, where)
        if asked != OLD_KEY:
            self.assertNotIn(OLD_KEY, text, where)


class TestSecretNotReadable(SecretTestCase):

    def test_not_in_the_registry(self):
        registry = getUtility(IRegistry)
        self.assertNotIn(OLD_KEY, registry.records)
        for name in registry.records.keys():
            self.assertNotIn(self.secret, repr(registry.records[name].value), name)

    def test_senaite_jsonapi_registry(self):
        for auth in self.callers():
            # All records: Plone's registry has datetime records (e.g.
            # plone.bundles/plone.last_compilation) that the route cannot serialize, so this
            # fails whoever asks; its answer must not have the secret either
            response = self.get(self.url("registry"), auth)
            self.assertNoSecret(response.text, auth)
            for key in ("senaite.queue", "auth", "key", "secret", "queue", OLD_KEY):
                response = self.get(self.url("registry/{}".format(key)), auth)
                self.assertEqual(response.status_code, 200, (auth, key))
                self.assertNoSecret(response.text, (auth, key), asked=key)
                if key == OLD_KEY:
                    self.assertEqual(response.json()["items"], [{}])
            response = self.get(self.url("registry/senaite.queue"), auth)
            self.assertEqual(sorted(response.json()["items"][0]), sorted(
                "senaite.queue.{}".format(name) for name in (
                    "server", "default", "max_retries", "min_seconds_task", "window_tasks",
                    "max_seconds_unlock", "max_seconds_conflicts", "fill_min_seconds",
                    "max_consumers", "sample_actions_threshold",
                    "sample_create_threshold", "top_priority_tasks")))

    def test_plone_restapi_registry(self):
        names = [name for name in getUtility(IRegistry).records.keys()
                 if name.startswith("senaite.queue.")]
        self.assertEqual(len(names), 12)
        for auth in self.callers():
            # All records, in pages; some pages fail on Plone's datetime records
            for start in range(0, 2000, 100):
                url = "{}/@registry?b_size=100&b_start={}".format(self.site_url, start)
                response = self.get(url, auth)
                self.assertNoSecret(response.text, (auth, start))
            for name in names + [OLD_KEY]:
                url = "{}/@registry/{}".format(self.site_url, name)
                response = self.get(url, auth)
                self.assertNoSecret(response.text, (auth, name), asked=name)
                if auth[0] == "labmanager":
                    # @registry needs "Manage portal"
                    self.assertEqual(response.status_code, 401, name)
                elif name == OLD_KEY:
                    self.assertNotEqual(response.status_code, 200)
                else:
                    self.assertEqual(response.status_code, 200, (auth, name))

    def test_control_panel(self):
        for auth in self.callers():
            response = self.get("{}/@@queue-controlpanel".format(self.site_url), auth,
                                Accept="text/html")
            self.assertEqual(response.status_code, 200, auth)
            self.assertIn("form.widgets.server", response.text)
            self.assertNoSecret(response.text, auth)

    def test_control_panel_after_rotation(self):
        old = self.secret
        self.queue.rotate_secret()
        transaction.commit()
        self.secret = self.queue.get_secret()
        self.assertNotEqual(old, self.secret)
        auth = ("sitemanager", "sitemanager-secret")
        response = self.get("{}/@@queue-controlpanel".format(self.site_url), auth,
                            Accept="text/html")
        self.assertEqual(response.status_code, 200)
        self.assertNoSecret(response.text, auth)

    def test_queue_routes(self):
        """No queue route shows the secret, not even to a Manager."""
        self.add_task()
        auth = ("sitemanager", "sitemanager-secret")
        for route in ("queue_server/status", "queue_server/tasks", "queue_server/tasks/ghost"):
            response = self.get(self.url(route), auth)
            self.assertEqual(response.status_code, 200)
            self.assertNoSecret(response.text, route)
