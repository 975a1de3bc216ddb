# -*- coding: utf-8 -*-
"""Running one task in the current request, as its user."""

from bika.lims import api as capi
from senaite.queue import protocol
from senaite.queue.compat.tasks import QueueTask
from senaite.queue.consumer.errors import ContextMissingError
from senaite.queue.consumer.errors import NoAdapterError
from senaite.queue.consumer.pacing import Pace
from senaite.queue.interfaces import IQueuedTaskAdapter
from zope.component import queryAdapter


def process_task(task, request):
    """Run the task's adapter on its context, at the pace of ``consumer.pacing``; return the
    seconds its consumer waits after the commit.

    Raises ``ContextMissingError`` or ``NoAdapterError`` when the task cannot run here.
    Errors of the adapter propagate. Whether the work may commit is not decided here: the
    lease's receipt fences the commit (``TaskQueue.receipt``).
    """
    context = capi.get_object_by_uid(task.context_uid, None)
    if context is None:
        raise ContextMissingError(task)
    adapter = queryAdapter(context, IQueuedTaskAdapter, name=task.name)
    if adapter is None:
        raise NoAdapterError(task)
    # Markers: guards step aside for the queue, analyses see their worksheet
    request.set(protocol.CONSUMER_MARKER, task.task_uid)
    if capi.get_portal_type(context) == "Worksheet":
        request.set("ws_uid", capi.get_uid(context))
    pace = Pace(task, adapter, request)
    with pace.offering():
        current = task
        while current is not None:
            adapter.process(QueueTask.of(current))
            current = pace.next_rest()
    pace.hold()
    return pace.wait()
