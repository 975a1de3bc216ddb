# -*- coding: utf-8 -*-
"""Interfaces of senaite.queue."""

from zope.publisher.interfaces.browser import IDefaultBrowserLayer


class ISenaiteQueueLayer(IDefaultBrowserLayer):
    """Browser layer, registered while senaite.queue is installed in a site."""
