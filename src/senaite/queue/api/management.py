# -*- coding: utf-8 -*-
"""Managing tasks from the Plone side: requeue and delete (the Queue Monitor's buttons,
the JSON routes), and the dispatch transitions 1.x's queue utility offers.

Each applies its transition of ``server.dispatch`` to the site's queue in the caller's
transaction. A transition of the queue server on the same task writes the same task record,
so when the two run at once only one transaction commits; the other conflicts, and its retry
sees the outcome of the first.
"""

from senaite.queue.api.lookups import forget_lookup
from senaite.queue.api.status import installed_queue
from senaite.queue.server import dispatch


def requeue_task(task_uid):
    """Queue a queued or failed task again, with the retries of the settings; the task.

    A running task is refused with ``TaskStatusError``: a consumer may be working on it.
    ``TaskNotFoundError`` for an unknown task.
    """
    return forget_lookup(dispatch.requeue(installed_queue(), task_uid))


def delete_task(task_uid, running=None):
    """Remove a queued or failed task from the queue; the task, with status None.

    A running task is refused with ``TaskStatusError``, as ``requeue_task`` refuses it;
    ``running`` is accepted for code written for earlier versions, and ignored.
    """
    return forget_lookup(dispatch.delete(installed_queue(), task_uid))


def pop_task(consumer_id):
    """Lease the next task to the consumer; or None."""
    return forget_lookup(dispatch.pop(installed_queue(), consumer_id))


def done_task(task_uid, attempt):
    """The lease ``attempt`` of a running task is done: the task leaves the queue.
    ``StaleAckError`` when the attempt is not the current one."""
    return forget_lookup(dispatch.done(installed_queue(), task_uid, attempt))


def fail_task(task_uid, attempt, error_message=None):
    """The lease ``attempt`` of a running task failed: queued again or failed."""
    return forget_lookup(dispatch.fail(installed_queue(), task_uid, attempt, error_message))


def timeout_task(task_uid, attempt):
    """The lease ``attempt`` of a running task timed out: as ``fail_task``."""
    return forget_lookup(dispatch.timeout(installed_queue(), task_uid, attempt))


def purge_tasks():
    """Time out the running tasks whose lease expired; those tasks."""
    return forget_lookup(dispatch.purge(installed_queue()))
