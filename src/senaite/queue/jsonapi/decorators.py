# -*- coding: utf-8 -*-
"""The wrapper every queue route goes through.

It answers 405 for other methods (and on a process that is not the queue server, for server
routes), checks who calls, reads the payload and turns every refusal into a 4xx JSON answer
whose transaction is doomed, so nothing the route did is committed.
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
from senaite.queue.jsonapi.envelopes import error
from senaite.queue.jsonapi.payload import RouteError
from senaite.queue.jsonapi.payload import read_payload
from senaite.queue.pasplugin import AUTH_ERROR_KEY
from senaite.queue.pasplugin import TOKEN_USER_KEY
from six.moves.http_client import responses
from transaction.interfaces import TransientError
from zExceptions import Forbidden
from zExceptions import HTTPNotAcceptable
from zope.interface import alsoProvides

MANAGE_BIKA = "senaite.core: Manage Bika"
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


def get_user_id():
    user = getSecurityManager().getUser()
    return user.getId() if user is not None else None


def is_anonymous():
    return get_user_id() is None


def by_token(request):
    """Whether the caller was authenticated by a queue token."""
    user_id = get_user_id()
    return user_id is not None and request.get(TOKEN_USER_KEY) == user_id


def can_manage(permission=MANAGE_BIKA):
    return bool(getSecurityManager().checkPermission(permission, capi.get_portal()))


def check_caller(request, token, manage):
    """Refuse the caller unless it is authenticated as the route requires."""
    if is_anonymous():
        reason = request.get(AUTH_ERROR_KEY) or "Authentication required"
        raise RouteError(401, reason)
    if token and not by_token(request):
        raise RouteError(401, "This route takes a queue token only")
    permission = MANAGE_BIKA if manage is True else manage
    if permission and not can_manage(permission):
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


def queue_route(methods=("GET", "POST"), server=True, authenticated=True, token=False,
                manage=False, writes=False):
    """Wrap a route function ``func(request, payload, **path_values)``.

    ``server``: only the queue server answers. ``token``: callers must come with a queue
    token. ``manage``: callers need "Manage Bika" (``True``) or the permission it names.
    ``writes``: the route changes the queue.
    """
    def decorator(func):
        @functools.wraps(func)
        def route(context, request, **values):
            check_json_answer(request)
            try:
                if request.get("REQUEST_METHOD", "GET") not in methods:
                    raise RouteError(405, "Method not allowed; use {}".format(
                        " or ".join(methods)))
                if api.get_queue() is None:
                    # The routes answer in every site of the Zope instance
                    raise RouteError(404, "senaite.queue is not installed in this site")
                if server and not api.is_queue_server():
                    raise RouteError(405, "Not a Queue Server")
                if authenticated or token or manage:
                    check_caller(request, token, manage)
                if writes:
                    check_write(request)
                return func(request, read_payload(request), **values)
            except RouteError as exc:
                return fail(request, exc.status, exc.message)
            except errors.QueueError as exc:
                status = next(code for cls, code in ENGINE_ERRORS if isinstance(exc, cls))
                return fail(request, status, "{}".format(exc))
            except TransientError:
                return fail(request, 503, "Conflicting writes, try again")
            except Exception as exc:
                logger.exception("Route {} failed".format(func.__name__))
                return fail(request, 500, "{}: {}".format(type(exc).__name__, exc))
        return route
    return decorator
