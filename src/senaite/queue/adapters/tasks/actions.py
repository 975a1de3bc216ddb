# -*- coding: utf-8 -*-
"""Task adapters that do a workflow action on a list of objects.

``task_generic_action`` works for any context (the objects are the task's ``uids``). The
bulk actions on the analyses of a worksheet (``task_action_submit``, ``_unassign``,
``_retract``, ``_reject``, ``_verify``) or of a sample (the same but ``_unassign``), and
the bulk transitions of the samples listings (``task_action_receive``, ``_cancel``, ...),
are the same adapter registered under their own names, so that their tasks keep them
(top-priority settings match them). For a worksheet, the consumer marks its request with
it (``ws_uid``), as SENAITE's analysis guards expect. ``task_action_invalidate`` also
sends SENAITE's invalidation emails.
"""

from bika.lims import api as capi
from bika.lims.browser.workflow.analysisrequest import WorkflowActionInvalidateAdapter
from bika.lims.workflow import doActionFor
from bika.lims.workflow import isTransitionAllowed
from senaite.queue import logger
from senaite.queue.adapters.tasks.base import TaskAdapter
from senaite.queue.adapters.tasks.base import queue_rest
from senaite.queue.adapters.tasks.chunks import get_chunks_for


class ActionTaskAdapter(TaskAdapter):
    """Does ``task.action`` on the first chunk of ``task.uids``; queues the rest.

    Objects that no longer resolve are skipped, and so are those the action does not apply
    to (anymore): an object already in the action's target state is left as it is, so a
    chunk that runs twice changes nothing the second time.
    """

    def process(self, task):
        action = task.action
        if not action:
            raise ValueError("Task {} has no action".format(task.task_uid))
        chunk, rest = get_chunks_for(task)
        for uid in chunk:
            obj = capi.get_object_by_uid(uid, None)
            if obj is None:
                logger.info("Skipping {}: no object with this UID".format(uid))
                continue
            if not isTransitionAllowed(obj, action):
                continue
            if doActionFor(obj, action)[0]:
                self.transitioned(obj)
        if rest:
            queue_rest(task, uids=rest)

    def transitioned(self, obj):
        """Called for every object the task transitioned."""


class InvalidateTaskAdapter(ActionTaskAdapter):
    """``task_action_invalidate``: the client contacts hear of the invalidation, as when
    SENAITE's listing button does it (Setup's "Notify on sample invalidation")."""

    def transitioned(self, obj):
        setup = capi.get_setup()
        if not setup.getNotifyOnSampleInvalidation():
            return
        sender = WorkflowActionInvalidateAdapter(self.context, capi.get_request())
        sender.send_invalidation_email(obj)
