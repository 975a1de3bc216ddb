# -*- coding: utf-8 -*-
"""The queue server's JSON routes: ``@@API/senaite/v1/queue_server/...``.

Each route declares, next to its function, the methods it answers and who may call it.
Reading tasks needs "Manage Bika" (tasks name objects of every client). Every transition is
one function of ``server.dispatch``: the dispatch transitions (pop, the outcomes a consumer
reports, purge) run under its lock, one at a time, each in a short transaction of its own
that is retried on conflicts. ``add``, ``requeue`` and ``delete`` write in the request's
transaction, through ``senaite.queue.api`` as the monitor's buttons do; requeue and delete
need "senaite.queue: Manage queue".
"""

import time

import six
import transaction
from AccessControl import getSecurityManager
from bika.lims import api as capi
from senaite.core.permissions import ManageBika
from senaite.queue import api
from senaite.queue import protocol
from senaite.queue.core.errors import QueueError
from senaite.queue.core.task import GHOST
from senaite.queue.core.task import RUNTIME_FIELDS
from senaite.queue.core.task import STATUSES
from senaite.queue.routing.answers import summary
from senaite.queue.routing.answers import task_info
from senaite.queue.routing.answers import tasks_summary
from senaite.queue.routing.payload import RouteError
from senaite.queue.routing.payload import as_dict
from senaite.queue.routing.payload import get_attempt
from senaite.queue.routing.payload import get_bool
from senaite.queue.routing.payload import get_leases
from senaite.queue.routing.payload import get_number
from senaite.queue.routing.payload import get_object_uid
from senaite.queue.routing.payload import get_statuses
from senaite.queue.routing.payload import get_task_uid
from senaite.queue.routing.payload import get_task_uids
from senaite.queue.routing.payload import get_text
from senaite.queue.routing.payload import shorten
from senaite.queue.routing.router import RouteTable
from senaite.queue.routing.router import check_json_answer
from senaite.queue.routing.router import engine_status
from senaite.queue.routing.router import fail as answer_error
from senaite.queue.routing.router import get_user_id
from senaite.queue.routing.router import has_permission
from senaite.queue.permissions import ManageQueue
from senaite.queue.server import dispatch

ALL_STATUSES = list(STATUSES + (GHOST, ))
MIN_CONSUMER_ID_LENGTH = 4
MAX_TASKS_PER_ADD = 500
# Task fields only Managers may set through ``add``
MANAGER_KEYS = ("ghost", "created", "max_seconds", "retries")
# Keys of a task sent to ``add`` that are dropped: the queue sets them, or they name the caller
IGNORED_KEYS = RUNTIME_FIELDS + ("__zeo", )
# Names of api.add_task's own arguments: not task fields
RESERVED_KEYS = ("context", )
# What every task sent to ``add`` names (1.x answers 406 without them)
REQUIRED_KEYS = ("name", "context_uid", "context_path")
# Numbers a task field may hold (JSON's exactly representable integers): larger ones overflow
# the engine's float arithmetic (created + delay, now + max_seconds)
MAX_NUMBER = 2 ** 53
# Who may queue a task that runs as another user
RUN_AS_OTHERS_ROLE = "Manager"

POST = ("POST", )

ROUTES = RouteTable("senaite.queue.server")
route = ROUTES.route


@route(protocol.TASKS, (protocol.TASKS_BY_STATUS, "tasks_status"), permission=ManageBika)
def tasks(request, payload, status=None):
    statuses = get_statuses(payload, status)
    since = get_number(payload, "since")
    complete = get_bool(payload, "complete")
    queue = api.get_task_queue()
    items = [task for task in queue.get_tasks(statuses)
             if since is None or task.created > since]
    oldest = queue.statistics()["oldest_queued"]
    return tasks_summary(protocol.TASKS, payload, items, complete,
                         since_time=-1 if oldest is None else oldest)


@route(protocol.DIFF, permission=ManageBika)
def diff(request, payload):
    statuses = get_statuses(payload)
    known = set(get_task_uids(payload))
    complete = get_bool(payload, "complete")
    queue = api.get_task_queue()
    items = [task for task in queue.get_tasks(statuses)
             if task.task_uid not in known or task.status == "running"]
    present = set(task.task_uid for task in queue.get_tasks(statuses))
    return tasks_summary(protocol.DIFF, payload, items, complete,
                         stale=sorted(known - present), unknown=[])


@route(protocol.UIDS, (protocol.UIDS_BY_STATUS, "uids_status"), permission=ManageBika)
def uids(request, payload, status=None):
    statuses = get_statuses(payload, status)
    items = api.get_task_queue().get_uids(statuses)
    return summary(protocol.UIDS, payload, count=len(items), items=items)


@route(protocol.SEARCH, permission=ManageBika)
def search(request, payload):
    uid = get_object_uid(payload)
    name = get_text(payload, "name")
    statuses = ALL_STATUSES
    items = api.get_task_queue().get_tasks_for(uid, name=name, status=statuses)
    return tasks_summary(protocol.SEARCH, payload, items, get_bool(payload, "complete"))


@route((protocol.TASK, "get"), server=False, permission=ManageBika)
def get_task(request, payload, task_uid):
    task_uid = get_task_uid(payload, task_uid)
    task = api.get_task_queue().get_task(task_uid)
    if task is None:
        raise RouteError(404, "Task not found: {}".format(task_uid))
    data = summary(protocol.fill(protocol.TASK, task_uid=task_uid), payload)
    data.update(task_info(task, complete=True))
    return data


def may_run_as_others():
    """Whether the caller may queue tasks that run as another user.

    A task runs with its user's permissions, so naming another user is acting as them: only
    Managers, who can act as anyone already, may. "Manage Bika" is not enough: SENAITE gives
    it to lab clerks, who must not queue a task that runs as a Manager.
    """
    user = getSecurityManager().getUser()
    return bool(user.has_role(RUN_AS_OTHERS_ROLE, capi.get_portal()))


def check_numbers(data):
    """Refuse numbers (also inside lists) that the engine cannot do arithmetic with."""
    for key, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, six.integer_types + (float, )) and not isinstance(item, bool) \
                    and abs(item) > MAX_NUMBER:
                raise RouteError(400, "'{}' is out of range: {}".format(
                    six.ensure_str(key), shorten(item)))


def task_from_payload(data):
    """Name, context and fields of a task sent to ``add``."""
    if not isinstance(data, dict):
        raise RouteError(400, "A task must be a JSON object")
    data = dict((key, value) for key, value in data.items() if key not in IGNORED_KEYS)
    for key in RESERVED_KEYS:
        if key in data:
            raise RouteError(400, "'{}' is not a task field".format(key))
    check_numbers(data)
    missing = [key for key in REQUIRED_KEYS if data.get(key) in (None, "")]
    if missing:
        raise RouteError(406, "No valid task(s): missing {}".format(
            ", ".join("'{}'".format(key) for key in missing)))
    name = get_text(data, "name", required=True, max_length=200)
    context_uid = get_object_uid(data, "context_uid")
    context = capi.get_object_by_uid(context_uid, None)
    if context is None:
        raise RouteError(400, "No object with context_uid {}".format(context_uid))
    path = data.pop("context_path")
    if path != capi.get_path(context):
        raise RouteError(400, "context_path {} is not the path of {}".format(
            shorten(path), context_uid))
    if not may_run_as_others():
        # Tasks run as their user: only Managers may queue work for someone else, hide it,
        # backdate it or give it more time and retries than the settings do
        data["username"] = get_user_id()
        for key in MANAGER_KEYS:
            if key in data:
                raise RouteError(403, "Only Managers may set '{}'".format(key))
    elif not data.get("username"):
        data["username"] = get_user_id()
    for key in ("name", "context_uid"):
        data.pop(key)
    return name, context, data


@route(protocol.ADD, methods=POST, writes=True)
def add(request, payload):
    items = payload if isinstance(payload, list) else [payload]
    if not items or len(items) > MAX_TASKS_PER_ADD:
        raise RouteError(400, "Send between 1 and {} tasks".format(MAX_TASKS_PER_ADD))
    answered = []
    ignored = 0
    for name, context, fields in [task_from_payload(item) for item in items]:
        try:
            task = api.add_task(name, context, **fields)
            if task is None:
                # as 1.x: a task ignored (a duplicate) is answered as it was sent
                ignored += 1
                task = api.new_task(name, context, **fields)
        except ValueError as exc:
            raise RouteError(406, "No valid task(s): {}".format(exc))
        answered.append(task)
    return tasks_summary(protocol.ADD, as_dict(items[0]), answered, ignored=ignored)


@route(protocol.POP, methods=POST, permission=ManageBika, token=True, writes=True)
def pop(request, payload):
    consumer_id = get_consumer_id(payload)
    max_tasks = get_max_tasks(payload)
    tasks = dispatch.run(api.get_task_queue(),
                         lambda queue: dispatch.lease(queue, consumer_id, max_tasks))
    items = [task_info(task, complete=True) for task in tasks]
    return summary(protocol.POP, payload, task=items[0] if items else None, tasks=items)


def get_max_tasks(payload):
    """How many tasks the consumer takes at once (``max_tasks``, 1 when missing)."""
    value = as_dict(payload).get("max_tasks", 1)
    if isinstance(value, bool) or not isinstance(value, six.integer_types) \
            or not 0 < value <= protocol.MAX_WINDOW_TASKS:
        raise RouteError(400, "'max_tasks' must be an integer from 1 to {}, got {}".format(
            protocol.MAX_WINDOW_TASKS, shorten(value)))
    return value


def get_consumer_id(payload):
    consumer_id = get_text(payload, "consumer_id", max_length=500)
    if not consumer_id or len(consumer_id.strip()) < MIN_CONSUMER_ID_LENGTH:
        raise RouteError(428, "No valid consumer id")
    return consumer_id


def acknowledge(route, payload, message, transition, *args):
    """Apply the ack ``transition`` (a function of ``dispatch``) to the payload's task and
    attempt, with ``args``; with a ``consumer_id``, pop that consumer's next task in the same
    transaction and answer it as ``next``."""
    task_uid = get_task_uid(payload)
    attempt = get_attempt(payload)
    consumer_id = get_consumer_id(payload) if "consumer_id" in as_dict(payload) else None

    def ack(queue):
        task = transition(queue, task_uid, attempt, *args)
        if consumer_id is None:
            return task, None
        return task, dispatch.pop(queue, consumer_id)

    task, next_task = dispatch.run(api.get_task_queue(), ack)
    data = summary(route, payload, message="{}: {}".format(message, task_uid),
                   task=task_info(task))
    if consumer_id is not None:
        data["next"] = task_info(next_task, complete=True) if next_task else None
    return data


def get_outcomes(payload):
    """The outcomes of the payload's ``outcomes``: (task uid, attempt, outcome, error
    message) each."""
    outcomes = []
    for item in get_leases(payload, "outcomes", protocol.MAX_WINDOW_TASKS):
        outcome = item.get("outcome")
        if outcome not in protocol.OUTCOMES:
            raise RouteError(400, "Unknown outcome {}; expected one of {}".format(
                shorten(outcome), ", ".join(protocol.OUTCOMES)))
        outcomes.append((get_task_uid(item), get_attempt(item), outcome,
                         get_text(item, "error_message")))
    return outcomes


def apply_outcome(queue, task_uid, attempt, outcome, error_message):
    """The transition of ``dispatch`` for how the lease ``attempt`` ended."""
    if outcome == "fail":
        return dispatch.fail(queue, task_uid, attempt, error_message or "Unknown error")
    if outcome == "conflict":
        return dispatch.conflict(queue, task_uid, attempt, error_message or "ConflictError")
    transition = {"done": dispatch.done, "timeout": dispatch.timeout,
                  "release": dispatch.release}[outcome]
    return transition(queue, task_uid, attempt)


@route(protocol.REPORT, methods=POST, permission=ManageBika, token=True, writes=True)
def report(request, payload):
    """How the leases of a window ended, all in one transaction; with a ``consumer_id``,
    that consumer's next window (up to ``max_tasks``) as ``next``. A refused outcome (a
    stale attempt) is answered with ``refused``, its status and message, and changes
    nothing."""
    outcomes = get_outcomes(payload)
    consumer_id = get_consumer_id(payload) if "consumer_id" in as_dict(payload) else None
    max_tasks = get_max_tasks(payload)

    def ack(queue):
        answered = []
        for task_uid, attempt, outcome, message in outcomes:
            try:
                task = apply_outcome(queue, task_uid, attempt, outcome, message)
            except QueueError as exc:
                answered.append({"task_uid": task_uid, "attempt": attempt, "refused": True,
                                 "status": engine_status(exc), "message": "{}".format(exc)})
                continue
            answered.append(task_info(task))
        leased = dispatch.lease(queue, consumer_id, max_tasks) if consumer_id else []
        return answered, leased

    answered, leased = dispatch.run(api.get_task_queue(), ack)
    data = summary(protocol.REPORT, payload, count=len(answered), items=answered,
                   message="Reported {} outcomes".format(len(answered)))
    if consumer_id is not None:
        data["next"] = [task_info(task, complete=True) for task in leased]
    return data


@route(protocol.DONE, methods=POST, permission=ManageBika, token=True, writes=True)
def done(request, payload):
    return acknowledge(protocol.DONE, payload, "Task done", dispatch.done)


@route(protocol.FAIL, methods=POST, permission=ManageBika, token=True, writes=True)
def fail(request, payload):
    message = get_text(payload, "error_message") or "Unknown error"
    return acknowledge(protocol.FAIL, payload, "Task failed", dispatch.fail, message)


@route(protocol.CONFLICT, methods=POST, permission=ManageBika, token=True, writes=True)
def conflict(request, payload):
    message = get_text(payload, "error_message") or "ConflictError"
    return acknowledge(protocol.CONFLICT, payload, "Task lost a conflict", dispatch.conflict,
                       message)


@route(protocol.TIMEOUT, methods=POST, permission=ManageBika, token=True, writes=True)
def timeout(request, payload):
    return acknowledge(protocol.TIMEOUT, payload, "Task timed out", dispatch.timeout)


def requeue(request, payload, task_uid=None):
    task_uid = get_task_uid(payload, task_uid)
    task = api.requeue_task(task_uid)
    return summary(protocol.REQUEUE, payload,
                   message="Task re-queued: {}".format(task_uid), task=task_info(task))


route(protocol.REQUEUE, methods=POST, permission=ManageQueue, writes=True)(requeue)
# As 1.x, also a GET; still a write, so no cross-site request can make it (``check_write``)
route((protocol.REQUEUE_TASK, "requeue_task"), methods=("GET", "POST"),
      permission=ManageQueue, writes=True)(requeue)


@route(protocol.DELETE, methods=POST, permission=ManageQueue, writes=True)
def delete(request, payload):
    task_uid = get_task_uid(payload)
    task = api.delete_task(task_uid)
    return summary(protocol.DELETE, payload,
                   message="Task deleted: {}".format(task_uid), task=task_info(task))


def unknown(context, request, path=None):
    """Any other path below the queue server's routes."""
    check_json_answer(request)
    return answer_error(request, 404, "No such queue route: {}".format(
        protocol.fill(protocol.SERVER_OTHER, path=path or "")))


@route(protocol.STATUS, methods=("GET", ), server=False, authenticated=False)
def status(request, payload):
    is_server = api.is_queue_server()
    data = summary(protocol.STATUS, payload, server=is_server)
    if not has_permission(ManageBika):
        return data
    queue = api.get_task_queue()
    if is_server:
        purge_expired(queue)
    data.update(queue.statistics())
    data.update(queue_status=api.get_queue_status(), server_url=api.get_server_url())
    return data


def purge_expired(queue):
    """Time out the tasks whose lease expired, if there are any."""
    now = time.time()
    if any(lease["expires"] < now for lease in queue.statistics(now)["leases"].values()):
        dispatch.run(queue, lambda own: dispatch.purge(own, now))
        # A new transaction of the request's connection sees what the dispatch committed
        transaction.commit()


ROUTES.add(protocol.SERVER, "unknown_root", unknown)
ROUTES.add(protocol.SERVER_OTHER, "unknown", unknown)


class ServerRoutes(object):
    """Route provider of the queue server (plone.jsonapi.core ``IRouteProvider``)."""

    routes = ROUTES.routes
