# -*- coding: utf-8 -*-
"""The task helpers of senaite.queue 1.x, for add-ons written for it (public as
``senaite.queue.queue``).

Tasks are built, read and split here as 1.x did; every one of these helpers delegates to
``senaite.queue.api``, the settings or the engine's task record: there is no queue here.
"""

import six
from bika.lims import api as capi
from senaite.queue import api
from senaite.queue import settings
from senaite.queue.adapters.tasks.chunks import get_chunks
from senaite.queue.adapters.tasks.chunks import get_chunks_for
from senaite.queue.core.task import Task
from senaite.queue.core.task import is_uid

__all__ = ("QueueTask", "new_task", "to_task", "is_task", "get_task_uid",
           "get_min_seconds", "get_max_seconds", "get_max_retries", "get_chunk_size",
           "get_chunks", "get_chunks_for")

# 1.x's name of the task class: a task reads as a mapping of its fields
QueueTask = Task

_MISSING = object()
# The keys without which 1.x's ``to_task`` makes no task
REQUIRED_KEYS = ("name", "context_uid", "context_path")


def new_task(name, context, **kw):
    """A task ``name`` for ``context`` (an object, or its UID with ``context_path``), with
    the settings' defaults; not queued yet."""
    if isinstance(context, six.string_types):
        if not is_uid(context) or not kw.get("context_path"):
            raise TypeError("A UID as context needs context_path: {!r}".format(context))
        context = capi.get_object_by_uid(context)
    elif not capi.is_object(context):
        raise TypeError("{!r} is not an object".format(context))
    return api.new_task(name, context, **kw)


def to_task(data):
    """The task of a task's dict or JSON form; None when it has no name, context_uid or
    context_path."""
    if not isinstance(data, dict) or not all(data.get(key) for key in REQUIRED_KEYS):
        return None
    return Task.from_dict(data)


def is_task(value):
    """Whether ``value`` is a task."""
    return isinstance(value, Task)


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
