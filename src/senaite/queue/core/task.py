# -*- coding: utf-8 -*-
"""The task record: fields, defaults, validation and JSON in/out.

A ``Task`` is a plain value object. It is validated when it is built, so an
instance always holds clean values: native ``str`` for text, ``int`` for
counts, ``float`` for epoch times. ``to_dict()`` gives a JSON-serialisable
dict and ``Task.from_dict()`` rebuilds an equal task from it. Keys that are not
fields are kept verbatim in ``extra`` (they must be JSON values).
"""
from __future__ import absolute_import

import binascii
import copy
import json
import math
import os
import re
import time

import six

from senaite.queue.core.errors import InvalidTaskError

QUEUED = "queued"
RUNNING = "running"
FAILED = "failed"
STATUSES = (QUEUED, RUNNING, FAILED)
# Not a status: asked for with statuses, it counts ghost tasks in
GHOST = "ghost"

# Fallbacks when the caller (who reads the settings) passes nothing
DEFAULT_MIN_SECONDS = 3
DEFAULT_MAX_SECONDS = 120
DEFAULT_PRIORITY = 10
DEFAULT_RETRIES = 3
DEFAULT_CHUNK_SIZE = 10
MAX_MIN_SECONDS = 30

PORTAL_UID = "0"
UID_RE = re.compile(r"\A[0-9a-f]{32}\Z")
# The words a boolean may be given as (lower-cased)
TRUE_STRINGS = ("y", "yes", "1", "true", "on")
FALSE_STRINGS = ("n", "no", "0", "false", "off", "")


def new_uid():
    """Return a random task uid: 32 lowercase hex characters."""
    return six.ensure_str(binascii.hexlify(os.urandom(16)))


def is_uid(value, allow_portal=True):
    """Whether value is an object/task UID (or "0", the portal's UID)."""
    if not isinstance(value, six.string_types):
        return False
    if allow_portal and value == PORTAL_UID:
        return True
    return bool(UID_RE.match(value))


def path_segment(path):
    """Return the 3rd component of a physical path, or "" if it has none.

    ``/senaite/worksheets/WS-1`` gives ``WS-1`` and
    ``/senaite/clients/client-1/W-0001`` gives ``client-1``.
    """
    parts = [part for part in (path or "").split("/") if part]
    return parts[2] if len(parts) > 2 else ""


def _type_name(value):
    return type(value).__name__


def _text(field, value, required=False):
    """Native str from text or utf-8 bytes; None stays None unless required.
    """
    if value is None:
        if required:
            raise InvalidTaskError(field, "is required")
        return None
    if isinstance(value, six.binary_type):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidTaskError(field, "is not valid utf-8")
    if not isinstance(value, six.text_type):
        raise InvalidTaskError(field, "expected a string, got {!r} ({})"
                               .format(value, _type_name(value)))
    if required and not value.strip():
        raise InvalidTaskError(field, "is required (got an empty string)")
    return six.ensure_str(value)


def _int(field, value, minimum=None, maximum=None):
    """An int (integral floats are accepted; bools and strings are not)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, six.integer_types):
        raise InvalidTaskError(field, "expected an integer, got {!r} ({})"
                               .format(value, _type_name(value)))
    if minimum is not None and value < minimum:
        raise InvalidTaskError(field, "must be >= {}, got {}".format(
            minimum, value))
    if maximum is not None and value > maximum:
        raise InvalidTaskError(field, "must be <= {}, got {}".format(
            maximum, value))
    return int(value)


def _time(field, value, required=False):
    """An epoch time as float (None allowed unless required)."""
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(
            value, six.integer_types + (float,)):
        raise InvalidTaskError(field, "expected epoch seconds, got {!r} ({})"
                               .format(value, _type_name(value)))
    value = float(value)
    if math.isnan(value) or math.isinf(value) or value < 0:
        raise InvalidTaskError(field, "must be a finite time >= 0, got {}"
                               .format(value))
    return value


def _bool(field, value):
    """A bool; also 0/1 and the strings y/yes/1/true/on (n/no/0/false/off)."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, six.integer_types) and value in (0, 1):
        return bool(value)
    if isinstance(value, (six.text_type, six.binary_type)):
        text = _text(field, value).strip().lower()
        if text in TRUE_STRINGS:
            return True
        if text in FALSE_STRINGS:
            return False
    raise InvalidTaskError(field, "expected a boolean, got {!r}".format(value))


def _uid(field, value, required=False, allow_portal=True):
    value = _text(field, value, required=required)
    if value is None:
        return None
    if not is_uid(value, allow_portal=allow_portal):
        raise InvalidTaskError(field, "expected a UID (32 lowercase hex "
                               "characters{}), got {!r}".format(
                                   ' or "0"' if allow_portal else "", value))
    return value


def _uid_list(field, value):
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        raise InvalidTaskError(field, "expected a list of UIDs, got {!r} ({})"
                               .format(value, _type_name(value)))
    return [_uid("{}[{}]".format(field, i), item, required=True)
            for i, item in enumerate(value)]


def _scalar_list(field, value):
    """A list of JSON scalars (e.g. worksheet slots), or None."""
    if value is None:
        return None
    if not isinstance(value, (list, tuple)):
        raise InvalidTaskError(field, "expected a list, got {!r} ({})"
                               .format(value, _type_name(value)))
    items = []
    for i, item in enumerate(value):
        name = "{}[{}]".format(field, i)
        if isinstance(item, (six.text_type, six.binary_type)):
            item = _text(name, item)
        elif not (item is None or isinstance(
                item, six.integer_types + (float, bool))):
            raise InvalidTaskError(name, "expected a number, string or "
                                   "null, got {!r}".format(item))
        items.append(item)
    return items


def _path(field, value):
    value = _text(field, value, required=True)
    if not value.startswith("/"):
        raise InvalidTaskError(field, "expected an absolute physical path "
                               "starting with '/', got {!r}".format(value))
    return value


def _status(field, value):
    if value is None:
        return None
    value = _text(field, value)
    if value not in STATUSES:
        raise InvalidTaskError(field, "expected one of {} or null, got {!r}"
                               .format(", ".join(STATUSES), value))
    return value


def _extra(field, value):
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        raise InvalidTaskError(field, "extra keys must hold JSON values, got "
                               "{!r}".format(value))
    return copy.deepcopy(value)


# field -> (cleaner(field, value), default factory)
FIELDS = (
    ("task_uid", lambda f, v: _uid(f, v, allow_portal=False), new_uid),
    ("name", lambda f, v: _text(f, v, required=True), None),
    ("context_uid", lambda f, v: _uid(f, v, required=True), None),
    ("context_path", _path, None),
    ("uids", _uid_list, list),
    ("created", lambda f, v: _time(f, v, required=True), time.time),
    ("status", _status, None),
    ("error_message", _text, None),
    ("min_seconds", lambda f, v: _int(f, v, 0, MAX_MIN_SECONDS),
     lambda: DEFAULT_MIN_SECONDS),
    ("max_seconds", lambda f, v: _int(f, v, 1), lambda: DEFAULT_MAX_SECONDS),
    ("priority", _int, lambda: DEFAULT_PRIORITY),
    ("retries", lambda f, v: _int(f, v, 0), lambda: DEFAULT_RETRIES),
    ("unique", _bool, bool),
    ("chunk_size", lambda f, v: _int(f, v, 0), lambda: DEFAULT_CHUNK_SIZE),
    ("username", lambda f, v: _text(f, v) or "", str),
    ("action", _text, None),
    ("slots", _scalar_list, None),
    ("ghost", _bool, bool),
    ("delay", lambda f, v: _int(f, v, 0), int),
    ("top_uid", _uid, None),
    ("attempt", lambda f, v: _int(f, v, 0), int),
    ("started", _time, None),
    ("consumer_id", _text, None),
    ("finished", _time, None),
    ("conflicts", lambda f, v: _int(f, v, 0), int),
    ("conflict_since", _time, None),
)
FIELD_NAMES = tuple(name for name, _, _ in FIELDS)
# Fields the queue sets as a task goes through it: a caller never chooses them
RUNTIME_FIELDS = ("task_uid", "status", "error_message", "attempt", "started",
                  "consumer_id", "finished", "conflicts", "conflict_since")


class Task(object):
    """A validated queue task.

    Fields are attributes; keys that are not fields live in ``extra``. Missing
    fields take the engine's defaults; the Plone side passes the settings'
    values (min_seconds, max_seconds, retries, chunk_size) explicitly.
    Raises ``InvalidTaskError`` naming the field and the reason.
    """

    __hash__ = None

    def __init__(self, name=None, context_uid=None, context_path=None,
                 **fields):
        fields.update(name=name, context_uid=context_uid,
                      context_path=context_path)
        self._load(fields)

    @classmethod
    def from_dict(cls, data):
        """Build a task from its dict/JSON form (``to_dict`` output)."""
        if not isinstance(data, dict):
            raise InvalidTaskError("task", "expected a dict, got {!r}"
                                   .format(data))
        task = cls.__new__(cls)
        task._load(data)
        return task

    def _load(self, data):
        data = dict(data)
        for field, clean, default in FIELDS:
            value = data.pop(field, None)
            if value is None and default is not None:
                value = default()
            setattr(self, field, clean(field, value))
        extra = {}
        for key, value in data.items():
            if not isinstance(key, (six.text_type, six.binary_type)):
                raise InvalidTaskError(repr(key), "keys must be strings")
            key = _text(repr(key), key)
            extra[key] = _extra(key, value)
        self.extra = extra

    def to_dict(self):
        """A JSON-serialisable dict with every field and extra key."""
        data = copy.deepcopy(self.extra)
        for field in FIELD_NAMES:
            data[field] = copy.copy(getattr(self, field))
        return data

    def get(self, key, default=None):
        """The value of a field or extra key."""
        if key in FIELD_NAMES:
            return getattr(self, key)
        return self.extra.get(key, default)

    @property
    def short_uid(self):
        return self.task_uid[:9]

    @property
    def segment(self):
        """The 3rd component of context_path (see ``path_segment``)."""
        return path_segment(self.context_path)

    def __eq__(self, other):
        if not isinstance(other, Task):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    def __ne__(self, other):
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __repr__(self):
        return "<Task {} {} {} status={}>".format(
            self.short_uid, self.name, self.context_path, self.status)
