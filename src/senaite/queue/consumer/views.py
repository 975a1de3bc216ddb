# -*- coding: utf-8 -*-
"""The view that Zope's clock-server calls on every consumer."""

from Products.Five.browser import BrowserView
from senaite.queue.consumer.consume import consume


class QueueConsumeView(BrowserView):
    """Makes sure this process has a live worker; answers with one line of text."""

    def __call__(self):
        self.request.response.setHeader("Content-Type", "text/plain")
        return consume(self.request)
