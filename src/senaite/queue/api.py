# -*- coding: utf-8 -*-
"""Public Python API of senaite.queue: the one door from the Plone side into the queue.

Views, workflow-action adapters, guards, listings, viewlets, subscribers and task adapters
reach the site's queue through these functions only. Every write (add, requeue, delete) is
done in the caller's transaction: a task exists if and only if the change that asked for it
is committed.
"""

import transaction
from bika.lims import api as capi
from senaite.queue import settings
from senaite.queue.client import health
from senaite.queue.core.task import RUNNING
from senaite.queue.core.task import RUNTIME_FIELDS
from senaite.queue.core.task import Task
from senaite.queue.core.task import is_uid
from senaite.queue.interfaces import IQueuedTaskAdapter
from senaite.queue.interfaces import ISenaiteQueueLayer
from senaite.queue.interfaces import ITaskQueue
from senaite.queue.server import dispatch
from zope.annotation.interfaces import IAnnotations
from zope.component import queryAdapter
from zope.component import queryUtility

READY = "ready"
RESUMING = "resuming"
DISABLED = "disabled"

GENERIC_ACTION_TASK = "task_generic_action"
CREATE_SAMPLE_TASK = "task_create_sample"
ACTION_TASK_PREFIX = "task_action_"
ASSIGN_TASK = "task_assign_analyses"
REINDEX_SECURITY_TASK = "task_reindex_object_security"

# The request key a consumer marks its request with: the uid of the task it processes
CONSUMER_MARKER = "queue_tuid"
# The request annotation that holds the request's QueuedLookup
LOOKUP_KEY = "senaite.queue.lookup"


def is_installed():
    """Whether senaite.queue is installed in the current site."""
    return ISenaiteQueueLayer.providedBy(capi.get_request())


def get_queue():
    """The site's persistent queue, or None when senaite.queue is not installed."""
    return queryUtility(ITaskQueue)


def _installed_queue():
    """The site's persistent queue; ``ValueError`` when senaite.queue is not installed."""
    queue = get_queue()
    if queue is None:
        raise ValueError("senaite.queue is not installed in this site")
    return queue


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
    stay locked, and they run when it is back. ``name_or_action`` is accepted so that code
    written for 1.x keeps working; it is ignored: the status is the same for every task.
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


def queues_sample_transition(count):
    """Whether a bulk transition of ``count`` samples from a samples listing is queued:
    the queue is ready for this request and ``count`` is above the setting's threshold."""
    return count > settings.get_sample_actions_threshold() and can_queue()


def queues_sample_creation(columns):
    """Whether the Add Sample form's ``columns`` are created in background: the queue is
    ready for this request and ``columns`` is above the setting's threshold."""
    return columns > settings.get_sample_create_threshold() and can_queue()


def is_site_user(user_id):
    """Whether the site's user folder knows the user: tasks can run as it."""
    return bool(user_id) and capi.get_portal().acl_users.getUserById(user_id) is not None


def is_queued(brain_object_uid, status=None):
    """Whether a queued or running task (or one of ``status``) works on the object.

    To ask about many objects, e.g. the rows of a listing, use ``get_queued_lookup``.
    """
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
    queue = _installed_queue()
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
    return _changed(dispatch.add(_installed_queue(), task))


def _copy_values(source_task, kw):
    """(name, context, values) of a copy of ``source_task`` with ``kw`` changed."""
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


# -- reading the queue --------------------------------------------------------------------

def get_task(task_uid):
    """A copy of the task, or None."""
    queue = get_queue()
    return queue.get_task(task_uid) if queue is not None else None


def get_tasks(status=None):
    """Copies of the tasks with the given status(es): queued and running by default, in
    pop order for queued ones; ghost tasks only when "ghost" is among the statuses."""
    queue = get_queue()
    return queue.get_tasks(status) if queue is not None else []


def get_tasks_for(brain_object_uid, name=None, status=None):
    """Copies of the tasks that work on the object (as context or among their uids),
    optionally of one name; statuses as ``get_tasks``."""
    queue = get_queue()
    if queue is None:
        return []
    return queue.get_tasks_for(capi.get_uid(brain_object_uid), name=name, status=status)


def get_uids(status=None):
    """The UIDs of the objects the tasks with the given status(es) work on."""
    queue = get_queue()
    return queue.get_uids(status) if queue is not None else []


def search(status=None, **query):
    """Copies of the tasks (statuses as ``get_tasks``) whose fields equal every ``query``
    value; ``uid`` matches the tasks that work on that object."""
    queue = get_queue()
    return queue.search(status, **query) if queue is not None else []


def get_statistics(now=None):
    """The queue's counts and what a status page shows (oldest queued task, consumers,
    leases, tasks done in the last hour), or None when senaite.queue is not installed."""
    queue = get_queue()
    return queue.statistics(now) if queue is not None else None


class QueuedLookup(object):
    """Whether the queue works on objects, for many objects at once (``obj in lookup``).

    The queue's status is read once, when the lookup is made; each object then costs one
    look into the queue's object index. As a boolean, False when the queue is not enabled
    or holds no task: no object is queued then.
    """

    def __init__(self, queue):
        self.queue = queue

    def __bool__(self):
        return self.queue is not None

    __nonzero__ = __bool__

    def __contains__(self, brain_object_uid):
        """Whether a queued or running task works on the object (a brain, object or UID)."""
        if self.queue is None:
            return False
        return self.queue.is_queued(capi.get_uid(brain_object_uid))

    def any(self, items):
        """Whether the queue works on any of the objects."""
        return any(item in self for item in items)

    def count(self, items):
        """On how many of the objects the queue works."""
        return len([item for item in items if item in self])


def get_queued_lookup():
    """The ``QueuedLookup`` of the current request, for listings, guards and viewlets that
    ask about many objects.

    It is made once per transaction of the request; a write of this API (add, requeue,
    delete) makes the next call read the queue's status again.
    """
    current = transaction.get()
    annotations = _request_annotations()
    cached = annotations.get(LOOKUP_KEY)
    if cached is not None and cached[0] is current:
        return cached[1]
    queue = get_queue() if is_queue_enabled() else None
    if queue is not None and queue.is_empty():
        queue = None
    lookup = QueuedLookup(queue)
    annotations[LOOKUP_KEY] = (current, lookup)
    return lookup


def _request_annotations():
    """The annotations of the current request; a throwaway dict without one."""
    request = capi.get_request()
    annotations = IAnnotations(request, None) if request is not None else None
    return annotations if annotations is not None else {}


def _changed(result):
    """Forget the request's lookup after a write of the queue; return ``result``."""
    _request_annotations().pop(LOOKUP_KEY, None)
    return result


# -- managing tasks -----------------------------------------------------------------------

def requeue_task(task_uid):
    """Queue a queued or failed task again, with the retries of the settings; the task.

    Done in the caller's transaction, wherever it is asked for (the monitor's button, the
    JSON route). A running task is refused with ``TaskStatusError``: a consumer may be
    working on it. A pop of the same task writes the same task record, so when the two
    run at once only one transaction commits; the other conflicts, and its retry sees the
    outcome of the first. ``TaskNotFoundError`` for an unknown task.
    """
    return _changed(dispatch.requeue(_installed_queue(), task_uid))


def delete_task(task_uid, running=None):
    """Remove a queued or failed task from the queue; the task, with status None.

    A running task is refused with ``TaskStatusError``, as ``requeue_task`` refuses it;
    ``running`` is accepted for code written for earlier versions, and ignored.
    Transaction and concurrency as ``requeue_task``.
    """
    return _changed(dispatch.delete(_installed_queue(), task_uid))


def pop_task(consumer_id):
    """Lease the next task to the consumer, in the caller's transaction; or None."""
    return _changed(dispatch.pop(_installed_queue(), consumer_id))


def done_task(task_uid, attempt):
    """The lease ``attempt`` of a running task is done: the task leaves the queue.
    ``StaleAckError`` when the attempt is not the current one."""
    return _changed(dispatch.done(_installed_queue(), task_uid, attempt))


def fail_task(task_uid, attempt, error_message=None):
    """The lease ``attempt`` of a running task failed: queued again or failed."""
    return _changed(dispatch.fail(_installed_queue(), task_uid, attempt, error_message))


def timeout_task(task_uid, attempt):
    """The lease ``attempt`` of a running task timed out: as ``fail_task``."""
    return _changed(dispatch.timeout(_installed_queue(), task_uid, attempt))


def purge_tasks():
    """Time out the running tasks whose lease expired; those tasks."""
    return _changed(dispatch.purge(_installed_queue()))


def get_secret(site=None):
    """The key the processes of the cluster sign their calls with, kept by the queue of
    ``site`` (the current site by default); None when senaite.queue is not installed."""
    if site is None:
        queue = get_queue()
    else:
        queue = site.getSiteManager().queryUtility(ITaskQueue)
    return queue.get_secret() if queue is not None else None


def rotate_secret():
    """Replace the key the processes of the cluster sign their calls with."""
    _installed_queue().rotate_secret()


# -- the consumer's own requests ----------------------------------------------------------

def get_running_task(request=None):
    """The running task a consumer processes in this request, or None.

    The consumer marks its request with the task's uid (``CONSUMER_MARKER``). Form values
    end up in the same place, so the mark alone proves nothing: it counts only when it
    names a task that is running now, as the current user.
    """
    request = request if request is not None else capi.get_request()
    if request is None:
        return None
    task_uid = request.get(CONSUMER_MARKER)
    if not is_uid(task_uid, allow_portal=False):
        return None
    task = get_task(task_uid)
    if task is None or task.status != RUNNING:
        return None
    user_id = capi.get_current_user().getId() or ""
    if task.username and task.username != user_id:
        return None
    return task


def is_consumer_run(request=None):
    """Whether a consumer is processing a task in this request."""
    return get_running_task(request) is not None


def can_queue(request=None):
    """Whether new work may be queued from this request: the queue is ready for the
    current user, and the request is not a consumer's (a consumer does the work itself,
    and the guards let it through)."""
    return is_queue_ready() and not is_consumer_run(request)
