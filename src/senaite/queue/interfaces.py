# -*- coding: utf-8 -*-
"""Interfaces of senaite.queue."""

from zope.interface import Attribute
from zope.interface import Interface
from zope.publisher.interfaces.browser import IDefaultBrowserLayer


class ISenaiteQueueLayer(IDefaultBrowserLayer):
    """Browser layer, registered while senaite.queue is installed in a site."""


class ITaskQueue(Interface):
    """The site's persistent queue (``senaite.queue.core.storage.TaskQueue``),
    registered as a local utility on install."""


class IQueuedTaskAdapter(Interface):
    """Processes a task. Registered as a named adapter of the task's context;
    the name is the task's name."""

    context = Attribute("The object the task is about")

    def process(task):
        """Process the task's first chunk and queue the rest, if any."""
