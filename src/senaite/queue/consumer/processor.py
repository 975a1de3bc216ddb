# -*- coding: utf-8 -*-
"""Running one task in the current request, as its user."""

import time

from bika.lims import api as capi
from senaite.queue import api
from senaite.queue import settings
from senaite.queue.adapters.tasks.base import GOING_ON_KEY
from senaite.queue.adapters.tasks.base import GoingOn
from senaite.queue.interfaces import IQueuedTaskAdapter
from senaite.queue.routing.payload import RouteError
from zope.component import queryAdapter


# The least a consumer waits after it committed a task that just lost a conflict (seconds)
CONTENDED_PAUSE = 1.0


def process_task(task, request):
    """Run the task's adapter on its context for at least its ``min_seconds``; return the
    seconds its consumer waits after the commit.

    While the minimum seconds last, the task goes on with its own rest when its adapter
    supports it (``TaskAdapter.goes_on``) and the setting allows it; otherwise the
    transaction is held open for the rest of that time, so that users' requests win
    conflicts. A task that has just lost a conflict (back after one, its rest until its
    ``contended_until``, or a request ZPublisher runs again) neither goes on nor holds: it
    commits at once, and its consumer waits out the rest of the minimum seconds, and at
    least ``CONTENDED_PAUSE``, so that users' retried requests get a moment without the
    queue's commits.
    No new chunk starts after half of ``max_seconds``, and a task whose lease has ended by
    the time it is done raises ``RouteError``, so that nothing it did is committed. Raises
    ``RouteError`` when the task cannot run here; errors of the adapter propagate.
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
    contended = bool(task.conflicts or getattr(request, "retry_count", 0)
                     or (task.contended_until or 0) > started)
    going_on = None
    if not contended and may_go_on(task, adapter):
        until = started + min(task.min_seconds, task.max_seconds / 2.0)
        going_on = GoingOn(until)
    request.set(GOING_ON_KEY, going_on)
    try:
        current = task
        while current is not None:
            adapter.process(current)
            current = going_on.take() if going_on else None
    finally:
        request.set(GOING_ON_KEY, None)
    remaining = task.min_seconds - (time.time() - started)
    if remaining > 0 and not contended:
        time.sleep(remaining)
    # The worker gives the attempt up max_seconds after it asked for it, so not before the
    # lease ends: past that, the task may run again already, and this run commits nothing
    if time.time() >= (task.started or started) + task.max_seconds:
        raise RouteError(408, "Task {} ran past its {} s: nothing it did is kept".format(
            task.short_uid, task.max_seconds))
    if not contended:
        return 0.0
    return max(CONTENDED_PAUSE, task.min_seconds - (time.time() - started))


def may_go_on(task, adapter):
    """Whether the task may go on with its rest in the same transaction."""
    return (task.min_seconds > 0
            and getattr(adapter, "goes_on", False) and settings.get_fill_min_seconds())
