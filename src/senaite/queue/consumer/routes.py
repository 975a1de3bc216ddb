# -*- coding: utf-8 -*-
"""The consumer's JSON routes: ``@@API/senaite/v1/queue_consumer/...``.

``process`` runs a window of tasks leased to this consumer (``"tasks"``: their uids and
attempts), each as its own user and behind a savepoint of its own, in the request's
transaction, at the pace of ``consumer.pacing``; it answers the outcome of each task: done,
failed (its work rolled back to its savepoint, the others kept) or released (the window
ended before it). The caller must be allowed to lease tasks ("Manage Bika"). As 1.x's
consumers send it, ``process`` also runs one task (``task_uid`` and ``attempt``) as its
caller, who must be the task's user; its failure is then the route's.

A ConflictError of ZPublisher's commit makes it retry the whole request. On its last try the
route commits by itself, so that a conflict it loses again is answered (503, ``"conflict":
true``, naming the object) instead of failing the request: the consumer then reports a
conflict for every task of the window, not a failure. A conflict raised while a task runs is
answered the same way at once, for it cannot reach ZPublisher: the JSON API's error handler
would answer it as a 200 error, and commit. Each task's work commits with its receipt
(``TaskQueue.receipt``), which writes the task's record: a purge, timeout or re-lease of the
task committed meanwhile makes the commit conflict, so a window with a lease that is over
commits nothing, whatever the clocks say (ZPublisher's retry then finds the lease over). And
if the consumer cannot tell whether the commit went through (the database went away in the
middle of it), the failure it reports finds each receipt, and the tasks are done, not run
again.
"""

import time

import transaction
from bika.lims import api as capi
from senaite.core.permissions import ManageBika
from senaite.queue import api
from senaite.queue import protocol
from senaite.queue.consumer import processor
from senaite.queue.consumer.consume import consume
from senaite.queue.consumer.errors import ContextMissingError
from senaite.queue.consumer.errors import NoAdapterError
from senaite.queue.consumer.errors import NoUserError
from senaite.queue.consumer.errors import ProcessError
from senaite.queue.consumer.pacing import Window
from senaite.queue.consumer.processor import DONE
from senaite.queue.routing.answers import summary
from senaite.queue.routing.payload import RouteError
from senaite.queue.routing.payload import as_dict
from senaite.queue.routing.payload import get_attempt
from senaite.queue.routing.payload import get_leases
from senaite.queue.routing.payload import get_task_uid
from senaite.queue.routing.router import RouteTable
from senaite.queue.routing.router import fail
from senaite.queue.routing.router import get_user_id
from senaite.queue.routing.router import has_permission
from senaite.queue.routing.router import may_retry
from transaction.interfaces import TransientError
from ZODB.utils import oid_repr

# How long ``process`` waits for this ZEO client to see the lease the server just committed
LEASE_WAIT_SECONDS = 5
LEASE_POLL_SECONDS = 0.01
# The HTTP status of each reason a task's run commits nothing
PROCESS_ERRORS = {
    ContextMissingError: 422,
    NoUserError: 422,
    NoAdapterError: 501,
}

ROUTES = RouteTable("senaite.queue.consumer")
route = ROUTES.route


@route(protocol.CONSUME, server=False, permission=ManageBika)
def consume_route(request, payload):
    return summary(protocol.CONSUME, payload, message=consume(request))


def get_leased_task(task_uid, attempt):
    """The task, once this connection sees it running with that attempt."""
    deadline = time.time() + LEASE_WAIT_SECONDS
    while True:
        task = api.get_task_queue().get_task(task_uid)
        if task is None:
            raise RouteError(404, "Task not found: {}".format(task_uid))
        if task.attempt > attempt:
            raise RouteError(409, "Attempt {} of task {} is over".format(attempt, task_uid))
        if task.attempt == attempt and task.status == "running":
            return task
        if time.time() > deadline:
            raise RouteError(409, "Task {} is not running with attempt {}".format(
                task_uid, attempt))
        # Start a new transaction to see what the server committed since
        transaction.abort()
        time.sleep(LEASE_POLL_SECONDS)


def describe_conflict(exc):
    """The object a ConflictError was about: its path when it is content, else its class
    and oid."""
    oid = getattr(exc, "oid", None)
    path = None
    if oid:
        try:
            obj = capi.get_portal()._p_jar.get(oid)
            uid = obj.UID() if callable(getattr(obj, "UID", None)) else None
            path = capi.get_path(capi.get_object_by_uid(uid)) if uid else None
        except Exception:  # noqa: any object may be gone or unreadable by now
            path = None
    where = path or "{} {}".format(getattr(exc, "class_name", None) or "object",
                                   oid_repr(oid) if oid else "")
    return "{} on {}".format(type(exc).__name__, where.strip())


@route(protocol.PROCESS, (protocol.PROCESS_TASK, "process_task"),
       methods=("POST", ), server=False, token=True, writes=True)
def process(request, payload, task_uid=None):
    if task_uid is None and "tasks" in as_dict(payload):
        return process_window(request, payload)
    task = get_leased_task(get_task_uid(payload, task_uid), get_attempt(payload))
    if task.username != get_user_id():
        raise RouteError(403, "Task {} runs as {}, not as {}".format(
            task.task_uid, task.username, get_user_id()))
    answer = run_window(request, payload, [task])
    if answer.get("conflict"):
        return answer
    outcome = answer.pop("outcomes")[0]
    if outcome.error is not None:
        # One task, as 1.x's consumers send it: its failure is the route's
        if isinstance(outcome.error, ProcessError):
            raise RouteError(PROCESS_ERRORS[type(outcome.error)], outcome.error_message)
        raise outcome.error
    answer["message"] = "Processed: {}".format(task.short_uid)
    return answer


def process_window(request, payload):
    """A window of tasks leased to the caller's consumer, each run as its own user: the
    caller must be allowed to lease them."""
    if not has_permission(ManageBika):
        raise RouteError(403, "Only a consumer may process a window of tasks")
    leases = get_leases(payload, "tasks", protocol.MAX_WINDOW_TASKS)
    tasks = [get_leased_task(get_task_uid(item), get_attempt(item)) for item in leases]
    answer = run_window(request, payload, tasks)
    if not answer.get("conflict"):
        outcomes = answer.pop("outcomes")
        answer.update(outcomes=[outcome.as_dict() for outcome in outcomes],
                      message="Processed: {} of {} tasks".format(
                          len([o for o in outcomes if o.outcome == DONE]), len(outcomes)))
    return answer


def run_window(request, payload, tasks):
    """Run the window of ``tasks`` and commit it: the answer, with the ``Outcome`` of each
    task and the seconds the consumer waits next (``consumer.pacing``); or the conflict
    that sends them all back."""
    window = Window(tasks, request)
    try:
        outcomes = processor.run_window(window)
        if not may_retry(request):
            transaction.commit()
    except TransientError as exc:
        transaction.abort()
        answer = fail(request, 503, "")
        answer.update(conflict=True, message=describe_conflict(exc))
        return answer
    return summary(protocol.PROCESS, payload, outcomes=outcomes,
                   wait=round(window.wait(), 3))


class ConsumerRoutes(object):
    """Route provider of the consumers (plone.jsonapi.core ``IRouteProvider``)."""

    routes = ROUTES.routes
