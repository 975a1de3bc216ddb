# -*- coding: utf-8 -*-
"""Every transition of the queue, each in one function, and the queue server's lock.

A transition takes the queue it changes and reads the settings it needs; whoever asks for it
ends here: the server's routes, ``senaite.queue.api`` (for the views, the adapters and the
1.x utility) and, through them, the Queue Monitor's buttons.

Where it runs:

- the dispatch transitions of the queue server's routes (pop, lease, done, fail, conflict,
  timeout, release, purge) go through ``run``: one at a time in this process (a lock), each in a short
  transaction of its own that is retried on conflicts, on a connection kept open for them.
  Its cache holds what the previous transition wrote, so a transition reloads only what
  other processes changed since, and the request's own transaction is left alone;
- add, requeue and delete, and the 1.x utility's dispatch methods, run in the caller's
  transaction, on any client: a task exists once the change that asked for it commits. A
  transition of the server on the same task writes the same task record, so of two at once
  one commits and the other conflicts; its retry sees what the first did;
- the receipt runs in the transaction of a consumer's work on the task, and fences it: it
  writes the task's record too, so the work commits only if its lease is still current.
"""

import threading

import transaction
from senaite.queue import settings
from senaite.queue.core.errors import TaskStatusError
from senaite.queue.core.retry import run_in_transaction
from senaite.queue.core.task import RUNNING

# One dispatch transition at a time in this process, and the connection they share
_lock = threading.Lock()
_state = {"connection": None}


def add(queue, task):
    """Queue ``task``; the added task, or None if the queue ignored it."""
    return queue.add(task, top_priority=settings.get_top_priority())


def pop(queue, consumer_id):
    """Lease the next task to the consumer; or None."""
    return queue.pop(consumer_id, max_consumers=settings.get_max_consumers())


def lease(queue, consumer_id, max_tasks):
    """Lease the consumer a window of up to ``max_tasks`` tasks; a list, maybe empty."""
    return queue.lease(consumer_id, max_tasks, max_consumers=settings.get_max_consumers())


def done(queue, task_uid, attempt):
    """The lease ``attempt`` of a running task is done: the task leaves the queue."""
    return queue.done(task_uid, attempt)


def fail(queue, task_uid, attempt, error_message=None):
    """The lease ``attempt`` of a running task failed: queued again or failed."""
    return queue.fail(task_uid, attempt, error_message)


def conflict(queue, task_uid, attempt, error_message=None):
    """The lease ``attempt`` of a running task lost a conflict: queued again, without
    spending a retry, unless it keeps losing for longer than the setting allows."""
    return queue.conflict(task_uid, attempt, error_message,
                          deadline=settings.get_max_seconds_conflicts())


def timeout(queue, task_uid, attempt):
    """The lease ``attempt`` of a running task timed out: as ``fail``, with more time."""
    return queue.timeout(task_uid, attempt)


def release(queue, task_uid, attempt):
    """The lease ``attempt`` of a running task was not started (its window ended before
    it): queued again in its place, with its retries."""
    return queue.release(task_uid, attempt)


def purge(queue, now=None):
    """Time out the running tasks whose lease has expired; those tasks."""
    return queue.purge(now)


def receipt(queue, task_uid, attempt):
    """Fence the work of the lease ``attempt`` in the caller's transaction, the consumer's
    run of the task: that work commits only if the lease is still the current one then
    (``TaskQueue.receipt``)."""
    queue.receipt(task_uid, attempt)


def requeue(queue, task_uid):
    """Queue a queued or failed task again, with the retries of the settings.

    A running task is refused with ``TaskStatusError``: a consumer may be working on it.
    """
    return queue.requeue(task_uid, retries=settings.get_max_retries())


def delete(queue, task_uid):
    """Remove a queued or failed task; the task, with status None.

    A running task is refused with ``TaskStatusError``, as ``requeue`` refuses it: a
    consumer may be working on it. Once its lease is purged it is queued or failed again,
    and can be removed.
    """
    task = queue.get_task(task_uid)
    if task is not None and task.status == RUNNING:
        raise TaskStatusError(task_uid, RUNNING, "Task is running, it cannot be removed: "
                                                 "{}".format(task_uid))
    return queue.delete(task_uid)


def run(queue, operation):
    """Run ``operation(queue)`` under the lock, in a committed transaction of the dispatch
    connection; its result. ``operation`` gets the dispatch connection's copy of ``queue``.
    """
    with _lock:
        connection = get_connection(queue._p_jar.db())
        own = connection.get(queue._p_oid)
        return run_in_transaction(connection.transaction_manager, lambda: operation(own))


def get_connection(database):
    """The dispatch connection to ``database``; a new one when the last one was to another
    database or is closed. Called under the lock."""
    connection = _state["connection"]
    if connection is not None and connection.opened and connection.db() is database:
        return connection
    if connection is not None and connection.opened:
        connection.close()
    connection = database.open(transaction_manager=transaction.TransactionManager())
    _state["connection"] = connection
    return connection
