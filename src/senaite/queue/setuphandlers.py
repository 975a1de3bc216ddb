# -*- coding: utf-8 -*-
"""Install and uninstall handlers of senaite.queue."""

from plone import api as ploneapi
from Products.CMFPlone.interfaces import INonInstallable
from Products.GenericSetup.tool import UNKNOWN
from Products.PluggableAuthService.interfaces.plugins import IAuthenticationPlugin
from Products.PluggableAuthService.interfaces.plugins import IExtractionPlugin
from senaite.queue import PAS_PLUGIN_ID
from senaite.queue import logger
from senaite.queue.core.storage import TaskQueue
from senaite.queue.interfaces import ITaskQueue
from senaite.queue.routing.pasplugin import QueueAuthPlugin
from zope.interface import implementer

PLUGIN_INTERFACES = (IExtractionPlugin, IAuthenticationPlugin)
# Every SENAITE site has it: senaite.lims installs it when the site is created
SENAITE_PROFILE = "senaite.core:default"


class NotASenaiteSite(Exception):
    """senaite.queue was asked to install itself in a Plone site without SENAITE."""


@implementer(INonInstallable)
class HiddenProfiles(object):
    """Hides the uninstall profile from the add-ons control panel."""

    def getNonInstallableProfiles(self):
        return ["senaite.queue:uninstall"]


def pre_install(setup_tool):
    """Refuses a Plone site without SENAITE before the profile changes anything."""
    if setup_tool.getLastVersionForProfile(SENAITE_PROFILE) == UNKNOWN:
        raise NotASenaiteSite(
            "senaite.queue works in SENAITE sites only: {} has no SENAITE LIMS".format(
                ploneapi.portal.get().getId()))


def post_install(setup_tool):
    """Creates the site's queue (with its shared secret) and the PAS plugin."""
    portal = ploneapi.portal.get()
    install_queue(portal)
    install_pas_plugin(portal)


def post_uninstall(setup_tool):
    """Removes what post_install created."""
    portal = ploneapi.portal.get()
    uninstall_pas_plugin(portal)
    uninstall_queue(portal)


def install_queue(portal):
    site_manager = portal.getSiteManager()
    if site_manager.queryUtility(ITaskQueue) is None:
        site_manager.registerUtility(TaskQueue(), ITaskQueue)
        logger.info("Created the task queue of {}".format(portal.getId()))


def uninstall_queue(portal):
    site_manager = portal.getSiteManager()
    queue = site_manager.queryUtility(ITaskQueue)
    if queue is not None:
        site_manager.unregisterUtility(queue, ITaskQueue)
        logger.info("Removed the task queue of {}".format(portal.getId()))


def install_pas_plugin(portal):
    """Adds the plugin to the site's acl_users, first for extraction and authentication."""
    pas = portal.acl_users
    if PAS_PLUGIN_ID not in pas.objectIds():
        pas._setObject(PAS_PLUGIN_ID, QueueAuthPlugin())
    plugins = pas.plugins
    for interface in PLUGIN_INTERFACES:
        if PAS_PLUGIN_ID not in plugins.listPluginIds(interface):
            plugins.activatePlugin(interface, PAS_PLUGIN_ID)
        plugins.movePluginsTop(interface, [PAS_PLUGIN_ID])


def uninstall_pas_plugin(portal):
    pas = portal.acl_users
    if PAS_PLUGIN_ID in pas.objectIds():
        pas._delObject(PAS_PLUGIN_ID)
