# -*- coding: utf-8 -*-
"""Queueing work: whether new work may be queued from this request, and building and
queueing tasks. A task is added in the caller's transaction (``server.dispatch.add``)."""

from bika.lims import api as capi
from senaite.queue import settings
from senaite.queue.api.lookups import forget_lookup
from senaite.queue.api.lookups import is_consumer_run
from senaite.queue.api.status import installed_queue
from senaite.queue.api.status import is_queue_ready
from senaite.queue.core.task import RUNTIME_FIELDS
from senaite.queue.core.task import Task
from senaite.queue.interfaces import IQueuedTaskAdapter
from senaite.queue.server import dispatch
from zope.component import queryAdapter

GENERIC_ACTION_TASK = "task_generic_action"
CREATE_SAMPLE_TASK = "task_create_sample"
ACTION_TASK_PREFIX = "task_action_"
ASSIGN_TASK = "task_assign_analyses"
REINDEX_SECURITY_TASK = "task_reindex_object_security"


def can_queue(request=None):
    """Whether new work may be queued from this request: the queue is ready for the
    current user, and the request is not a consumer's (a consumer does the work itself,
    and the guards let it through)."""
    return is_queue_ready() and not is_consumer_run(request)


def queues_sample_transition(count):
    """Whether a bulk transition of ``count`` samples from a samples listing is queued:
    the queue is ready for this request and ``count`` is above the setting's threshold."""
    return count > settings.get_sample_actions_threshold() and can_queue()


def queues_sample_creation(columns):
    """Whether the Add Sample form's ``columns`` are created in background: the queue is
    ready for this request and ``columns`` is above the setting's threshold."""
    return columns > settings.get_sample_create_threshold() and can_queue()


def task_defaults():
    """The fields a new task takes from the settings, and the current user."""
    return {
        "min_seconds": settings.get_min_seconds(),
        "max_seconds": settings.get_max_seconds(),
        "retries": settings.get_max_retries(),
        "chunk_size": settings.get_chunk_size(),
        "username": capi.get_current_user().getId() or "",
    }


def new_task(name, context, **kw):
    """A task for ``context`` with the settings' defaults; not queued yet."""
    values = task_defaults()
    for key in RUNTIME_FIELDS:
        kw.pop(key, None)
    values.update(kw)
    values.update(
        name=name,
        context_uid=capi.get_uid(context),
        context_path=capi.get_path(context))
    return Task(**values)


def add_task(name, context, **kw):
    """Queue a task ``name`` for ``context``; the added task, or None if ignored.

    A ``task_action_<action>`` name without an adapter of its own is queued as a generic
    action task. Raises ``ValueError`` when no adapter can process the task.
    """
    installed_queue()  # ValueError when senaite.queue is not installed
    context = capi.get_object(context)
    if queryAdapter(context, IQueuedTaskAdapter, name=name) is None:
        if not name.startswith(ACTION_TASK_PREFIX):
            raise ValueError("No IQueuedTaskAdapter for task '{}' and context '{}'".format(
                name, capi.get_path(context)))
        kw.setdefault("action", name[len(ACTION_TASK_PREFIX):])
        kw.setdefault("uids", [capi.get_uid(context)])
        return add_task(GENERIC_ACTION_TASK, context, **kw)
    return add(new_task(name, context, **kw))


def add(task):
    """Queue a task made by ``new_task``; the added task, or None if ignored (its uid is
    queued already, or it is ``unique`` and a task of its name and context is queued)."""
    return forget_lookup(dispatch.add(installed_queue(), task))


def _copy_values(source_task, kw):
    """(name, context, values) of a copy of ``source_task`` with ``kw`` changed; a copy
    has a task uid of its own, so ``task_uid`` is refused."""
    if "task_uid" in kw:
        raise ValueError("A copy of a task gets a task uid of its own: task_uid cannot be set")
    data = source_task.to_dict() if isinstance(source_task, Task) else dict(source_task)
    data.update(kw)
    name = data.pop("name")
    context = data.pop("context", None) or capi.get_object_by_uid(data["context_uid"])
    for key in ("context_uid", "context_path"):
        data.pop(key, None)
    return name, context, data


def new_copy(source_task, **kw):
    """A copy of a task (a new task uid) with the given fields changed; not queued."""
    name, context, data = _copy_values(source_task, kw)
    return new_task(name, context, **data)


def add_copy(source_task, **kw):
    """Queue a copy of a task (a new task uid) with the given fields changed."""
    name, context, data = _copy_values(source_task, kw)
    return add_task(name, context, **data)


def _uids(brain_object_uid):
    if not isinstance(brain_object_uid, (list, tuple)):
        brain_object_uid = [brain_object_uid]
    uids = []
    for item in brain_object_uid:
        uid = capi.get_uid(item) if item else None
        if uid and uid not in uids:
            uids.append(uid)
    return uids


def add_action_task(brain_object_uid, action, context=None, **kw):
    """Queue the workflow ``action`` for the objects; None when there are none."""
    uids = _uids(brain_object_uid)
    if not uids:
        return None
    context = context or capi.get_portal()
    if action == "assign" and capi.get_portal_type(context) == "Worksheet":
        return add_assign_task(context, analyses=uids)
    name = "{}{}".format(ACTION_TASK_PREFIX, action)
    return add_task(name, context, action=action, uids=uids, **kw)


def add_assign_task(worksheet, analyses, slots=None, **kw):
    """Queue the assignment of analyses to a worksheet, in the given slots."""
    return add_task(ASSIGN_TASK, worksheet, uids=_uids(analyses), slots=slots or [], **kw)


def add_create_sample_task(client, record, batch, column, **kw):
    """Queue the creation of the samples of one column of the Add Sample form.

    ``record`` holds the column's field values (JSON values), ``batch`` tells the columns
    saved together apart from others and ``column`` is the column's number in the form.
    The task does not hold its transaction (``min_seconds`` 0): what it creates is new, no
    user edits it yet, and the columns of one client run one after the other.
    """
    kw.setdefault("min_seconds", 0)
    return add_task(CREATE_SAMPLE_TASK, client, record=record, batch=batch, column=column,
                    **kw)


def add_reindex_obj_security_task(brain_object_uid, **kw):
    """Queue the re-index of the security of an object and everything below it."""
    obj = capi.get_object(brain_object_uid)
    kw.setdefault("chunk_size", 10)
    kw.setdefault("priority", 50)
    kw.setdefault("ghost", True)
    return add_task(REINDEX_SECURITY_TASK, obj, uids=[capi.get_uid(obj)], **kw)
