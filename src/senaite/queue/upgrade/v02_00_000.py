# -*- coding: utf-8 -*-
"""Upgrade from senaite.queue 1.x (SENAITE 1.3) to 2.0.0.

1.x kept its tasks in RAM (nothing to migrate), its shared key in the registry record
``senaite.queue.auth_key`` (readable through senaite.jsonapi) and its PAS plugin in both the
Zope root's and the site's ``acl_users``. This step removes all three and installs what 2.0
needs: the registry records, the configlet, the persistent queue and the site's PAS plugin.
"""

from plone import api as ploneapi
from plone.registry.interfaces import IRegistry
from senaite.queue import PAS_PLUGIN_ID
from senaite.queue import PROFILE_ID
from senaite.queue import logger
from senaite.queue.setuphandlers import install_pas_plugin
from senaite.queue.setuphandlers import install_queue
from zope.component import getUtility

VERSION = "20000"
OBSOLETE_RECORDS = ("senaite.queue.auth_key", )
STEPS = ("browserlayer", "plone.app.registry", "controlpanel", "actions")


def upgrade(setup_tool):
    portal = ploneapi.portal.get()
    logger.info("Upgrading senaite.queue to {} ...".format(VERSION))
    registry = getUtility(IRegistry)
    for name in OBSOLETE_RECORDS:
        if name in registry.records:
            del registry.records[name]
    for acl_users in (portal.getPhysicalRoot().acl_users, portal.acl_users):
        if PAS_PLUGIN_ID in acl_users.objectIds():
            acl_users.plugins.removePluginById(PAS_PLUGIN_ID)
            acl_users._delObject(PAS_PLUGIN_ID)
    for step in STEPS:
        setup_tool.runImportStepFromProfile(PROFILE_ID, step)
    install_queue(portal)
    install_pas_plugin(portal)
    logger.info("Upgraded senaite.queue to {}".format(VERSION))
