# -*- coding: utf-8 -*-
"""The Queue Monitor (``queue_tasks``): the site's tasks as a senaite.app.listing view.

Rows are built from the queue itself (no catalog): running tasks first, then the queued ones
in pop order (their position in the queue), then the failed ones. Sorting is done here, on
a sort key of each column (see ``SORT_KEYS``), and paging on the sorted rows.
"""

import collections
import time
from datetime import datetime

import six
from AccessControl import getSecurityManager
from bika.lims import api as capi
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from senaite.app.listing.view import ListingView
from senaite.queue import api
from senaite.queue import messageFactory as _
from senaite.queue.core.task import FAILED
from senaite.queue.core.task import GHOST
from senaite.queue.core.task import QUEUED
from senaite.queue.core.task import RUNNING
from senaite.queue.permissions import ManageQueue
from senaite.queue.routing.answers import get_task_url

try:
    from html import escape as _escape
except ImportError:  # Python 2
    from cgi import escape as _escape

MONITOR_VIEW = "queue_tasks"
ACTIVE = "active"
ALL = "all"
REQUEUE = "queue_requeue"
REMOVE = "queue_remove"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"

STATUS_TITLES = {
    QUEUED: _("queued"),
    RUNNING: _("running"),
    FAILED: _("failed"),
}
STATUS_CLASSES = {
    QUEUED: "state-active",
    RUNNING: "state-published",
    FAILED: "state-retracted",
}


def escape(text):
    """HTML-escaped text, quotes included, as unicode (task fields are utf-8 on py2)."""
    return _escape(six.ensure_text(text or u""), True)


def link(url, text, **attrs):
    """An HTML anchor; the text and the attributes are escaped."""
    attrs = "".join(u' {}="{}"'.format(key, escape(value))
                    for key, value in sorted(attrs.items()))
    return u'<a href="{}"{}>{}</a>'.format(escape(url), attrs, escape(text))


def format_time(epoch):
    if not epoch:
        return u""
    return datetime.fromtimestamp(epoch).strftime(DATE_FORMAT)


def format_age(seconds):
    """A duration as "2 h 05 min", "3 min 20 s" or "12 s"."""
    seconds = int(max(seconds, 0))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return _("${hours} h ${minutes} min", mapping={
            "hours": hours, "minutes": "{:02d}".format(minutes)})
    if minutes:
        return _("${minutes} min ${seconds} s", mapping={
            "minutes": minutes, "seconds": "{:02d}".format(seconds)})
    return _("${seconds} s", mapping={"seconds": seconds})


def _text_key(value):
    return (value or "").lower()


# column id -> sort key of a row (a dict with the task and its position)
SORT_KEYS = {
    "task_uid": lambda row: row["task"].task_uid,
    "position": lambda row: (row["position"] == 0, row["position"]),
    "created": lambda row: row["task"].created,
    "name": lambda row: _text_key(row["task"].name),
    "context_path": lambda row: _text_key(row["task"].context_path),
    "username": lambda row: _text_key(row["task"].username),
    "status": lambda row: row["task"].status or "",
    "attempt": lambda row: (row["task"].attempt, row["task"].retries),
    "consumer_id": lambda row: _text_key(row["task"].consumer_id),
    "error_message": lambda row: _text_key(row["task"].error_message),
}
DEFAULT_SORT_ON = "position"


class QueueMonitorView(ListingView):
    """The tasks of the queue, with Requeue and Remove buttons."""

    template = ViewPageTemplateFile("templates/monitor.pt")

    def __init__(self, context, request):
        # an instance attribute: the base class would change its class-level dict
        self.contentFilter = {"sort_on": DEFAULT_SORT_ON, "sort_order": "ascending"}
        super(QueueMonitorView, self).__init__(context, request)
        self.title = _("Queue Monitor")
        self.description = _("Tasks the queue runs in the background")
        self.form_id = "queue_tasks"
        self.pagesize = 20
        self.show_select_column = True
        self.show_select_all_checkbox = True
        self.show_search = False
        self.show_categories = False
        self.show_workflow_action_buttons = True
        self.show_table_footer = True
        self.fetch_transitions_on_select = True
        self.now = time.time()

        self.columns = collections.OrderedDict((
            ("task_uid", {"title": _("Task UID"), "toggle": True}),
            ("position", {"title": _("Position"), "toggle": True}),
            ("created", {"title": _("Created"), "toggle": True}),
            ("name", {"title": _("Name"), "toggle": True}),
            ("context_path", {"title": _("Context"), "toggle": True}),
            ("username", {"title": _("Username"), "toggle": True}),
            ("status", {"title": _("Status"), "toggle": True}),
            ("attempt", {"title": _("Attempt / retries left"), "toggle": True}),
            ("consumer_id", {"title": _("Consumer"), "toggle": True}),
            ("error_message", {"title": _("Error"), "toggle": True}),
        ))
        all_columns = list(self.columns.keys())
        without_error = [key for key in all_columns if key != "error_message"]
        requeue = {"id": REQUEUE, "title": _("Requeue"),
                   "help": _("Queue the selected tasks again, with the default retries")}
        remove = {"id": REMOVE, "title": _("Remove"),
                  "help": _("Remove the selected tasks from the queue")}
        confirm = {
            REQUEUE: _("Queue the selected tasks again?"),
            REMOVE: _("Remove the selected tasks from the queue? This cannot be undone."),
        }

        def tab(tab_id, title, columns, statuses, ghosts):
            return {
                "id": tab_id,
                "title": title,
                "contentFilter": {},
                "transitions": [],
                "custom_transitions": [requeue, remove],
                "confirm_transitions": [REQUEUE, REMOVE],
                "confirm_messages": confirm,
                "columns": columns,
                "statuses": statuses,
                "ghosts": ghosts,
            }

        self.review_states = [
            tab(ACTIVE, _("Active"), without_error, (RUNNING, QUEUED), False),
            tab(FAILED, _("Failed"), all_columns, (FAILED, ), False),
            tab(ALL, _("All (+ghosts)"), all_columns, (RUNNING, QUEUED, FAILED), True),
        ]
        self.default_review_state = ACTIVE

    def update(self):
        """Without "Manage queue" (e.g. lab clerks) the monitor is read-only: no buttons,
        no selection."""
        super(QueueMonitorView, self).update()
        if not self.can_manage_queue():
            self.show_select_column = False
            for review_state in self.review_states:
                review_state["custom_transitions"] = []
                review_state["confirm_transitions"] = []

    def can_manage_queue(self):
        return bool(getSecurityManager().checkPermission(ManageQueue, capi.get_portal()))

    # -- data -------------------------------------------------------------

    def get_rows(self, statuses=(RUNNING, QUEUED, FAILED)):
        """The tasks of the statuses (ghosts included), each with its position among the
        active tasks: running ones first (in the order they started), then queued ones in pop
        order. Failed tasks have position 0. Active tasks are only read when asked for."""
        active = []
        if RUNNING in statuses or QUEUED in statuses:
            active = sorted(api.get_tasks([RUNNING, GHOST]),
                            key=lambda task: (task.started or 0, task.task_uid))
            active += api.get_tasks([QUEUED, GHOST])
        rows = [{"task": task, "position": index + 1} for index, task in enumerate(active)]
        if FAILED in statuses:
            failed = sorted(api.get_tasks([FAILED, GHOST]),
                            key=lambda task: (task.created, task.task_uid))
            rows.extend({"task": task, "position": 0} for task in failed)
        return rows

    def get_tab_rows(self):
        """The rows of the current tab, in the order asked for."""
        review_state = self.review_state
        statuses = review_state.get("statuses", (RUNNING, QUEUED))
        ghosts = review_state.get("ghosts", False)
        rows = [row for row in self.get_rows(statuses)
                if row["task"].status in statuses and (ghosts or not row["task"].ghost)]
        reverse = self.get_sort_order() == "descending"
        # sorted() is stable, also with reverse: rows with equal keys keep the queue's order
        return sorted(rows, key=SORT_KEYS[self.get_sort_on()], reverse=reverse)

    def get_sort_on(self):
        """The column to sort on; the queue position unless a known column is asked for."""
        sort_on = super(QueueMonitorView, self).get_sort_on()
        return sort_on if sort_on in SORT_KEYS else DEFAULT_SORT_ON

    def folderitems(self):
        rows = self.get_tab_rows()
        self.total = len(rows)
        start = max(self.limit_from, 0)
        # a page size below 1 shows every row
        end = start + self.pagesize if self.pagesize > 0 else len(rows)
        self.show_more = end < len(rows)
        return [self.folderitem(row["task"], self.make_empty_folderitem(), row["position"])
                for row in rows[start:end]]

    def folderitem(self, task, item, position):
        status = task.status
        item.update({
            "uid": task.task_uid,
            "id": task.short_uid,
            "title": task.name,
            "review_state": status,
            "state_class": STATUS_CLASSES.get(status, ""),
            "disabled": status == RUNNING,
            "task_uid": task.short_uid,
            "position": "{:04d}".format(position),
            "created": format_time(task.created),
            "name": task.name,
            "context_path": task.context_path,
            "username": task.username,
            "status": STATUS_TITLES.get(status, status),
            "attempt": _("${attempt} / ${retries}", mapping={
                "attempt": task.attempt, "retries": task.retries}),
            "consumer_id": task.consumer_id or "",
            "error_message": task.error_message or "",
        })
        if status == QUEUED and task.conflicts:
            # Lost conflicts to users' requests: waiting to try again, not failed
            item["status"] = _("waiting after ${count} conflict(s)", mapping={
                "count": task.conflicts})
        if task.ghost:
            item["state_class"] = "state-unassigned"
            item["status"] = _("${status} (ghost)", mapping={
                "status": STATUS_TITLES.get(status, status)})
        item["class"]["task_uid"] = "text-monospace"
        item["replace"]["task_uid"] = link(
            get_task_url(task.task_uid), task.short_uid, title=task.task_uid,
            target="_blank")
        context_url = self.get_context_url(task)
        if context_url:
            item["replace"]["context_path"] = link(context_url, task.context_path)
        return item

    def get_context_url(self, task):
        """The URL of the task's object in this site, from its path (no catalog)."""
        portal = capi.get_portal()
        if task.context_uid == "0":
            return capi.get_url(portal)
        portal_path = capi.get_path(portal)
        path = task.context_path or ""
        if not path.startswith(portal_path + "/"):
            return None
        return capi.get_url(portal) + path[len(portal_path):]

    # -- statistics header ------------------------------------------------

    def get_statistics(self):
        """The figures shown above the listing: a list of (label, value), and the
        consumers' last-seen times (consumer id, time, age), most recent first."""
        now = self.now
        stats = api.get_statistics(now)
        if stats is None:
            return {"figures": [], "consumers": []}
        oldest = stats.get("oldest_queued")
        figures = [
            (_("Queued"), stats.get(QUEUED, 0)),
            (_("Running"), stats.get(RUNNING, 0)),
            (_("Failed"), stats.get(FAILED, 0)),
            (_("Done in the last hour"), stats.get("done_last_hour", 0)),
            (_("Tasks per minute"), "{:.2f}".format(stats.get("done_per_minute", 0.0))),
            (_("Oldest queued task"), format_age(now - oldest) if oldest else u"\u2014"),
        ]
        consumers = sorted(stats.get("consumers", {}).items(),
                           key=lambda item: -item[1])
        consumers = [{"id": consumer_id, "last_seen": format_time(last),
                      "age": format_age(now - last)}
                     for consumer_id, last in consumers]
        return {"figures": figures, "consumers": consumers}
