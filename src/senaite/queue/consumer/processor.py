# -*- coding: utf-8 -*-
"""Running a window of leased tasks in the current request, each as its user."""

from contextlib import contextmanager

import transaction
from AccessControl.SecurityManagement import getSecurityManager
from AccessControl.SecurityManagement import newSecurityManager
from AccessControl.SecurityManagement import setSecurityManager
from bika.lims import api as capi
from senaite.queue import api
from senaite.queue import logger
from senaite.queue import protocol
from senaite.queue.compat.tasks import QueueTask
from senaite.queue.consumer.errors import ContextMissingError
from senaite.queue.consumer.errors import NoAdapterError
from senaite.queue.consumer.errors import NoUserError
from senaite.queue.consumer.errors import ProcessError
from senaite.queue.interfaces import IQueuedTaskAdapter
from senaite.queue.server import dispatch
from transaction.interfaces import TransientError
from zope.component import queryAdapter

DONE = "done"
FAIL = "fail"
RELEASE = "release"
# The keys of a request that tell which task it runs (``process_task``)
TASK_KEYS = (protocol.CONSUMER_MARKER, "ws_uid")


class Outcome(object):
    """How the run of one task of a window ended; ``error`` is the exception of a failure."""

    def __init__(self, task, outcome, error=None):
        self.task = task
        self.outcome = outcome
        self.error = error

    @property
    def error_message(self):
        if self.error is None:
            return None
        if isinstance(self.error, ProcessError):
            return "{}".format(self.error)
        return "{}: {}".format(type(self.error).__name__, self.error)

    def as_dict(self):
        data = {"task_uid": self.task.task_uid, "attempt": self.task.attempt,
                "outcome": self.outcome}
        if self.error is not None:
            data["error_message"] = self.error_message
        return data


@contextmanager
def as_user(task):
    """The block runs as the task's user, a user of the site."""
    acl_users = capi.get_portal().acl_users
    user = acl_users.getUserById(task.username) if task.username else None
    if user is None:
        raise NoUserError(task)
    saved = getSecurityManager()
    newSecurityManager(None, user.__of__(acl_users))
    try:
        yield
    finally:
        setSecurityManager(saved)


def run_window(window):
    """Run the window's tasks one after the other, each as its user and behind a savepoint
    of its own, at the pace of ``consumer.pacing``; the ``Outcome`` of each task.

    A task that raises is rolled back to its savepoint and fails; the others are kept. A
    task that ran writes its receipt (``TaskQueue.receipt``), which fences the commit: the
    work commits only if the lease is still current then. A conflict (``TransientError``)
    is no task's failure: it propagates, and the whole window is sent back. Tasks the window
    does not start are released.
    """
    outcomes = []
    queue = api.get_task_queue()
    for task in window.tasks:
        if not window.may_start(task):
            outcomes.append(Outcome(task, RELEASE))
            continue
        savepoint = transaction.savepoint()
        try:
            with as_user(task):
                process_task(task, window)
            dispatch.receipt(queue, task.task_uid, task.attempt)
        except TransientError:
            raise
        except Exception as exc:
            savepoint.rollback()
            if not isinstance(exc, ProcessError):
                logger.exception("Task {} ({}) failed".format(task.task_uid, task.name))
            outcomes.append(Outcome(task, FAIL, exc))
            continue
        outcomes.append(Outcome(task, DONE))
    window.hold()
    return outcomes


def process_task(task, window):
    """Run the task's adapter on its context, with its rest while the window lasts.

    Raises ``ContextMissingError`` or ``NoAdapterError`` when the task cannot run here.
    Errors of the adapter propagate.
    """
    request = window.request
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
    try:
        with window.running(task, adapter) as going_on:
            current = task
            while current is not None:
                adapter.process(QueueTask.of(current))
                window.count(current)
                current = going_on.take() if going_on else None
    finally:
        for key in TASK_KEYS:
            request.other.pop(key, None)
