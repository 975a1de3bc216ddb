# -*- coding: utf-8 -*-
"""The names the rooms of senaite.queue and the processes of a cluster share.

The queue server and the consumers answer JSON routes below senaite.jsonapi's ``@@API``. A
process that calls another one sends a token in ``TOKEN_HEADER``, valid for one HTTP method
on one route path (``route_path``). Every route name, every route pattern with values in it,
the route each outcome of a task is reported to, and every key the queue sets on a request
are declared here, and nowhere else.
"""

import re

# The prefix of senaite.jsonapi's routes, and where its API view answers below a site
ROUTER_PREFIX = "/senaite/v1"
API_PATH = "@@API" + ROUTER_PREFIX

TOKEN_HEADER = "X-Queue-Auth-Token"

# The two groups of routes: the queue server's and every consumer's
SERVER = "queue_server"
CONSUMER = "queue_consumer"
GROUPS = (SERVER, CONSUMER)

# The queue server's routes
TASKS = "queue_server/tasks"
TASKS_BY_STATUS = "queue_server/tasks/<string:status>"
DIFF = "queue_server/diff"
UIDS = "queue_server/uids"
UIDS_BY_STATUS = "queue_server/uids/<string:status>"
SEARCH = "queue_server/search"
TASK = "queue_server/<string:task_uid>"
ADD = "queue_server/add"
POP = "queue_server/pop"
DONE = "queue_server/done"
FAIL = "queue_server/fail"
CONFLICT = "queue_server/conflict"
TIMEOUT = "queue_server/timeout"
REPORT = "queue_server/report"
REQUEUE = "queue_server/requeue"
REQUEUE_TASK = "queue_server/requeue/<string:task_uid>"
DELETE = "queue_server/delete"
STATUS = "queue_server/status"
SERVER_OTHER = "queue_server/<path:path>"

# The consumers' routes
CONSUME = "queue_consumer/consume"
PROCESS = "queue_consumer/process"
PROCESS_TASK = "queue_consumer/process/<string:task_uid>"

# The most tasks a consumer takes at once: its window
MAX_WINDOW_TASKS = 500
# How a task's attempt can end, as a consumer reports it (``REPORT``)
OUTCOMES = ("done", "fail", "conflict", "timeout", "release")

# Keys the queue sets on a request:
# the uid of the task a consumer processes in it (1.x's name)
CONSUMER_MARKER = "queue_tuid"
# the consumer's offer to go on with a task's rest (``consumer.pacing.GoingOn``)
GOING_ON_KEY = "senaite.queue.going_on"
# why a queue token was refused, and the user id of a valid one (the PAS plugin)
AUTH_ERROR_KEY = "senaite.queue.auth_error"
TOKEN_USER_KEY = "senaite.queue.token_user"
# in the request's environment: when its token was first checked (the PAS plugin)
FIRST_SEEN_KEY = "senaite.queue.token_first_seen"
# in the request's annotations: its lookup of queued objects (``api.get_queued_lookup``)
LOOKUP_KEY = "senaite.queue.lookup"

_VALUE = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


def fill(pattern, **values):
    """The route of a pattern with its values: ``fill(TASK, task_uid=uid)``."""
    return _VALUE.sub(lambda match: "{}".format(values[match.group(1)]), pattern)


def rule(route):
    """The rule of senaite.jsonapi's router for a route or a pattern."""
    return "{}/{}".format(ROUTER_PREFIX, route)


def route_path(route):
    """The path of a route, as a token is scoped to it: ``/queue_server/pop``."""
    return "/" + route.strip("/")


def route_url(site_url, route):
    """The URL of a route of the site at ``site_url``."""
    return "{}/{}{}".format(site_url.rstrip("/"), API_PATH, route_path(route))


def get_route(path):
    """The queue route a request path is for (e.g. ``queue_server/pop``), or None."""
    marker = "/{}/".format(API_PATH)
    if marker not in path:
        return None
    route = path.split(marker, 1)[1].strip("/")
    if route.split("/", 1)[0] not in GROUPS:
        return None
    return route
