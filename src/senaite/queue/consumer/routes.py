# -*- coding: utf-8 -*-
"""The consumer's JSON routes: ``@@API/senaite/v1/queue_consumer/...``.

``process`` runs a task leased to this consumer, as the task's user, in the request's
transaction: any failure dooms it, so nothing partial is committed, and a ConflictError at
commit makes ZPublisher retry the whole request. The transaction also holds the task's lease
(``TaskQueue.hold``): if the lease was timed out, purged or the task deleted meanwhile, the
commit conflicts and the retry finds the attempt over, so nothing is committed.
"""

import time

import transaction
from senaite.queue import api
from senaite.queue.consumer.consume import consume
from senaite.queue.consumer.processor import process_task
from senaite.queue.jsonapi.decorators import ALL_METHODS
from senaite.queue.jsonapi.decorators import get_user_id
from senaite.queue.jsonapi.decorators import queue_route
from senaite.queue.jsonapi.envelopes import summary
from senaite.queue.jsonapi.payload import RouteError
from senaite.queue.jsonapi.payload import get_attempt
from senaite.queue.jsonapi.payload import get_task_uid

# How long ``process`` waits for this ZEO client to see the lease the server just committed
LEASE_WAIT_SECONDS = 5
LEASE_POLL_SECONDS = 0.01


@queue_route(server=False, manage=True)
def consume_route(request, payload):
    return summary("queue_consumer/consume", payload, message=consume(request))


def get_leased_task(task_uid, attempt):
    """The task, once this connection sees it running with that attempt."""
    deadline = time.time() + LEASE_WAIT_SECONDS
    while True:
        task = api.get_queue().get_task(task_uid)
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


@queue_route(methods=("POST", ), server=False, token=True, writes=True)
def process(request, payload, task_uid=None):
    task_uid = get_task_uid(payload, task_uid)
    task = get_leased_task(task_uid, get_attempt(payload))
    if task.username != get_user_id():
        raise RouteError(403, "Task {} runs as {}, not as {}".format(
            task_uid, task.username, get_user_id()))
    # The work commits only if the lease still holds then: a worker that gave up on this
    # attempt (its time limit) has reported a timeout, and the task may run again already
    api.get_queue().hold(task_uid, task.attempt)
    process_task(task, request)
    return summary("queue_consumer/process", payload,
                   message="Processed: {}".format(task.short_uid))


def rule(path, endpoint, view):
    return ("/senaite/v1/queue_consumer{}".format(path),
            "senaite.queue.consumer.{}".format(endpoint), view, {"methods": ALL_METHODS})


class ConsumerRoutes(object):
    """Route provider of the consumers (plone.jsonapi.core ``IRouteProvider``)."""

    routes = [
        rule("/consume", "consume", consume_route),
        rule("/process", "process", process),
        rule("/process/<string:task_uid>", "process_task", process),
    ]
