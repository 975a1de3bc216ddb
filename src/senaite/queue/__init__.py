# -*- coding: utf-8 -*-
"""senaite.queue: asynchronous task queue for SENAITE LIMS."""

import logging

from zope.i18nmessageid import MessageFactory

PRODUCT_NAME = "senaite.queue"
PROFILE_ID = "profile-senaite.queue:default"
UNINSTALL_PROFILE_ID = "profile-senaite.queue:uninstall"
PAS_PLUGIN_ID = "senaite_queue_auth"

logger = logging.getLogger(PRODUCT_NAME)
messageFactory = MessageFactory(PRODUCT_NAME)


def initialize(context):
    """Zope 2 product initialization: makes the PAS plugin known to PAS."""
    from Products.PluggableAuthService.PluggableAuthService import registerMultiPlugin
    from senaite.queue.routing.pasplugin import QueueAuthPlugin
    registerMultiPlugin(QueueAuthPlugin.meta_type)


def is_installed():
    """Whether senaite.queue is installed in the current site."""
    from senaite.queue import api
    return api.is_installed()
