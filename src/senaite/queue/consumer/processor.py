# -*- coding: utf-8 -*-
"""Running one task in the current request, as its user."""

import time

from bika.lims import api as capi
from senaite.queue import api
from senaite.queue.interfaces import IQueuedTaskAdapter
from senaite.queue.routing.payload import RouteError
from zope.component import queryAdapter


def process_task(task, request):
    """Run the task's adapter on its context, then hold on for its ``min_seconds``.

    Raises ``RouteError`` when the task cannot run here; errors of the adapter propagate.
    """
    context = capi.get_object_by_uid(task.context_uid, None)
    if context is None:
        raise RouteError(422, "Task's context is not available: {}".format(task.context_path))
    adapter = queryAdapter(context, IQueuedTaskAdapter, name=task.name)
    if adapter is None:
        raise RouteError(501, "No adapter found for {}".format(task.name))
    # Markers: guards step aside for the queue, analyses see their worksheet
    request.set(api.CONSUMER_MARKER, task.task_uid)
    if capi.get_portal_type(context) == "Worksheet":
        request.set("ws_uid", capi.get_uid(context))
    started = time.time()
    adapter.process(task)
    # Hold the transaction open for min_seconds, so that users' requests win conflicts
    remaining = task.min_seconds - (time.time() - started)
    if remaining > 0:
        time.sleep(remaining)
