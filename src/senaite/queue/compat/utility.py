# -*- coding: utf-8 -*-
"""The queue utilities of senaite.queue 1.x (``IQueueUtility`` and the server's and
clients' flavours), as a facade over ``senaite.queue.api``.

There is one queue, in the ZODB, that every process reads: the server's and the clients'
utilities are the same object, and a client never needs a sync. Each change applies the
transition of ``server.dispatch`` the server's routes apply, in the caller's transaction:
the dispatch operations (pop, done, fail, timeout) check leases as the routes do, and a
running task is not deleted.
"""

from bika.lims import api as capi
from senaite.queue import api
from senaite.queue import settings
from senaite.queue.core.task import is_uid
from senaite.queue.interfaces import IClientQueueUtility
from senaite.queue.interfaces import IServerQueueUtility
from senaite.queue.compat.tasks import get_task_uid
from senaite.queue.compat.tasks import is_task
from zope.interface import implementer


def get_object_uid(context_or_uid):
    """The UID of an object, a brain or a UID; ``ValueError`` for anything else."""
    if is_uid(context_or_uid):
        return context_or_uid
    if capi.is_object(context_or_uid):
        return capi.get_uid(context_or_uid)
    raise ValueError("{!r} is not supported".format(context_or_uid))


@implementer(IServerQueueUtility, IClientQueueUtility)
class QueueUtility(object):
    """The site's queue as 1.x's utilities offered it."""

    def add(self, task):
        if not is_task(task):
            raise ValueError("{!r} is not supported".format(task))
        return api.add(task)

    def pop(self, consumer_id):
        return api.pop_task(consumer_id)

    def _lease(self, task):
        """(task uid, attempt): the attempt of the task given, or the current one."""
        task_uid = get_task_uid(task)
        if is_task(task) and task.attempt:
            return task_uid, task.attempt
        stored = api.get_task(task_uid)
        return task_uid, stored.attempt if stored is not None else 0

    def done(self, task):
        return api.done_task(*self._lease(task))

    def fail(self, task, error_message=None):
        task_uid, attempt = self._lease(task)
        return api.fail_task(task_uid, attempt, error_message)

    def timeout(self, task):
        return api.timeout_task(*self._lease(task))

    def delete(self, task):
        return api.delete_task(get_task_uid(task))

    def get_task(self, task_uid):
        return api.get_task(get_task_uid(task_uid))

    def get_tasks(self, status=None):
        return api.get_tasks(status)

    def get_uids(self, status=None):
        return api.get_uids(status)

    def get_tasks_for(self, context_or_uid, name=None):
        return api.get_tasks_for(get_object_uid(context_or_uid), name=name)

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
        return self._counts()["running"] >= settings.get_max_consumers()

    def purge(self):
        return api.purge_tasks()

    def search(self, query):
        return api.search(**dict(query))

    def is_out_of_date(self):
        return False

    def sync(self):
        """Nothing to do: every process reads the queue from the ZODB."""


queue_utility = QueueUtility()
