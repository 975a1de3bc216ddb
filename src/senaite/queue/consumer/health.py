# -*- coding: utf-8 -*-
"""Whether this consumer does its job, for load balancers and uptime monitors.

It does when the database answers, the queue is installed and not disabled, and this
process has a worker that its clock-server keeps going (see ``worker``).
"""

from senaite.queue import api
from senaite.queue.consumer.worker import get_worker


def problem():
    """Why this consumer does not do its job, or None when it does."""
    reason = api.database_problem()
    if reason:
        return reason
    if not api.is_queue_enabled():
        return "The queue is disabled"
    worker = get_worker()
    if worker is None:
        return "No worker: queue_consume was not called within the worker's idle limit"
    if not worker.goes_on():
        return "The worker is stopping: no queue_consume call for {:.0f} s".format(
            worker.idle_seconds())
    return None
