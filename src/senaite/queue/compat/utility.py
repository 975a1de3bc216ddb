# -*- coding: utf-8 -*-
"""The queue utilities of senaite.queue 1.x (``IQueueUtility`` and the server's and
clients' flavours), as a facade over ``senaite.queue.api``: what ``api.get_queue()``
returns.

There is one queue, in the ZODB, that every process reads: the server's and the clients'
utilities are the same object, and a client never needs a sync. Each change applies the
transition of ``server.dispatch`` the server's routes apply, in the caller's transaction:
the dispatch operations (pop, done, fail, timeout) check leases as the routes do, and a
running task is not deleted. Tasks come out as 1.x's ``QueueTask`` dicts, copies of the
stored ones.
"""

from bika.lims import api as capi
from senaite.queue import api
from senaite.queue import settings
from senaite.queue.compat.tasks import QueueTask
from senaite.queue.compat.tasks import get_task_uid
from senaite.queue.compat.tasks import is_task
from senaite.queue.core.task import is_uid
from senaite.queue.interfaces import IClientQueueUtility
from senaite.queue.interfaces import IServerQueueUtility
from zope.interface import implementer


def get_object_uid(context_or_uid):
    """The UID of an object, a brain or a UID; ``ValueError`` for anything else."""
    if is_uid(context_or_uid):
        return context_or_uid
    if capi.is_object(context_or_uid):
        return capi.get_uid(context_or_uid)
    raise ValueError("{!r} is not supported".format(context_or_uid))


def as_queue_tasks(tasks):
    return [QueueTask.of(task) for task in tasks]


@implementer(IServerQueueUtility, IClientQueueUtility)
class QueueUtility(object):
    """The site's queue as 1.x's utilities offered it."""

    def add(self, task):
        if not is_task(task):
            raise ValueError("{!r} is not supported".format(task))
        return QueueTask.of(api.add(task))

    def pop(self, consumer_id):
        return QueueTask.of(api.pop_task(consumer_id))

    def _lease(self, task):
        """(task uid, attempt): the attempt the task was popped for, or the current one
        when it names none (a task uid, a task of 1.x)."""
        task_uid = get_task_uid(task)
        attempt = task.get("attempt") if is_task(task) else None
        if not attempt:
            stored = api.get_task(task_uid)
            attempt = stored.attempt if stored is not None else 0
        return task_uid, attempt

    def done(self, task):
        return QueueTask.of(api.done_task(*self._lease(task)))

    def fail(self, task, error_message=None):
        task_uid, attempt = self._lease(task)
        return QueueTask.of(api.fail_task(task_uid, attempt, error_message))

    def timeout(self, task):
        return QueueTask.of(api.timeout_task(*self._lease(task)))

    def delete(self, task):
        return QueueTask.of(api.delete_task(get_task_uid(task)))

    def get_task(self, task_uid):
        return QueueTask.of(api.get_task(get_task_uid(task_uid)))

    def get_tasks(self, status=None):
        return as_queue_tasks(api.get_tasks(status))

    def get_uids(self, status=None):
        return api.get_uids(status)

    def get_tasks_for(self, context_or_uid, name=None):
        return as_queue_tasks(api.get_tasks_for(get_object_uid(context_or_uid), name=name))

    def has_task(self, task):
        return api.get_task(get_task_uid(task)) is not None

    def has_tasks_for(self, context_or_uid, name=None):
        return bool(self.get_tasks_for(context_or_uid, name=name))

    def _counts(self):
        return api.get_statistics() or {"queued": 0, "running": 0, "oldest_queued": None}

    def is_empty(self):
        return len(self) == 0

    def __len__(self):
        counts = self._counts()
        return counts["queued"] + counts["running"]

    def get_since_time(self):
        oldest = self._counts()["oldest_queued"]
        return -1 if oldest is None else oldest

    def is_busy(self):
        leases = (self._counts().get("leases") or {}).values()
        working = set(lease["consumer_id"] for lease in leases)
        return len(working) >= settings.get_max_consumers()

    def purge(self):
        return as_queue_tasks(api.purge_tasks())

    def search(self, query):
        return as_queue_tasks(api.search(**dict(query)))

    def is_out_of_date(self):
        return False

    def sync(self):
        """Nothing to do: every process reads the queue from the ZODB."""


queue_utility = QueueUtility()
# The names of 1.x's two utilities: the same facade here
ServerQueueUtility = ClientQueueUtility = QueueUtility
