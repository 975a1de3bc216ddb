# -*- coding: utf-8 -*-
"""Reading and checking what a caller sent to a queue route.

Every reader raises ``RouteError`` with a 4xx status and a message that says what is wrong.
"""

import json

import six
from senaite.queue.core.task import FALSE_STRINGS
from senaite.queue.core.task import GHOST
from senaite.queue.core.task import STATUSES
from senaite.queue.core.task import TRUE_STRINGS
from senaite.queue.core.task import is_uid

# Largest request body a queue route reads (a list of a few hundred tasks)
MAX_BODY_BYTES = 1024 * 1024
# Deepest nesting of lists and objects a body may have (a task is two levels deep)
MAX_DEPTH = 32


class RouteError(Exception):
    """Answer the request with ``status`` and ``message``; nothing is changed."""

    def __init__(self, status, message):
        self.status = status
        self.message = message
        super(RouteError, self).__init__(message)


def read_payload(request):
    """The JSON body of the request (or its form, when it has no body)."""
    body = request.get("BODY") or b""
    if len(body) > MAX_BODY_BYTES:
        raise RouteError(413, "Request body larger than {} bytes".format(MAX_BODY_BYTES))
    if not body.strip():
        return dict(request.form)
    try:
        data = json.loads(body, parse_constant=_not_a_number, parse_float=_finite_float)
    except (ValueError, UnicodeDecodeError):
        raise RouteError(400, "Request body is not valid JSON")
    except RuntimeError:
        # The parser recursed too deep
        raise RouteError(400, "Request body is nested deeper than {} levels".format(MAX_DEPTH))
    if not isinstance(data, (dict, list)):
        raise RouteError(400, "Request body must be a JSON object or list")
    check_depth(data)
    return data


def _not_a_number(name):
    raise ValueError("{} is not a JSON number".format(name))


def _finite_float(text):
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError("{} is out of range".format(text))
    return value


def check_depth(data, max_depth=MAX_DEPTH):
    """Refuse a body nested deeper than ``max_depth`` (deep values exhaust the stack later)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > max_depth:
            raise RouteError(400, "Request body is nested deeper than {} levels".format(
                max_depth))
        if isinstance(value, dict):
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)


def as_dict(payload):
    if not isinstance(payload, dict):
        raise RouteError(400, "Request body must be a JSON object")
    return payload


def get_task_uid(payload, value=None):
    """The task uid of the path (``value``) or of the payload key ``task_uid``; 412 (as
    1.x answered) when it is missing or not a task uid."""
    if value is None:
        value = as_dict(payload).get("task_uid")
    if value is None:
        raise RouteError(412, "Missing 'task_uid'")
    if not is_uid(value, allow_portal=False):
        raise RouteError(412, "Invalid task uid: {}".format(shorten(value)))
    return str(value)


def get_task_uids(payload, key="uids"):
    """The list of task uids of the payload key ``key`` (empty when missing)."""
    value = as_dict(payload).get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise RouteError(400, "'{}' must be a list of task uids".format(key))
    for item in value:
        if not is_uid(item, allow_portal=False):
            raise RouteError(400, "Invalid task uid in '{}': {}".format(key, shorten(item)))
    return [str(item) for item in value]


def get_object_uid(payload, key="uid"):
    value = as_dict(payload).get(key)
    if value is None:
        raise RouteError(400, "Missing '{}'".format(key))
    if not is_uid(value):
        raise RouteError(400, "Invalid object uid: {}".format(shorten(value)))
    return str(value)


def get_attempt(payload):
    value = as_dict(payload).get("attempt")
    if isinstance(value, bool) or not isinstance(value, six.integer_types) or value < 1:
        raise RouteError(400, "'attempt' must be a positive integer, got {}".format(
            shorten(value)))
    return value


def get_leases(payload, key, max_items):
    """The list of the payload key ``key``: between 1 and ``max_items`` objects, each with
    the ``task_uid`` and ``attempt`` of a lease, no task twice; the objects as they are."""
    value = as_dict(payload).get(key)
    if not isinstance(value, list) or not 0 < len(value) <= max_items:
        raise RouteError(400, "'{}' must be a list of 1 to {} leases".format(key, max_items))
    seen = set()
    for item in value:
        task_uid = get_task_uid(item)
        get_attempt(item)
        if task_uid in seen:
            raise RouteError(400, "Task {} is twice in '{}'".format(task_uid, key))
        seen.add(task_uid)
    return value


def get_text(payload, key, required=False, max_length=10000):
    value = as_dict(payload).get(key)
    if value is None:
        if required:
            raise RouteError(400, "Missing '{}'".format(key))
        return None
    if not isinstance(value, six.string_types):
        raise RouteError(400, "'{}' must be a string, got {}".format(key, shorten(value)))
    if len(value) > max_length:
        raise RouteError(400, "'{}' is longer than {} characters".format(key, max_length))
    return six.ensure_str(value) if isinstance(value, six.text_type) else value


def get_bool(payload, key, default=False):
    value = as_dict(payload).get(key, default)
    if isinstance(value, bool):
        return value
    if isinstance(value, six.string_types) and value.lower() in TRUE_STRINGS:
        return True
    if isinstance(value, six.string_types) and value.lower() in FALSE_STRINGS:
        return False
    raise RouteError(400, "'{}' must be true or false, got {}".format(key, shorten(value)))


def get_number(payload, key, default=None):
    value = as_dict(payload).get(key, default)
    if value is None:
        return default
    if isinstance(value, six.string_types):
        try:
            value = float(value)
        except ValueError:
            pass
    if isinstance(value, bool) or not isinstance(value, six.integer_types + (float,)):
        raise RouteError(400, "'{}' must be a number, got {}".format(key, shorten(value)))
    return value


def get_statuses(payload, path_status=None, default=("queued", "running")):
    """The statuses asked for, by path or by the payload key ``status``."""
    value = path_status if path_status is not None else as_dict(payload).get("status")
    if value is None or value == []:
        return list(default)
    if isinstance(value, six.string_types):
        value = [value]
    if not isinstance(value, list) or not all(
            isinstance(item, six.string_types) for item in value):
        raise RouteError(400, "'status' must be a status or a list of them")
    known = STATUSES + (GHOST,)
    for item in value:
        if item not in known:
            raise RouteError(400, "Unknown status {}; expected some of {}".format(
                shorten(item), ", ".join(known)))
    return [str(item) for item in value]


def shorten(value):
    """The repr of a value, for a message: at most 80 characters."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
