# -*- coding: utf-8 -*-
"""Test layers: a SENAITE site with senaite.queue installed."""

import transaction
from plone.app.testing import FunctionalTesting
from plone.app.testing import PloneSandboxLayer
from plone.app.testing import applyProfile
from plone.testing import zope
from senaite.core.tests.layers import BASE_LAYER_FIXTURE


class SenaiteQueueLayer(PloneSandboxLayer):
    """SENAITE's base layer plus senaite.queue, installed in the site."""

    defaultBases = (BASE_LAYER_FIXTURE, )

    def setUpZope(self, app, configurationContext):
        import senaite.queue
        self.loadZCML(package=senaite.queue)
        zope.installProduct(app, "senaite.queue")

    def setUpPloneSite(self, portal):
        applyProfile(portal, "senaite.queue:default")
        transaction.commit()

    def tearDownZope(self, app):
        zope.uninstallProduct(app, "senaite.queue")


SENAITE_QUEUE_FIXTURE = SenaiteQueueLayer()
SENAITE_QUEUE_TESTING = FunctionalTesting(
    bases=(SENAITE_QUEUE_FIXTURE, ), name="senaite.queue:Testing")
