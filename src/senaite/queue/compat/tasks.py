# -*- coding: utf-8 -*-
"""The task helpers of senaite.queue 1.x, for add-ons written for it (public as
``senaite.queue.queue``).

A task reaches a 1.x add-on as 1.x's ``QueueTask``: a ``dict`` of its fields and extra
keys, with 1.x's properties. It is a copy: writing to it changes that dict only, never the
task the queue stores, which stays the engine's validated ``core.task.Task``. Every helper
here delegates to ``senaite.queue.api``, the settings or that record: there is no queue here.
"""

import six
from bika.lims import api as capi
from senaite.queue import settings
from senaite.queue.adapters.tasks.chunks import get_chunks
from senaite.queue.adapters.tasks.chunks import get_chunks_for
from senaite.queue.api.tasks import task_defaults
from senaite.queue.core.task import FIELDS
from senaite.queue.core.task import Task
from senaite.queue.core.task import is_uid

__all__ = ("QueueTask", "new_task", "to_task", "is_task", "get_task_uid",
           "get_min_seconds", "get_max_seconds", "get_max_retries", "get_chunk_size",
           "get_chunks", "get_chunks_for")

_MISSING = object()
# The keys without which 1.x's ``to_task`` makes no task
REQUIRED_KEYS = ("name", "context_uid", "context_path")
# The keys every task of 1.x carries; the other fields only when they are set
BASE_KEYS = ("task_uid", "name", "context_uid", "context_path", "uids", "created", "status",
             "error_message", "min_seconds", "max_seconds", "priority", "retries", "unique",
             "chunk_size", "username")
# What a field a task does not carry reads as, as an attribute
UNSET = dict((name, default() if default else None)
             for name, _, default in FIELDS if name not in BASE_KEYS)
# 1.x's keyword arguments that name no field of the task
NOT_FIELDS = ("request", "context")


def carried(task):
    """``(key, value)`` of what a stored task carries: 1.x's keys, the fields that are set,
    and the extra keys."""
    for key, value in task.to_dict().items():
        if key in BASE_KEYS or key not in UNSET or value not in (None, False):
            yield key, value


class QueueTask(dict):
    """A task as senaite.queue 1.x handed it to add-ons: a ``dict`` of its fields and extra
    keys (``json.dumps`` takes it), with 1.x's properties.

    ``QueueTask(name, request, context, **kw)`` makes a new one as 1.x did: the context is
    an object, or its UID with ``context_path``; the fields not given take the settings'
    values, the user is ``username``, else the request's authenticated user, else the current
    user. Bad values raise ``InvalidTaskError`` naming the field.

    Writing to it, as a dict or through ``retries`` and ``username``, changes this copy only.
    """

    __hash__ = None

    def __init__(self, name, request, context, *args, **kw):
        values = task_defaults()
        values.update(dict(*args, **kw))
        for key in NOT_FIELDS:
            values.pop(key, None)
        if isinstance(context, six.string_types) and is_uid(context):
            if not values.get("context_path"):
                raise ValueError("context_path is missing for the context {}".format(context))
            values["context_uid"] = context
        elif capi.is_object(context):
            values.update(context_uid=capi.get_uid(context), context_path=capi.get_path(context))
        else:
            raise TypeError("No valid context object: {!r}".format(context))
        values["username"] = kw.get("username") or get_user_id(request) or values["username"]
        values["name"] = name
        super(QueueTask, self).__init__(carried(Task.from_dict(values)))

    @classmethod
    def of(cls, task):
        """The ``QueueTask`` of a stored task (a ``core.task.Task``); None stays None."""
        if task is None:
            return None
        copy = dict.__new__(cls)
        dict.update(copy, carried(task))
        return copy

    def __getattr__(self, name):
        """Fields as attributes: ``task.action``, ``task.attempt``; unset ones read as None
        (False or 0 for ``ghost``, ``delay``, ``attempt`` and ``conflicts``)."""
        if name in BASE_KEYS or name in UNSET:
            return self.get(name, UNSET.get(name))
        raise AttributeError(name)

    def __setattr__(self, name, value):
        if name in BASE_KEYS or name in UNSET:
            self[name] = value
        else:
            super(QueueTask, self).__setattr__(name, value)

    @property
    def task_short_uid(self):
        return self["task_uid"][:9]

    short_uid = task_short_uid

    @property
    def request(self):
        """The current request: where a consumer runs the task, the consumer's request,
        logged in as the task's user."""
        return capi.get_request()

    def get_context(self):
        """The task's context object; ``APIError`` when it is gone."""
        return capi.get_object_by_uid(self["context_uid"])

    def __eq__(self, other):
        """Two tasks are equal when they have the same task uid, as in 1.x."""
        if isinstance(other, (QueueTask, Task)):
            return self.get("task_uid") == other.get("task_uid")
        return dict.__eq__(self, other)

    def __ne__(self, other):
        return not self == other

    def __repr__(self):
        return "<QueueTask {} {} {} status={}>".format(
            self.task_short_uid, self.get("name"), self.get("context_path"), self.get("status"))


def get_user_id(request):
    """The id of the request's authenticated user, as 1.x read it; None without one."""
    user = request.get("AUTHENTICATED_USER") if request is not None else None
    if isinstance(user, six.string_types):
        return user or None
    return user.getId() if user is not None and hasattr(user, "getId") else None


def new_task(name, context, **kw):
    """A ``QueueTask`` ``name`` for ``context`` (an object, or its UID with
    ``context_path``), with the settings' defaults; not queued yet. The runtime fields
    (``task_uid``, ``status``, ``error_message``...) are not taken from ``kw``."""
    if isinstance(context, six.string_types) and not is_uid(context):
        raise TypeError("No valid context object: {!r}".format(context))
    for key in ("task_uid", "status", "error_message", "attempt", "started", "consumer_id",
                "finished", "conflicts", "conflict_since"):
        kw.pop(key, None)
    return QueueTask(name, capi.get_request(), context, **kw)


def to_task(data):
    """The ``QueueTask`` of a task's dict or JSON form; None when it has no name,
    context_uid or context_path."""
    if not isinstance(data, dict) or not all(data.get(key) for key in REQUIRED_KEYS):
        return None
    return QueueTask.of(Task.from_dict(data))


def is_task(value):
    """Whether ``value`` is a task: a ``QueueTask``, or a task of the API."""
    return isinstance(value, (QueueTask, Task))


def get_task_uid(task_or_uid, default=_MISSING):
    """The task uid of a task, of a task's dict, or a task uid itself.

    ``ValueError`` for anything else, unless a ``default`` is given.
    """
    value = task_or_uid
    if isinstance(value, (Task, dict)):
        value = value.get("task_uid")
    if is_uid(value, allow_portal=False):
        return value
    if default is not _MISSING:
        return default
    raise ValueError("{!r} is not supported".format(task_or_uid))


def get_min_seconds(default=3):
    """The minimum seconds a task holds its transaction (setting ``min_seconds_task``);
    ``default`` when the site has no such record."""
    return settings.get("min_seconds_task", missing=default)


def get_max_seconds(default=120):
    """The seconds a task may run before it times out (setting ``max_seconds_unlock``);
    ``default`` when the site has no such record."""
    return settings.get("max_seconds_unlock", missing=default)


def get_max_retries(default=3):
    """How often a failed task is tried again (setting ``max_retries``; 0: never);
    ``default`` when the site has no such record."""
    return settings.get("max_retries", missing=default)


def get_chunk_size(name_or_action=None):
    """Items a task processes per run (setting ``default``; 0: the queue is off).
    ``name_or_action`` is accepted as 1.x did, and ignored."""
    return max(settings.get_chunk_size(), 0)
