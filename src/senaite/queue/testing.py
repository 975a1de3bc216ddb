# -*- coding: utf-8 -*-
"""Test layers: a SENAITE site with senaite.queue installed, with the doctests' lab, served
over HTTP; a Plone site that is not a SENAITE site."""

import transaction
from plone import api as ploneapi
from plone.app.testing import FunctionalTesting
from plone.app.testing import PloneSandboxLayer
from plone.app.testing import SITE_OWNER_NAME
from plone.app.testing import applyProfile
from plone.app.testing import login
from plone.app.testing import ploneSite
from plone.testing import Layer
from plone.testing import zodb
from plone.testing import zope
from plone.testing.zope import WSGI_SERVER_FIXTURE
from senaite.core.tests.layers import BASE_LAYER_FIXTURE
from senaite.core.tests.layers import BaseLayer

# The users of the site served over HTTP: user id -> roles; every password is
# "<user id>-secret"
HTTP_USERS = {
    "labmanager": ["LabManager"],
    "labclerk": ["LabClerk"],
    "analyst": ["Analyst"],
    "clientcontact": ["Client"],
    "queue_consumer": ["LabManager"],
}


def password(user_id):
    return "{}-secret".format(user_id)


class SenaiteQueueLayer(PloneSandboxLayer):
    """SENAITE's base layer plus senaite.queue, installed in the site, and the test-only task
    adapters."""

    defaultBases = (BASE_LAYER_FIXTURE, )

    def setUpZope(self, app, configurationContext):
        import senaite.queue
        import senaite.queue.tests
        self.loadZCML(package=senaite.queue)
        self.loadZCML(package=senaite.queue.tests, name="testing.zcml")
        zope.installProduct(app, "senaite.queue")

    def setUpPloneSite(self, portal):
        applyProfile(portal, "senaite.queue:default")
        transaction.commit()

    def tearDownZope(self, app):
        zope.uninstallProduct(app, "senaite.queue")


SENAITE_QUEUE_FIXTURE = SenaiteQueueLayer()
SENAITE_QUEUE_TESTING = FunctionalTesting(
    bases=(SENAITE_QUEUE_FIXTURE, ), name="senaite.queue:Testing")


class SiteDataLayer(Layer):
    """Content and settings added to the site of its bases once, committed in a DemoStorage
    of its own: unlike a PloneSandboxLayer, no component registry or ZCML of its own."""

    def setUp(self):
        self["zodbDB"] = zodb.stackDemoStorage(self.get("zodbDB"), name=self.__name__)
        with ploneSite() as portal:
            login(portal.aq_parent, SITE_OWNER_NAME)
            self.setUpSite(portal)

    def tearDown(self):
        self["zodbDB"].close()
        del self["zodbDB"]

    def setUpSite(self, portal):
        """Add the layer's data to the site, as the Zope admin (committed on return)."""
        raise NotImplementedError


class SenaiteQueueLabLayer(SiteDataLayer):
    """senaite.queue's layer plus the data every test on samples needs, made once: a client
    with a contact, a sample type and analysis services (``tests.utils.Lab``)."""

    defaultBases = (SENAITE_QUEUE_FIXTURE, )

    def setUpSite(self, portal):
        from senaite.queue.tests.utils import Lab
        Lab.create(portal)


SENAITE_QUEUE_LAB_FIXTURE = SenaiteQueueLabLayer()
SENAITE_QUEUE_LAB_TESTING = FunctionalTesting(
    bases=(SENAITE_QUEUE_LAB_FIXTURE, ), name="senaite.queue:Lab")


class SenaiteQueueHTTPLayer(SiteDataLayer):
    """senaite.queue's layer served over real HTTP by a WSGI server on a free port
    (layer["host"], ["port"]): the site is its own Queue Server and has the users of
    ``HTTP_USERS``."""

    # In this order, the test runner runs these tests with the other tests on SENAITE's base
    # layer, before those of the plain Plone site, whose layer replaces that one.
    defaultBases = (WSGI_SERVER_FIXTURE, SENAITE_QUEUE_FIXTURE)

    def setUpSite(self, portal):
        url = u"http://{}:{}/{}".format(self["host"], self["port"], portal.getId())
        ploneapi.portal.set_registry_record("senaite.queue.server", url)
        for user_id, roles in HTTP_USERS.items():
            ploneapi.user.create(email="{}@example.com".format(user_id), username=user_id,
                                 password=password(user_id), roles=roles)


SENAITE_QUEUE_HTTP_FIXTURE = SenaiteQueueHTTPLayer()
SENAITE_QUEUE_HTTP_TESTING = FunctionalTesting(
    bases=(SENAITE_QUEUE_HTTP_FIXTURE, ), name="senaite.queue:HTTP")


class PlainPloneLayer(BaseLayer):
    """A Zope with SENAITE and senaite.queue whose Plone site is not a SENAITE site."""

    def setUpZope(self, app, configurationContext):
        super(PlainPloneLayer, self).setUpZope(app, configurationContext)
        import senaite.queue
        self.loadZCML(package=senaite.queue)

    def setUpPloneSite(self, portal):
        """Applies no SENAITE profile, unlike SENAITE's layer."""


PLAIN_PLONE_FIXTURE = PlainPloneLayer()
PLAIN_PLONE_TESTING = FunctionalTesting(
    bases=(PLAIN_PLONE_FIXTURE, ), name="senaite.queue:PlainPlone")
