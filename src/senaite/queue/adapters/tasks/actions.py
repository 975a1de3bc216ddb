# -*- coding: utf-8 -*-
"""Task adapters that do a workflow action on a list of objects.

``task_generic_action`` works for any context (the objects are the task's ``uids``); the
worksheet's bulk actions (``task_action_submit``, ``_unassign``, ``_retract``, ``_reject``,
``_verify``) are the same adapter registered for worksheets, so that their tasks keep their
own names (top-priority settings match them) and the consumer marks its request with the
worksheet (``ws_uid``), as SENAITE's analysis guards expect.
"""

from bika.lims import api as capi
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
            doActionFor(obj, action)
        if rest:
            queue_rest(task, uids=rest)
