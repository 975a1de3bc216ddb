# -*- coding: utf-8 -*-
"""The add-on's task adapter, in the style of senaite.queue 1.x: its task is a dict."""

import json

from BTrees.OOBTree import OOBTree
from bika.lims import api as capi
from senaite.queue import api
from senaite.queue import logger
from senaite.queue.interfaces import IQueuedTaskAdapter
from senaite.queue.queue import get_chunks_for
from senaite.queue.queue import is_task
from zope.annotation.interfaces import IAnnotations
from zope.interface import implementer

LABELS_KEY = "upstream_addon.labels"


def get_labels(portal=None):
    """object uid -> (label, how many times it was labelled, the task's chunk size, the
    user the task ran as)."""
    annotations = IAnnotations(portal or capi.get_portal())
    if LABELS_KEY not in annotations:
        annotations[LABELS_KEY] = OOBTree()
    return annotations[LABELS_KEY]


@implementer(IQueuedTaskAdapter)
class LabelSamplesAdapter(object):
    """Labels the objects of its task's ``uids``, a chunk per run."""

    def __init__(self, context):
        self.context = context

    def process(self, task):
        if not is_task(task) or "label" not in task or "delay" in task:
            raise ValueError("Not a task of this add-on: {!r}".format(task))
        if task.get_context() != self.context:
            raise ValueError("Task {} is not for {}".format(task.task_short_uid,
                                                          self.context))
        chunk, rest = get_chunks_for(task)
        # notes on the task: the add-on's own copy
        task["labelled"] = len(chunk)
        task.update(rest=len(rest))
        logger.info("upstream_addon: {}".format(json.dumps(task, sort_keys=True)))
        user = (task.request.get("AUTHENTICATED_USER") or capi.get_current_user()).getId()
        labels = get_labels()
        for uid in chunk:
            count = labels.get(uid, (None, 0))[1]
            labels[uid] = (task["label"], count + 1, task.get("chunk_size"), user)
        if rest:
            api.add_copy(task, uids=rest)
        return True
