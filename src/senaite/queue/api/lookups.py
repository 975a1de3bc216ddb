# -*- coding: utf-8 -*-
"""Reading the queue: its tasks, whether it works on objects, the task a consumer runs.

Whether the queue works on an object is answered by the queue's object index (one
``TaskQueue.is_queued`` lookup per object, no scan): for one object by ``is_queued``, for
many by the request's ``QueuedLookup``, which also answers for a sample or a worksheet
together with its analyses (``works_on``).
"""

import transaction
from bika.lims import api as capi
from bika.lims.interfaces import IWorksheet
from senaite.core.catalog import ANALYSIS_CATALOG
from senaite.queue import protocol
from senaite.queue.api.status import get_task_queue
from senaite.queue.api.status import is_queue_enabled
from senaite.queue.core.task import RUNNING
from senaite.queue.core.task import is_uid
from zope.annotation.interfaces import IAnnotations


def get_task(task_uid):
    """A copy of the task, or None."""
    queue = get_task_queue()
    return queue.get_task(task_uid) if queue is not None else None


def get_tasks(status=None):
    """Copies of the tasks with the given status(es): queued and running by default, in
    pop order for queued ones; ghost tasks only when "ghost" is among the statuses."""
    queue = get_task_queue()
    return queue.get_tasks(status) if queue is not None else []


def get_tasks_for(brain_object_uid, name=None, status=None):
    """Copies of the tasks that work on the object (as context or among their uids),
    optionally of one name; statuses as ``get_tasks``."""
    queue = get_task_queue()
    if queue is None:
        return []
    return queue.get_tasks_for(capi.get_uid(brain_object_uid), name=name, status=status)


def get_uids(status=None):
    """The UIDs of the objects the tasks with the given status(es) work on."""
    queue = get_task_queue()
    return queue.get_uids(status) if queue is not None else []


def search(status=None, **query):
    """Copies of the tasks (statuses as ``get_tasks``) whose fields equal every ``query``
    value; ``uid`` matches the tasks that work on that object."""
    queue = get_task_queue()
    return queue.search(status, **query) if queue is not None else []


def get_statistics(now=None):
    """The queue's counts and what a status page shows (oldest queued task, consumers,
    leases, tasks done in the last hour), or None when senaite.queue is not installed."""
    queue = get_task_queue()
    return queue.statistics(now) if queue is not None else None


def is_queued(brain_object_uid, status=None):
    """Whether a queued or running task (or one of ``status``) works on the object.

    To ask about many objects, e.g. the rows of a listing, use ``get_queued_lookup``.
    """
    if not is_queue_enabled():
        return False
    return get_task_queue().is_queued(capi.get_uid(brain_object_uid), status=status)


def get_analyses_uids(container):
    """The UIDs of the analyses of a worksheet, or of a sample (a brain, object or UID)."""
    if IWorksheet.providedBy(container):
        return list(container.getRawAnalyses() or [])
    brains = capi.search({"getAncestorsUIDs": capi.get_uid(container)}, ANALYSIS_CATALOG)
    return [capi.get_uid(brain) for brain in brains]


class QueuedLookup(object):
    """Whether the queue works on objects, for many objects at once (``obj in lookup``).

    The queue's status is read once, when the lookup is made; each object then costs one
    look into the queue's object index. As a boolean, False when the queue is not enabled
    or holds no task: no object is queued then.
    """

    def __init__(self, queue):
        self.queue = queue

    def __bool__(self):
        return self.queue is not None

    __nonzero__ = __bool__

    def __contains__(self, brain_object_uid):
        """Whether a queued or running task works on the object (a brain, object or UID)."""
        if self.queue is None:
            return False
        return self.queue.is_queued(capi.get_uid(brain_object_uid))

    def any(self, items):
        """Whether the queue works on any of the objects."""
        return any(item in self for item in items)

    def count(self, items):
        """On how many of the objects the queue works."""
        return len([item for item in items if item in self])

    def works_on(self, container):
        """Whether the queue works on a sample or a worksheet, or on one of its analyses."""
        if self.queue is None:
            return False
        return container in self or self.any(get_analyses_uids(container))

    def count_analyses(self, container):
        """On how many of the analyses of a sample or a worksheet the queue works."""
        if self.queue is None:
            return 0
        return self.count(get_analyses_uids(container))


def get_queued_lookup():
    """The ``QueuedLookup`` of the current request, for listings, guards and viewlets that
    ask about many objects.

    It is made once per transaction of the request; a write of this API (add, requeue,
    delete) makes the next call read the queue's status again.
    """
    current = transaction.get()
    annotations = _request_annotations()
    cached = annotations.get(protocol.LOOKUP_KEY)
    if cached is not None and cached[0] is current:
        return cached[1]
    queue = get_task_queue() if is_queue_enabled() else None
    if queue is not None and queue.is_empty():
        queue = None
    lookup = QueuedLookup(queue)
    annotations[protocol.LOOKUP_KEY] = (current, lookup)
    return lookup


def forget_lookup(result=None):
    """Forget the request's lookup after a write of the queue; return ``result``."""
    _request_annotations().pop(protocol.LOOKUP_KEY, None)
    return result


def _request_annotations():
    """The annotations of the current request; a throwaway dict without one."""
    request = capi.get_request()
    annotations = IAnnotations(request, None) if request is not None else None
    return annotations if annotations is not None else {}


def get_running_task(request=None):
    """The running task a consumer processes in this request, or None.

    The consumer marks its request with the task's uid (``CONSUMER_MARKER``). Form values
    end up in the same place, so the mark alone proves nothing: it counts only when it
    names a task that is running now, as the current user.
    """
    request = request if request is not None else capi.get_request()
    if request is None:
        return None
    task_uid = request.get(protocol.CONSUMER_MARKER)
    if not is_uid(task_uid, allow_portal=False):
        return None
    task = get_task(task_uid)
    if task is None or task.status != RUNNING:
        return None
    user_id = capi.get_current_user().getId() or ""
    if task.username and task.username != user_id:
        return None
    return task


def is_consumer_run(request=None):
    """Whether a consumer is processing a task in this request."""
    return get_running_task(request) is not None
