# -*- coding: utf-8 -*-
"""The consumer's JSON routes: ``@@API/senaite/v1/queue_consumer/...``.

``process`` runs a task leased to this consumer, as the task's user, in the request's
transaction: any failure dooms it, so nothing partial is committed, and a ConflictError of
ZPublisher's commit makes it retry the whole request. On its last try the route commits by
itself, so that a conflict it loses again is answered (503, ``"conflict": true``, naming the
object) instead of failing the request: the consumer then reports a conflict, not a failure.
A conflict raised while the task runs is answered the same way at once, for it cannot reach
ZPublisher: the JSON API's error handler would answer it as a 200 error, and commit. The
work commits with the task's receipt (``TaskQueue.receipt``), which writes the task's record:
a purge, timeout or re-lease of the task committed meanwhile makes the commit conflict, so a
run whose lease is over commits nothing, whatever the clocks say (ZPublisher's retry then
finds the lease over). And if the consumer cannot tell whether the commit went through (the
database went away in the middle of it), the failure it reports finds the receipt, and the
task is done, not run again.
"""

import time

import transaction
from bika.lims import api as capi
from senaite.core.permissions import ManageBika
from senaite.queue import api
from senaite.queue import protocol
from senaite.queue.consumer.consume import consume
from senaite.queue.consumer.errors import ContextMissingError
from senaite.queue.consumer.errors import NoAdapterError
from senaite.queue.consumer.errors import ProcessError
from senaite.queue.consumer.processor import process_task
from senaite.queue.routing.answers import summary
from senaite.queue.routing.payload import RouteError
from senaite.queue.routing.payload import get_attempt
from senaite.queue.routing.payload import get_task_uid
from senaite.queue.routing.router import RouteTable
from senaite.queue.routing.router import fail
from senaite.queue.routing.router import get_user_id
from senaite.queue.routing.router import may_retry
from senaite.queue.server import dispatch
from transaction.interfaces import TransientError
from ZODB.utils import oid_repr

# How long ``process`` waits for this ZEO client to see the lease the server just committed
LEASE_WAIT_SECONDS = 5
LEASE_POLL_SECONDS = 0.01
# The HTTP status of each reason a task's run commits nothing
PROCESS_ERRORS = {
    ContextMissingError: 422,
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
    task_uid = get_task_uid(payload, task_uid)
    task = get_leased_task(task_uid, get_attempt(payload))
    if task.username != get_user_id():
        raise RouteError(403, "Task {} runs as {}, not as {}".format(
            task_uid, task.username, get_user_id()))
    try:
        wait = run_task(task, request)
        # The fence: the work commits only if the lease is still current at the commit,
        # and a failure reported for this attempt later finds the receipt
        dispatch.receipt(api.get_task_queue(), task_uid, task.attempt)
        if not may_retry(request):
            transaction.commit()
    except TransientError as exc:
        transaction.abort()
        answer = fail(request, 503, "")
        answer.update(conflict=True, message=describe_conflict(exc))
        return answer
    # ``wait``: the seconds the consumer waits before its next task (``consumer.pacing``)
    return summary(protocol.PROCESS, payload,
                   message="Processed: {}".format(task.short_uid), wait=round(wait, 3))


def run_task(task, request):
    """``process_task``; its refusals as ``RouteError``, with their HTTP status."""
    try:
        return process_task(task, request)
    except ProcessError as exc:
        raise RouteError(PROCESS_ERRORS[type(exc)], "{}".format(exc))


class ConsumerRoutes(object):
    """Route provider of the consumers (plone.jsonapi.core ``IRouteProvider``)."""

    routes = ROUTES.routes
