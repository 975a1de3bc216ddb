# -*- coding: utf-8 -*-
"""The add-on's views: one queues its work, one shows what was done."""

import json

from plone.protect.interfaces import IDisableCSRFProtection
from Products.Five.browser import BrowserView
from senaite.queue import api
from senaite.queue.tests.upstream_addon.adapters import get_labels
from zope.interface import alsoProvides


class LabelView(BrowserView):
    """POST ``{"uids": [...], "label": ..., "chunk_size": ...}``: queue the labelling if
    the queue is ready, else label at once; the task's uid, or null."""

    def __call__(self):
        alsoProvides(self.request, IDisableCSRFProtection)
        data = json.loads(self.request.get("BODY") or "{}")
        self.request.response.setHeader("Content-Type", "application/json")
        if not api.is_queue_ready("upstream_addon.label_samples"):
            return json.dumps(None)
        task = api.add_task("upstream_addon.label_samples", self.context,
                            uids=data["uids"], label=data["label"],
                            chunk_size=data["chunk_size"], min_seconds=0)
        return json.dumps(task["task_uid"] if task else None)


class LabelsView(BrowserView):
    """What the add-on did, as JSON: object uid -> [label, times, chunk size, user]."""

    def __call__(self):
        self.request.response.setHeader("Content-Type", "application/json")
        return json.dumps(dict((uid, list(value))
                               for uid, value in get_labels(self.context).items()))
