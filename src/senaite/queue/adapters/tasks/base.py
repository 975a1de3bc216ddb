# -*- coding: utf-8 -*-
"""What the task adapters share: the base class, and queueing the rest of a task or going
on with it."""

from bika.lims import api as capi
from senaite.queue import api
from senaite.queue import protocol
from senaite.queue.consumer.pacing import GoingOn
from senaite.queue.interfaces import IQueuedTaskAdapter
from zope.interface import implementer

# Task keys that tell a continuation apart from another one of the same task
CONTINUATION_KEYS = ("uids", "slots", "action", "top_uid", "cursor")


@implementer(IQueuedTaskAdapter)
class TaskAdapter(object):
    """Base of the task adapters: a named adapter of the task's context.

    ``goes_on``: the adapter hands its rest to ``queue_rest`` and may be given that rest to
    process in the same transaction (see ``GoingOn``).
    """

    goes_on = True

    def __init__(self, context):
        self.context = context

    def process(self, task):
        raise NotImplementedError("process must be implemented by {}".format(
            self.__class__.__name__))


def queue_rest(task, **changes):
    """Queue the rest of ``task``: a copy with ``changes`` (e.g. the uids still to do).

    When the consumer goes on with the task's rest (``GoingOn``), the copy is handed to it
    instead, and nothing is queued. Otherwise it is written in the consumer's transaction,
    so the rest exists only if this chunk commits. A queued copy that would do exactly the
    same is not queued twice (this happens when a chunk runs again, e.g. after its
    acknowledgement was lost); returns None then. The rest keeps the task's place in the
    queue, but not the delay of its retry.
    """
    changes.setdefault("delay", 0)
    going_on = capi.get_request().get(protocol.GOING_ON_KEY)
    if isinstance(going_on, GoingOn) and going_on.keep(api.new_copy(task, **changes)):
        return None
    wanted = dict(task)
    wanted.update(changes)
    for other in api.get_tasks_for(task.context_uid, name=task.name,
                                   status=["queued", "ghost"]):
        if other.task_uid == task.task_uid:
            continue
        if all(other.get(key) == wanted.get(key) for key in CONTINUATION_KEYS):
            return None
    return api.add_copy(task, **changes)
