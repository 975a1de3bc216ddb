# -*- coding: utf-8 -*-
"""The queue's metrics for Prometheus: ``<site>/queue_metrics`` on the queue server."""

from Products.Five.browser import BrowserView
from senaite.queue import api
from senaite.queue.server.metrics import exposition


class QueueMetricsView(BrowserView):
    """Prometheus' text format, or OpenMetrics when the Accept header asks for it; on
    another process than the queue server, 404: its counters are the server's."""

    def __call__(self):
        response = self.request.response
        response.setHeader("Cache-Control", "no-store")
        if not api.is_queue_server():
            response.setStatus(404)
            response.setHeader("Content-Type", "text/plain")
            return "Not the Queue Server: scrape {}".format(
                api.get_server_url() or "the Queue Server")
        body, content_type = exposition(self.request.getHeader("Accept"))
        response.setHeader("Content-Type", content_type)
        return body
