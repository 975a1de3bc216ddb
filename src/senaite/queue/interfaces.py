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
        """Process the task's first chunk and queue the rest, if any. ``task`` is 1.x's
        ``QueueTask``: a dict copy of the queued task, with its fields as attributes."""


class IQueueUtility(Interface):
    """The queue as 1.x offered it to add-ons: tasks in, tasks out.

    Here a thin facade over ``senaite.queue.api`` (``compat.utility``), which
    ``api.get_queue()`` returns; the queue itself is the site's persistent ``ITaskQueue``.
    """

    def add(task):
        """Queue a task made by ``new_task``; the added task, or None if ignored."""

    def pop(consumer_id):
        """Hand the next task to the consumer (it becomes running); or None."""

    def done(task):
        """The task (or task uid) is done: it leaves the queue."""

    def fail(task, error_message=None):
        """The task failed: queued again with one retry less, or failed."""

    def timeout(task):
        """The task timed out: as ``fail``, with a longer time allowed."""

    def delete(task):
        """Remove the task from the queue."""

    def get_task(task_uid):
        """A copy of the task, or None."""

    def get_tasks(status=None):
        """Copies of the tasks with the status(es); queued and running by default."""

    def get_uids(status=None):
        """The object UIDs the tasks with the status(es) work on."""

    def get_tasks_for(context_or_uid, name=None):
        """Copies of the tasks that work on the object."""

    def has_task(task):
        """Whether the task (or task uid) is in the queue."""

    def has_tasks_for(context_or_uid, name=None):
        """Whether tasks work on the object."""

    def is_empty():
        """Whether no task is queued or running."""

    def __len__():
        """How many tasks are queued or running."""


class IServerQueueUtility(IQueueUtility):
    """The queue as 1.x's queue server offered it."""

    def get_since_time():
        """Creation time of the oldest queued task, or -1."""

    def is_busy():
        """Whether as many tasks run as consumers may."""

    def purge():
        """Time out the running tasks whose time is up."""

    def search(query):
        """Copies of the tasks whose fields equal those of ``query``."""


class IClientQueueUtility(IQueueUtility):
    """The queue as 1.x's other clients offered it."""

    def is_out_of_date():
        """Whether the local copy of the queue needs a sync."""

    def sync():
        """Bring the local copy of the queue up to date."""


class IQueued(Interface):
    """Marker of objects queued by senaite.queue 1.0.1 and earlier; kept so that their
    data can be read, and removed, by the upgrade."""


class IQueueDispatcher(Interface):
    """Local utility of senaite.queue 1.0.1 and earlier; kept so that the upgrade can
    remove it."""
