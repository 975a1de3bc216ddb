# -*- coding: utf-8 -*-
"""The queue's settings: registry records under the prefix ``senaite.queue``.

This module is the one place that reads them. Every getter returns a value within the bounds
of its field, falling back to the field's default when the record is missing or out of range.
"""

from plone.registry.interfaces import IRegistry
from senaite.queue import messageFactory as _
from senaite.queue.protocol import MAX_WINDOW_TASKS
from six.moves.urllib.parse import urlsplit
from zope import schema
from zope.component import queryUtility
from zope.interface import Interface
from zope.interface import Invalid

PREFIX = "senaite.queue"
# ``get``'s default: the field's own default
_FIELD_DEFAULT = object()

DEFAULT_TOP_PRIORITY = [
    "task_action_unassign",
    "task_assign_analyses",
    "task_action_submit",
    "task_action_verify",
]


def normalize_url(value, site=True):
    """``scheme://host:port/path`` of a site URL, or ``ValueError`` saying what is wrong.

    With ``site=False`` the URL may have no path (a server's base URL).

    Scheme and host are lower-cased, the port made explicit and trailing slashes dropped, so
    two spellings of one URL compare equal.
    """
    parts = urlsplit((value or u"").strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ValueError(_(u"The URL must start with http:// or https://"))
    try:
        host, port = parts.hostname, parts.port
        # Python 2 gives None for a port out of range: as if there were none
        port_text = parts.netloc.rsplit("@", 1)[-1].rsplit("]", 1)[-1].partition(":")[2]
        if port_text and not port:
            raise ValueError(port_text)
    except ValueError:
        raise ValueError(_(u"The URL has an invalid port"))
    if not host:
        raise ValueError(_(u"The URL has no host name"))
    if parts.query or parts.fragment:
        raise ValueError(_(u"The URL must not have a query or a fragment"))
    path = parts.path.rstrip("/")
    if site and not path:
        raise ValueError(_(
            u"The URL must end with the id of the site, e.g. http://localhost:8090/senaite"))
    if ":" in host:
        host = u"[{}]".format(host)
    port = port or (443 if scheme == "https" else 80)
    return u"{}://{}:{}{}".format(scheme, host, port, path)


def check_server_url(value):
    """Constraint of the ``server`` field."""
    if value:
        try:
            normalize_url(value)
        except ValueError as exc:
            raise Invalid(exc.args[0])
    return True


class IQueueControlPanel(Interface):
    """Site Setup > Queue Settings."""

    server = schema.TextLine(
        title=_(u"Queue Server"),
        description=_(
            u"URL of the SENAITE site on the ZEO client that acts as queue server, site id "
            u"included, e.g. http://localhost:8090/senaite. Leave it empty to disable the "
            u"queue: every action then runs synchronously."),
        required=False,
        default=u"",
        constraint=check_server_url,
    )

    default = schema.Int(
        title=_(u"Chunk size"),
        description=_(
            u"Number of objects a task processes at once; the rest goes to a follow-up "
            u"task. 0 stops queueing new tasks: the queued ones are still processed."),
        min=0,
        max=20,
        default=10,
        required=True,
    )

    max_retries = schema.Int(
        title=_(u"Maximum retries"),
        description=_(
            u"How many times a failed task is queued again, with half its chunk size, "
            u"before it is kept as failed. 0 means no retry."),
        min=0,
        max=10,
        default=3,
        required=True,
    )

    min_seconds_task = schema.Int(
        title=_(u"Minimum seconds per task"),
        description=_(
            u"The window of a consumer: it fills this time with tasks, one after the "
            u"other, and commits them at once. Users' requests still win conflicts with "
            u"it: a window that loses one is run again later, without spending retries, "
            u"and its consumer yields for a while. 0 ends a window only at its bound of "
            u"tasks."),
        min=0,
        max=30,
        default=3,
        required=True,
    )

    window_tasks = schema.Int(
        title=_(u"Tasks per window"),
        description=_(
            u"How many tasks a consumer takes at once to fill its window. Each runs as "
            u"the user who queued it, and a task that fails is rolled back alone. 0 or 1 "
            u"runs one task per transaction, which holds it for the minimum seconds, as "
            u"senaite.queue 1.x did."),
        min=0,
        max=MAX_WINDOW_TASKS,
        default=50,
        required=True,
    )

    max_seconds_unlock = schema.Int(
        title=_(u"Maximum seconds per task"),
        description=_(
            u"Time a consumer may hold a task. After it, the task counts as timed out and "
            u"is queued again, with 1.5 times this time."),
        min=30,
        max=1800,
        default=120,
        required=True,
    )

    max_seconds_conflicts = schema.Int(
        title=_(u"Maximum seconds of conflicts"),
        description=_(
            u"A task that loses a write conflict to users' requests is not failed: it "
            u"waits a little and goes on with a smaller chunk, without spending its "
            u"retries. It fails only when it keeps losing conflicts for this long."),
        min=60,
        max=86400,
        default=600,
        required=True,
    )

    fill_min_seconds = schema.Bool(
        title=_(u"Fill the minimum seconds with work"),
        description=_(
            u"A task whose chunk is done before its minimum seconds goes on with the next "
            u"objects of its rest, and commits once. Turn it off to have tasks wait "
            u"instead, as senaite.queue 1.x did."),
        default=True,
        required=False,
    )

    max_consumers = schema.Int(
        title=_(u"Maximum consumers"),
        description=_(u"How many consumers may work on tasks at the same time."),
        min=1,
        max=16,
        default=4,
        required=True,
    )

    sample_actions_threshold = schema.Int(
        title=_(u"Bulk sample transitions queued above"),
        description=_(
            u"A transition of more samples than this, from the samples listings (e.g. "
            u"receive, cancel, invalidate), is queued; fewer run at once, as without the "
            u"queue."),
        min=1,
        max=1000,
        default=10,
        required=True,
    )

    sample_create_threshold = schema.Int(
        title=_(u"Sample creation queued above"),
        description=_(
            u"When the Add Sample form is saved with more columns than this, the samples "
            u"are created in background, one task per column; fewer are created at once."),
        min=1,
        max=1000,
        default=10,
        required=True,
    )

    top_priority_tasks = schema.List(
        title=_(u"Top-priority tasks"),
        description=_(
            u"Task names (or workflow actions) processed before any other task, in this "
            u"order. One per line."),
        value_type=schema.ASCIILine(),
        default=list(DEFAULT_TOP_PRIORITY),
        required=False,
    )


def get(name, missing=_FIELD_DEFAULT):
    """Value of the setting ``name``, within the bounds of its field; ``missing``, when
    given, if the site has no such record."""
    field = IQueueControlPanel[name]
    registry = queryUtility(IRegistry)
    value = None
    if registry is not None:
        value = registry.get("{}.{}".format(PREFIX, name))
    if value is None:
        return field.default if missing is _FIELD_DEFAULT else missing
    try:
        field.validate(value)
    except Invalid:
        # ValidationError, and what a constraint raises (a stored record keeps no constraint)
        return field.default
    return value


def get_server_url():
    """The normalized Queue Server URL, or None when it is not set or not valid."""
    try:
        return normalize_url(get("server"))
    except ValueError:
        return None


def get_chunk_size():
    return get("default")


def get_max_retries():
    return get("max_retries")


def get_min_seconds():
    return get("min_seconds_task")


def get_max_seconds():
    return get("max_seconds_unlock")


def get_max_seconds_conflicts():
    return get("max_seconds_conflicts")


def get_window_tasks():
    return get("window_tasks")


def get_fill_min_seconds():
    return bool(get("fill_min_seconds"))


def get_max_consumers():
    return get("max_consumers")


def get_sample_actions_threshold():
    return get("sample_actions_threshold")


def get_sample_create_threshold():
    return get("sample_create_threshold")


def get_top_priority():
    return list(get("top_priority_tasks") or [])
