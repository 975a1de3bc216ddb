# -*- coding: utf-8 -*-
"""The JSON answers of the queue routes."""

import time

from bika.lims import api as capi
from senaite.queue import protocol

BASIC_FIELDS = ("task_uid", "name", "priority", "status", "retries", "username")


def get_route_url(route):
    """Absolute URL of a route of the current site, e.g. ``protocol.POP``."""
    return protocol.route_url(capi.get_portal().absolute_url(), route)


def get_task_url(task_uid):
    return get_route_url(protocol.fill(protocol.TASK, task_uid=task_uid))


def task_info(task, complete=False):
    """A task as JSON: every field when ``complete``, else the basic ones."""
    if complete:
        info = task.to_dict()
    else:
        info = dict((key, task.get(key)) for key in BASIC_FIELDS)
        info["created"] = time.ctime(task.created)
    info["task_url"] = get_task_url(task.task_uid)
    return info


def summary(route, payload, **data):
    """An answer: ``data`` plus ``success``, the route's ``url`` and the caller's ``zeo``."""
    zeo = payload.get("__zeo") if isinstance(payload, dict) else None
    data.update(success=True, url=get_route_url(route),
                zeo=zeo if isinstance(zeo, str) else "")
    return data


def tasks_summary(route, payload, tasks, complete=False, **data):
    items = [task_info(task, complete) for task in tasks]
    return summary(route, payload, count=len(items), items=items, **data)


def error(status, message):
    return {"success": False, "status": status, "message": message}
