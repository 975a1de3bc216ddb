# -*- coding: utf-8 -*-
"""Viewlets: what the queue is doing for the object shown, and whether it can work."""

import time

from bika.lims import api as capi
from plone.app.layout.viewlets import ViewletBase
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from senaite.queue import api
from senaite.queue.browser.monitor import format_age
from senaite.queue.browser.monitor import format_time


class QueuedAnalysesViewlet(ViewletBase):
    """"N analyses are being processed in background", with a Refresh button."""

    template = ViewPageTemplateFile("templates/queued_analyses_viewlet.pt")
    # whether to tell users they can work on other worksheets meanwhile
    other_worksheets = False

    def update(self):
        super(QueuedAnalysesViewlet, self).update()
        self.count = self.get_count()

    def get_count(self):
        raise NotImplementedError

    def get_refresh_url(self):
        return self.request.get("ACTUAL_URL") or capi.get_url(self.context)

    def get_worksheets_url(self):
        return "{}/worksheets".format(capi.get_url(capi.get_portal()))

    def render(self):
        if not self.count:
            return u""
        return self.template()


class WorksheetQueueViewlet(QueuedAnalysesViewlet):
    """On worksheets: the analyses its tasks still work on."""

    other_worksheets = True

    def get_count(self):
        if not api.is_queue_enabled():
            return 0
        ws_uid = capi.get_uid(self.context)
        uids = set()
        for task in api.get_tasks_for(ws_uid):
            uids.update(task.uids)
        uids.discard(ws_uid)
        return len(uids)


class SampleQueueViewlet(QueuedAnalysesViewlet):
    """On samples: the sample's analyses the queue works on, or that the queue works on
    the sample itself (e.g. a transition queued from a samples listing)."""

    sample_queued = False

    def get_count(self):
        queued = api.get_queued_lookup()
        self.sample_queued = self.context in queued
        return queued.count_analyses(self.context)

    def render(self):
        if not (self.count or self.sample_queued):
            return u""
        return self.template()


class ServerStatusViewlet(ViewletBase):
    """For managers: a warning when the queue cannot work (no valid Queue Server), or
    cannot hand tasks out (a Queue Server that does not answer: since when, as this process
    found out; the check is cached by ``api``)."""

    template = ViewPageTemplateFile("templates/server_status_viewlet.pt")

    def update(self):
        super(ServerStatusViewlet, self).update()
        self.status = self.get_status()

    def get_status(self):
        """``not_configured``, ``not_responding``, or None when all is well."""
        server_url = api.get_server_url()
        if not server_url:
            return "not_configured"
        if api.is_queue_server():
            return None
        if not api.server_answers(server_url):
            return "not_responding"
        return None

    def get_server_url(self):
        return api.get_server_url()

    def get_silent_since(self):
        """Since when the server has not answered: ``time`` and ``age``, as text."""
        since = api.server_silent_since(api.get_server_url()) or time.time()
        return {"time": format_time(since), "age": format_age(time.time() - since)}

    def get_settings_url(self):
        return "{}/@@queue-controlpanel".format(capi.get_url(capi.get_portal()))

    def render(self):
        if not self.status:
            return u""
        return self.template()
