# -*- coding: utf-8 -*-
"""The key the processes of the cluster sign their calls with, kept by the site's queue."""

from senaite.queue.api.status import get_task_queue
from senaite.queue.api.status import installed_queue
from senaite.queue.interfaces import ITaskQueue


def get_secret(site=None):
    """The key of the queue of ``site`` (the current site by default); None when
    senaite.queue is not installed."""
    if site is None:
        queue = get_task_queue()
    else:
        queue = site.getSiteManager().queryUtility(ITaskQueue)
    return queue.get_secret() if queue is not None else None


def rotate_secret():
    """Replace the key the processes of the cluster sign their calls with."""
    installed_queue().rotate_secret()
