# -*- coding: utf-8 -*-
"""The wire protocol between the processes of a queue cluster.

The queue server and the consumers answer JSON routes below senaite.jsonapi's ``@@API``. A
process that calls another one sends a token in ``TOKEN_HEADER``, valid for one HTTP method
on one route path (``route_path``). The client, the server's and the consumers' routes and
the PAS plugin take these names from here.
"""

# The prefix of senaite.jsonapi's routes, and where its API view answers below a site
ROUTER_PREFIX = "/senaite/v1"
API_PATH = "@@API" + ROUTER_PREFIX

TOKEN_HEADER = "X-Queue-Auth-Token"

# The two groups of routes: the queue server's and every consumer's
SERVER = "queue_server"
CONSUMER = "queue_consumer"
GROUPS = (SERVER, CONSUMER)

# The routes the processes call on each other
STATUS = SERVER + "/status"
POP = SERVER + "/pop"
DONE = SERVER + "/done"
FAIL = SERVER + "/fail"
TIMEOUT = SERVER + "/timeout"
CONFLICT = SERVER + "/conflict"
PROCESS = CONSUMER + "/process"


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
