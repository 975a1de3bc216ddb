# -*- coding: utf-8 -*-
"""What a clock tick does on a consumer: make sure this process has a live worker.

Any ``queue_consume`` request counts: the clock-server's ticks, and visits by hand or from
scripts. A worker stops by itself when none has come for its idle limit (see ``worker``).
"""

from App.config import getConfiguration
from bika.lims import api as capi
from senaite.queue import api
from senaite.queue import logger
from senaite.queue import settings
from senaite.queue.consumer import pacing
from senaite.queue.consumer.worker import Config
from senaite.queue.consumer.worker import ensure_worker
from senaite.queue.consumer.worker import idle_limit
from senaite.queue.consumer.worker import stop_worker
from zope.component.hooks import getSite

VIEW_NAMES = ("queue_consume", "@@queue_consume")
# The SERVER_NAME of the requests ZServer's clock-server makes
CLOCK_SERVER_NAME = "Zope Clock Server"

SERVER_WARNING = (
    "This ZEO client ({}) is the queue server and a consumer at once: fine for "
    "development, not suitable for production. Reserve one ZEO client as queue server and "
    "others as consumers.")


def get_consumer_id(request):
    """This consumer's id: its ``scheme://host:port`` (the clock-server's ``host``)."""
    try:
        return settings.normalize_url(request.get("SERVER_URL"), site=False)
    except ValueError:
        return None


def get_clock_period():
    """The period of this process's clock-server that calls ``queue_consume`` (the longest,
    if there are several), or None."""
    periods = []
    for server in getattr(getConfiguration(), "servers", None) or ():
        method = getattr(server, "method", None) or ""
        if method.split("?")[0].rstrip("/").rsplit("/", 1)[-1] in VIEW_NAMES:
            periods.append(server.period)
    return max(periods) if periods else None


def is_clock_tick(request):
    """Whether the request comes from ZServer's clock-server."""
    return request.environ.get("SERVER_NAME") == CLOCK_SERVER_NAME


def consume(request):
    """Keep this process's worker going, or start one; one line saying what happened."""
    if not api.is_installed():
        return "Queue is not installed [SKIP]"
    consumer_id = get_consumer_id(request)
    if not consumer_id:
        return "zeo host not set or not valid: {} [SKIP]".format(request.get("SERVER_URL"))
    status = api.get_queue_status()
    if status not in (api.READY, api.RESUMING):
        stopped = stop_worker()
        suffix = " ({} stopped)".format(stopped) if stopped else ""
        return "Server is {} ({}){} [SKIP]".format(
            status, api.get_server_url() or "not configured", suffix)
    user_id = capi.get_current_user().getId()
    if not api.is_site_user(user_id):
        # The queue server would refuse the worker's tokens: it knows the site's users only
        return "{} is not a user of this site, the queue server would refuse its worker " \
               "[SKIP]".format(user_id)
    if api.is_queue_server():
        logger.warning(SERVER_WARNING.format(consumer_id))
    portal = getSite()
    config = Config(
        site_url=settings.normalize_url(capi.get_url(portal)),
        server_url=api.get_server_url(),
        consumer_id=consumer_id,
        user_id=user_id,
        window_tasks=pacing.window_size())
    queue = api.get_task_queue()
    limit = idle_limit(get_clock_period())
    worker, started = ensure_worker(queue._p_jar.db(), queue._p_oid, config, limit)
    message = "Consumer {}: {}, stops after {:.0f} s without a call".format(
        "started" if started else "running", worker.name, limit)
    if not is_clock_tick(request):
        message += " (this call is not a clock tick)"
    return message
