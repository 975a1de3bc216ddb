# -*- coding: utf-8 -*-
"""What a clock tick does on a consumer: make sure this process has a live worker."""

from bika.lims import api as capi
from senaite.queue import api
from senaite.queue import logger
from senaite.queue import settings
from senaite.queue.consumer.worker import Config
from senaite.queue.consumer.worker import ensure_worker
from senaite.queue.consumer.worker import stop_worker
from zope.component.hooks import getSite

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


def consume(request):
    """Start this process's worker unless it runs; one line saying what happened."""
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
    if api.is_queue_server():
        logger.warning(SERVER_WARNING.format(consumer_id))
    portal = getSite()
    config = Config(
        site_url=settings.normalize_url(capi.get_url(portal)),
        server_url=api.get_server_url(),
        consumer_id=consumer_id,
        user_id=capi.get_current_user().getId())
    queue = api.get_queue()
    worker, started = ensure_worker(queue._p_jar.db(), queue._p_oid, config)
    return "Consumer {}: {}".format("started" if started else "running", worker.name)
