# -*- coding: utf-8 -*-
"""``<site>/queue_health``: 200 when this process does its part of the queue's work, 503
with the reason otherwise; for load balancers and uptime monitors, so it needs no login.

The queue server answers for the server's role (``server.health``), every other process
for a consumer's (``consumer.health``).
"""

import json

from Products.Five.browser import BrowserView
from senaite.queue import api
from senaite.queue.consumer import health as consumer_health
from senaite.queue.server import health as server_health

SERVER = "server"
CONSUMER = "consumer"


class QueueHealthView(BrowserView):
    """JSON: ``{"healthy": bool, "role": "server" or "consumer", "reason": text}``."""

    def __call__(self):
        response = self.request.response
        response.setHeader("Content-Type", "application/json")
        response.setHeader("Cache-Control", "no-store")
        if not api.is_installed():
            role, reason = None, "senaite.queue is not installed in this site"
        elif api.is_queue_server():
            role, reason = SERVER, server_health.problem()
        else:
            role, reason = CONSUMER, consumer_health.problem()
        response.setStatus(503 if reason else 200)
        return json.dumps({"healthy": not reason, "role": role, "reason": reason or "OK"})
