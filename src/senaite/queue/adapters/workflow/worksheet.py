# -*- coding: utf-8 -*-
"""Workflow-action adapters that queue the bulk actions on the analyses of a worksheet or
a sample.

SENAITE's ``workflow_action`` view looks up an ``IWorkflowActionAdapter`` named
``workflow_action_<action>`` for (context, request) and hands it the selected objects. The
adapters here are registered for worksheets, samples and the senaite.queue browser layer,
so they win over SENAITE's own. Each is SENAITE's adapter for that action, except that
when the queue is ready the transition of the selected analyses is queued, as one task,
instead of done in the request. Everything else (e.g. the results, remarks, methods and
instruments the "submit" form carries) still happens in the request. When the queue is
not ready they are SENAITE's adapters.

"assign" (the worksheet's "Add analyses" view) queues one ``task_assign_analyses``.
"""

from bika.lims import api as capi
from bika.lims.browser.workflow import WorkflowActionGenericAdapter
from bika.lims.browser.workflow.analysis import WorkflowActionSubmitAdapter
from bika.lims.browser.workflow.analysisrequest import WorkflowActionRejectAdapter
from bika.lims.browser.workflow.worksheet import WorkflowActionAssignAdapter
from senaite.queue import messageFactory as _
from senaite.queue import api
from senaite.queue.adapters.workflow.assignment import is_routine
from senaite.queue.adapters.workflow.assignment import queue_assignment


def queue_action(container, action, objects):
    """Queue one task that does ``action`` on the objects (those not queued already) of
    the worksheet or sample. Returns the objects queued.
    """
    queued = api.get_queued_lookup()
    objects = [obj for obj in objects if obj not in queued]
    if objects:
        api.add_action_task(objects, action, context=container)
    return objects


class QueuedActionMixin(object):
    """Queues, when the queue is ready, the transition that ``__call__`` is asked for."""

    queued = None

    def __call__(self, action, objects):
        self.queued = None
        others = [obj for obj in objects if obj != self.context]
        if others and api.can_queue():
            # Only the action asked for is queued, not the ones it may trigger
            self.queued = action
        return super(QueuedActionMixin, self).__call__(action, objects)

    def do_action(self, action, objects):
        if action != self.queued:
            return super(QueuedActionMixin, self).do_action(action, objects)
        objects = [capi.get_object(obj) for obj in objects]
        objects = [obj for obj in objects if obj != self.context]
        queued = queue_action(self.context, action, objects)
        if not queued:
            self.add_status_message(_("The selected items are being processed already."),
                                    "warning")
        return queued

    def success(self, objects, message=None):
        if not self.queued:
            return super(QueuedActionMixin, self).success(objects, message=message)
        message = _(u"${count} items queued for \"${action}\": they will be processed in "
                    u"background.", mapping={"count": len(objects), "action": self.queued})
        return self.redirect(message=message)


class QueuedWorkflowActionAdapter(QueuedActionMixin, WorkflowActionGenericAdapter):
    """unassign, retract, verify"""


class QueuedSubmitAdapter(QueuedActionMixin, WorkflowActionSubmitAdapter):
    """submit: results and the other fields of the form are saved at once"""


class QueuedRejectAdapter(QueuedActionMixin, WorkflowActionRejectAdapter):
    """reject"""


class QueuedAssignAdapter(WorkflowActionAssignAdapter):
    """assign: the selected analyses are queued for assignment to the worksheet"""

    def __call__(self, action, analyses):
        worksheet = self.context
        if not api.can_queue():
            return super(QueuedAssignAdapter, self).__call__(action, analyses)
        analyses = self.sorted_analyses(analyses)
        routine = [analysis for analysis in analyses if is_routine(analysis)]
        for analysis in analyses:
            if not is_routine(analysis):
                worksheet.addAnalysis(analysis)
        task = queue_assignment(worksheet, routine)
        if task is None:
            return self.success([worksheet])
        message = _(u"${count} analyses queued for assignment: they will be added to the "
                    u"worksheet in background.", mapping={"count": len(task.uids)})
        return self.redirect(message=message)
