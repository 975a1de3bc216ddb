# -*- coding: utf-8 -*-
"""The view that Zope's clock-server calls on every consumer."""

from Products.Five.browser import BrowserView
from senaite.queue import logger
from senaite.queue.consumer.consume import consume


class QueueConsumeView(BrowserView):
    """Keeps this process's worker going; answers with one line of text, also when called
    by hand or by a script, and also when something fails."""

    def __call__(self):
        self.request.response.setHeader("Content-Type", "text/plain")
        try:
            return consume(self.request)
        except Exception as exc:
            logger.exception("queue_consume failed")
            self.request.response.setStatus(500)
            return "Failed: {}: {} [SKIP]".format(type(exc).__name__, exc)
