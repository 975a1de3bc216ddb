# -*- coding: utf-8 -*-
"""Declaring the queue's JSON routes, and what every call of one goes through.

``RouteTable.route`` declares a route next to its function: its paths, its methods and who
may call it. plone.jsonapi.core's router (senaite.jsonapi's ``@@API``) reads the table through
an ``IRouteProvider`` utility. A call answers 405 for other methods (and, for a server route,
on a process that is not the queue server), checks who calls, reads the payload and turns
every refusal into a 4xx JSON answer whose transaction is doomed, so nothing the route did is
committed.
"""

import functools

import transaction
from AccessControl import getSecurityManager
from bika.lims import api as capi
from plone.protect.authenticator import check as check_csrf
from plone.protect.interfaces import IDisableCSRFProtection
from senaite.queue import api
from senaite.queue import logger
from senaite.queue.core import errors
from senaite.queue import protocol
from senaite.queue.routing.answers import error
from senaite.queue.routing.payload import RouteError
from senaite.queue.routing.payload import read_payload
from six.moves.http_client import responses
from transaction.interfaces import TransientError
from zExceptions import Forbidden
from zExceptions import HTTPNotAcceptable
from zope.interface import alsoProvides

REASONS = dict(responses, **{422: "Unprocessable Entity", 428: "Precondition Required"})
# The methods of the router's rules: None lets every method (OPTIONS, PROPFIND, ...) reach
# the route, which answers 405 itself; for a method its rule did not list, the router
# answers 200 with a traceback.
ALL_METHODS = None

ENGINE_ERRORS = (
    (errors.StaleAckError, 409),
    (errors.TaskStatusError, 412),
    (errors.TaskNotFoundError, 404),
    (errors.QueueError, 400),
)


def engine_status(exc):
    """The HTTP status of an error of the engine."""
    return next(code for cls, code in ENGINE_ERRORS if isinstance(exc, cls))


class RouteTable(object):
    """The routes of one role (the queue server's, the consumers'), as plone.jsonapi.core's
    router reads them from an ``IRouteProvider``: ``routes``, a list of rules."""

    def __init__(self, endpoint_prefix):
        self.endpoint_prefix = endpoint_prefix
        self.routes = []

    def add(self, route, endpoint, view):
        """Answer ``route`` (e.g. ``protocol.TASKS_BY_STATUS``) with
        ``view(context, request, **path_values)``."""
        self.routes.append((protocol.rule(route),
                            "{}.{}".format(self.endpoint_prefix, endpoint),
                            view, {"methods": ALL_METHODS}))

    def route(self, *routes, **policy):
        """Declare the route of ``func(request, payload, **path_values)``.

        ``routes`` are route names (``protocol.POP``), each with the last segment as
        its endpoint, or (route name, endpoint) pairs. ``policy`` says who may call it and
        how, see ``route_view``.
        """
        def decorator(func):
            view = route_view(func, **policy)
            for route in routes:
                if not isinstance(route, tuple):
                    route = (route, route.rsplit("/", 1)[-1])
                self.add(route[0], route[1], view)
            return view
        return decorator


def route_view(func, methods=("GET", "POST"), permission=None, token=False, writes=False,
               server=True, authenticated=True):
    """The view that answers a route with ``func(request, payload, **path_values)``.

    ``methods``: the HTTP methods it answers. ``permission``: the name of the permission
    callers need on the site. ``token``: callers must come with a queue token. ``writes``:
    the route changes the queue, so the request must not be one a browser could be tricked
    into sending. ``server``: only the queue server answers. ``authenticated``: anonymous
    callers are refused. A conflict raised inside ``func`` is answered 503 at once: the
    JSON API's error handler around every route would answer it as a 200 error, and the
    request's transaction would commit.
    """
    @functools.wraps(func)
    def view(context, request, **values):
        check_json_answer(request)
        try:
            if request.get("REQUEST_METHOD", "GET") not in methods:
                raise RouteError(405, "Method not allowed; use {}".format(" or ".join(methods)))
            if not api.is_installed():
                # The routes answer in every site of the Zope instance
                raise RouteError(404, "senaite.queue is not installed in this site")
            if server and not api.is_queue_server():
                raise RouteError(405, "Not a Queue Server")
            if authenticated or token or permission:
                check_caller(request, token, permission)
            if writes:
                check_write(request)
            return func(request, read_payload(request), **values)
        except RouteError as exc:
            return fail(request, exc.status, exc.message)
        except errors.QueueError as exc:
            return fail(request, engine_status(exc), "{}".format(exc))
        except TransientError:
            return fail(request, 503, "Conflicting writes, try again")
        except Exception as exc:
            logger.exception("Route {} failed".format(func.__name__))
            return fail(request, 500, "{}: {}".format(type(exc).__name__, exc))
    return view


def may_retry(request):
    """Whether ZPublisher will run the request again after a conflict."""
    return request.retry_count < getattr(request, "retry_max_count", 0)


def get_user_id():
    user = getSecurityManager().getUser()
    return user.getId() if user is not None else None


def is_anonymous():
    return get_user_id() is None


def by_token(request):
    """Whether the caller was authenticated by a queue token."""
    user_id = get_user_id()
    return user_id is not None and request.get(protocol.TOKEN_USER_KEY) == user_id


def has_permission(permission):
    """Whether the caller has the permission (a name) on the site."""
    return bool(getSecurityManager().checkPermission(permission, capi.get_portal()))


def check_caller(request, token, permission):
    """Refuse the caller unless it is authenticated as the route requires."""
    if is_anonymous():
        reason = request.get(protocol.AUTH_ERROR_KEY) or "Authentication required"
        raise RouteError(401, reason)
    if token and not by_token(request):
        raise RouteError(401, "This route takes a queue token only")
    if permission and not has_permission(permission):
        raise RouteError(403, "Not allowed: requires '{}'".format(permission))


def check_write(request):
    """Refuse a write that a browser could have been tricked into sending.

    Writes come with a queue token, plone.protect's CSRF token (``X-CSRF-TOKEN``), or a JSON
    body (``Content-Type: application/json``), which no cross-site form can send.
    """
    content_type = (request.getHeader("Content-Type") or "").split(";")[0].strip().lower()
    if not by_token(request) and content_type != "application/json":
        try:
            check_csrf(request)
        except Forbidden:
            raise RouteError(403, "Send JSON (Content-Type: application/json) or a CSRF "
                                  "token (X-CSRF-TOKEN header)")
    alsoProvides(request, IDisableCSRFProtection)


class NotAcceptable(HTTPNotAcceptable):
    """406; Zope sets a response's status from the name of the exception's class."""


def check_json_answer(request):
    """Refuse (406, before anything is done) a request for the answer as a zip file.

    plone.jsonapi.core's @@API renders the answer of ``?asbinary=1`` or ``Accept:
    application/zip`` as the file whose path the route returns, which a queue route does
    not: it would fail with a 500 after the route did its work.
    """
    if request.form.get("asbinary", False) or \
            request.getHeader("Accept") == "application/zip":
        raise NotAcceptable("Queue routes answer JSON only")


def fail(request, status, message):
    """Doom the transaction and answer ``status`` with ``message``."""
    transaction.doom()
    request.response.setStatus(status)
    return error(status, "{} - {}".format(REASONS.get(status, "Error"), message))
