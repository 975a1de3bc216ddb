# -*- coding: utf-8 -*-
"""Is the queue there, and may work be queued: the site's queue, the Queue Server, the
queue's status, the database it is stored in."""

from bika.lims import api as capi
from senaite.queue import settings
from senaite.queue.client import health
from senaite.queue.interfaces import IQueueUtility
from senaite.queue.interfaces import ISenaiteQueueLayer
from senaite.queue.interfaces import ITaskQueue
from ZEO.Exceptions import ClientDisconnected
from ZODB.POSException import POSError
from zope.component import queryUtility

READY = "ready"
RESUMING = "resuming"
DISABLED = "disabled"


def is_installed():
    """Whether senaite.queue is installed in the current site."""
    return ISenaiteQueueLayer.providedBy(capi.get_request())


def get_queue():
    """The queue as 1.x's ``get_queue`` gave it: its queue utility (``IQueueUtility``, a
    facade over this API), or None when senaite.queue is not installed."""
    if get_task_queue() is None:
        return None
    return queryUtility(IQueueUtility)


def get_task_queue():
    """The site's persistent queue (the engine), or None when senaite.queue is not
    installed: for the queue server's and the consumers' routes."""
    return queryUtility(ITaskQueue)


def installed_queue():
    """The site's persistent queue; ``ValueError`` when senaite.queue is not installed."""
    queue = get_task_queue()
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
    queue = get_task_queue()
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


def database_problem():
    """Why the site's database cannot be read now (its ZEO server is not connected, or a
    read of the queue fails), or None when it can."""
    queue = get_task_queue()
    if queue is None:
        return "senaite.queue is not installed in this site"
    connection = queue._p_jar
    is_connected = getattr(connection.db().storage, "is_connected", None)
    if is_connected is not None and not is_connected():
        return "The database server is not connected"
    try:
        len(queue)
    except (ClientDisconnected, POSError) as exc:
        return "The database cannot be read: {}: {}".format(type(exc).__name__, exc)
    return None
