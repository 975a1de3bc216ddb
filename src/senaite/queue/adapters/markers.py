# -*- coding: utf-8 -*-
"""Whether the current request is a consumer processing a task.

``consumer.processor.process_task`` marks the request with ``queue_tuid``, the uid of the
task it runs. Form values end up in the same place (``request.other``), so the marker alone
proves nothing: it counts only when it names a task that is running right now, as the
current user. A consumer processes synchronously what a user request would queue, and the
guards step aside for it.
"""

from bika.lims import api as capi
from senaite.queue import api
from senaite.queue.core.task import RUNNING
from senaite.queue.core.task import is_uid

MARKER = "queue_tuid"


def get_running_task(request=None):
    """The running task the request processes, or None."""
    request = request if request is not None else capi.get_request()
    if request is None:
        return None
    task_uid = request.get(MARKER)
    if not is_uid(task_uid, allow_portal=False):
        return None
    queue = api.get_queue()
    if queue is None:
        return None
    task = queue.get_task(task_uid)
    if task is None or task.status != RUNNING:
        return None
    user_id = capi.get_current_user().getId() or ""
    if task.username and task.username != user_id:
        return None
    return task


def is_consumer_run(request=None):
    """Whether a consumer is processing a task in this request."""
    return get_running_task(request) is not None


def can_queue(name_or_action=None, request=None):
    """Whether new tasks may be queued from this request: the queue is ready and the
    request is not a consumer's (a consumer does the work itself)."""
    return api.is_queue_ready(name_or_action) and not is_consumer_run(request)
