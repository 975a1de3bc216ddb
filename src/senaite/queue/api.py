# -*- coding: utf-8 -*-
"""Public Python API of senaite.queue.

Tasks are written to the site's queue in the caller's transaction: a task exists if and only
if the change that asked for it is committed.
"""

from bika.lims import api as capi
from senaite.queue import settings
from senaite.queue.client import health
from senaite.queue.core.task import Task
from senaite.queue.interfaces import IQueuedTaskAdapter
from senaite.queue.interfaces import ISenaiteQueueLayer
from senaite.queue.interfaces import ITaskQueue
from zope.component import queryAdapter
from zope.component import queryUtility

READY = "ready"
RESUMING = "resuming"
DISABLED = "disabled"

GENERIC_ACTION_TASK = "task_generic_action"
ACTION_TASK_PREFIX = "task_action_"
ASSIGN_TASK = "task_assign_analyses"
REINDEX_SECURITY_TASK = "task_reindex_object_security"


def is_installed():
    """Whether senaite.queue is installed in the current site."""
    return ISenaiteQueueLayer.providedBy(capi.get_request())


def get_queue():
    """The site's persistent queue, or None when senaite.queue is not installed."""
    return queryUtility(ITaskQueue)


def get_server_url():
    """The normalized URL of the queue server's site, or None."""
    return settings.get_server_url()


def get_site_url():
    """The normalized URL of the current site, as this request reaches it."""
    return settings.normalize_url(capi.get_portal().absolute_url())


def is_queue_server():
    """Whether this process serves the site at the configured Queue Server URL."""
    server_url = get_server_url()
    return bool(server_url) and server_url == get_site_url()


def server_answers(server_url):
    """Whether the queue server answers; checked at most every few seconds."""
    return health.check(server_url).answers


def server_silent_since(server_url):
    """Since when (epoch seconds) the queue server has not answered this process, or None
    while it answers; checked as ``server_answers``."""
    return health.check(server_url).silent_since


def get_queue_status(name_or_action=None):
    """``ready``, ``resuming`` (no new tasks, the queued ones still run) or ``disabled``.

    It depends on the installation, the Queue Server setting and the chunk size, never on
    whether the server answers: while it does not, tasks are still queued and their objects
    stay locked, and they run when it is back. ``name_or_action`` is accepted for
    compatibility and not used.
    """
    if not is_installed():
        return DISABLED
    server_url = get_server_url()
    queue = get_queue()
    if not server_url or queue is None:
        return DISABLED
    if settings.get_chunk_size() > 0:
        return READY
    return DISABLED if queue.is_empty() else RESUMING


def is_queue_enabled(name_or_action=None):
    """Whether queued objects are locked: the queue is ready or resuming."""
    return get_queue_status(name_or_action) in (READY, RESUMING)


def is_queue_ready(name_or_action=None):
    """Whether the current user's work may be queued now.

    Tasks run as the user who queued them, so users the site cannot authenticate (Zope root
    users, such as the ``admin`` of a buildout) have their work done synchronously.
    """
    if get_queue_status(name_or_action) != READY:
        return False
    return is_site_user(capi.get_current_user().getId())


def is_site_user(user_id):
    """Whether the site's user folder knows the user: tasks can run as it."""
    return bool(user_id) and capi.get_portal().acl_users.getUserById(user_id) is not None


def is_queued(brain_object_uid, status=None):
    """Whether a queued or running task (or one of ``status``) works on the object."""
    if not is_queue_enabled():
        return False
    return get_queue().is_queued(capi.get_uid(brain_object_uid), status=status)


def new_task(name, context, **kw):
    """A task for ``context`` with the settings' defaults; not queued yet."""
    values = {
        "min_seconds": settings.get_min_seconds(),
        "max_seconds": settings.get_max_seconds(),
        "retries": settings.get_max_retries(),
        "chunk_size": settings.get_chunk_size(),
        "username": capi.get_current_user().getId() or "",
    }
    for key in ("task_uid", "status", "error_message", "attempt", "started",
                "consumer_id", "finished"):
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
    queue = get_queue()
    if queue is None:
        raise ValueError("senaite.queue is not installed in this site")
    context = capi.get_object(context)
    if queryAdapter(context, IQueuedTaskAdapter, name=name) is None:
        if not name.startswith(ACTION_TASK_PREFIX):
            raise ValueError("No IQueuedTaskAdapter for task '{}' and context '{}'".format(
                name, capi.get_path(context)))
        kw.setdefault("action", name[len(ACTION_TASK_PREFIX):])
        kw.setdefault("uids", [capi.get_uid(context)])
        return add_task(GENERIC_ACTION_TASK, context, **kw)
    task = new_task(name, context, **kw)
    return queue.add(task, top_priority=settings.get_top_priority())


def add_copy(source_task, **kw):
    """Queue a copy of a task (a new task uid) with the given fields changed."""
    data = source_task.to_dict() if isinstance(source_task, Task) else dict(source_task)
    data.update(kw)
    name = data.pop("name")
    context = data.pop("context", None) or capi.get_object_by_uid(data["context_uid"])
    for key in ("context_uid", "context_path"):
        data.pop(key, None)
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


def add_reindex_obj_security_task(brain_object_uid, **kw):
    """Queue the re-index of the security of an object and everything below it."""
    obj = capi.get_object(brain_object_uid)
    kw.setdefault("chunk_size", 10)
    kw.setdefault("priority", 50)
    kw.setdefault("ghost", True)
    return add_task(REINDEX_SECURITY_TASK, obj, uids=[capi.get_uid(obj)], **kw)
