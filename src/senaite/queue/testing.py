# -*- coding: utf-8 -*-
"""Test layers: a SENAITE site with senaite.queue installed."""

import transaction
from plone.app.testing import FunctionalTesting
from plone.app.testing import PloneSandboxLayer
from plone.app.testing import applyProfile
from plone.testing import zope
from plone.testing.zope import WSGI_SERVER_FIXTURE
from senaite.core.tests.layers import BASE_LAYER_FIXTURE
from senaite.core.tests.layers import BaseLayer


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
# The same site served over real HTTP by a WSGI server on a free port (layer["host"], ["port"])
SENAITE_QUEUE_HTTP_TESTING = FunctionalTesting(
    bases=(SENAITE_QUEUE_FIXTURE, WSGI_SERVER_FIXTURE), name="senaite.queue:HTTP")


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
