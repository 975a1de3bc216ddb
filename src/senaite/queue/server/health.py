# -*- coding: utf-8 -*-
"""Whether the queue server does its job, for load balancers and uptime monitors.

It does when the database answers, the queue is installed and not disabled, and, while
tasks wait, a consumer asked for one recently: the oldest queued task waited more than
``SILENT_SECONDS`` and no consumer asked for a task for as long means that none works.
"""

import time

from senaite.queue import api

# A consumer's worker watches the queue and asks within seconds of seeing a task; five
# minutes leave room for a restart of the consumers, or a clock-server's missed ticks
SILENT_SECONDS = 300


def problem(now=None, silent_seconds=SILENT_SECONDS):
    """Why the queue server does not do its job, or None when it does."""
    reason = api.database_problem()
    if reason:
        return reason
    if api.get_queue_status() == api.DISABLED:
        return "The queue is disabled"
    now = time.time() if now is None else now
    stats = api.get_statistics(now)
    oldest = stats["oldest_queued"]
    if oldest is None or now - oldest <= silent_seconds:
        return None
    last_seen = max(stats["consumers"].values() or [None])
    if last_seen is not None and now - last_seen <= silent_seconds:
        return None
    return "{} task(s) queued, the oldest for {:.0f} s, and no consumer asked for one {}".format(
        stats["queued"], now - oldest, "ever" if last_seen is None else
        "for {:.0f} s".format(now - last_seen))
