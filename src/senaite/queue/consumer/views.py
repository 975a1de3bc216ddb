# -*- coding: utf-8 -*-
"""The view that Zope's clock-server calls on every consumer."""

from plone import api as ploneapi
from Products.Five.browser import BrowserView
from senaite.queue import logger

SERVER_RECORD = "senaite.queue.server"


class QueueConsumeView(BrowserView):
    """Answers the clock tick with one line saying what the consumer did."""

    def __call__(self):
        self.request.response.setHeader("Content-Type", "text/plain")
        server = ploneapi.portal.get_registry_record(SERVER_RECORD, default=None)
        if not server:
            message = "Queue server is not configured [SKIP]"
        else:
            message = "Queue server {} is configured, but this release " \
                      "has no consumer yet [SKIP]".format(server)
        logger.debug("queue_consume: {}".format(message))
        return message
