# -*- coding: utf-8 -*-
"""Workflow-action adapters that queue bulk transitions of the samples listings.

The buttons of the client's and the global samples listing post the selected samples to
``workflow_action``, which looks up ``workflow_action_<transition>`` for (context,
request). The adapters here are registered for clients and the samples folder and the
senaite.queue browser layer, so they win over SENAITE's own. When more samples than
the setting ``sample_actions_threshold`` are selected and the queue is ready, the
transition is queued as one task (``task_action_<transition>``) for the samples not
queued yet; otherwise SENAITE's adapter does it in the request.

The plain workflow transitions SENAITE 2.6 offers there are all queued: receive, cancel,
reinstate, invalidate, restore, detach and rollback_to_receive. The others either open a
form first (sample, preserve, schedule_sampling, dispatch, reject, publish,
multi_results, create_partitions) or are not transitions (print_stickers, copy_to_new):
they are left to SENAITE.
"""

from bika.lims import api as capi
from bika.lims.browser.workflow import WorkflowActionGenericAdapter
from bika.lims.browser.workflow.analysisrequest import WorkflowActionInvalidateAdapter
from bika.lims.browser.workflow.analysisrequest import WorkflowActionReceiveAdapter
from bika.lims.interfaces import IAnalysisRequest
from senaite.queue import api
from senaite.queue import messageFactory as _

class QueuedSamplesMixin(object):
    """Queues the transition of the selected samples when there are more than the
    threshold and the queue is ready."""

    def __call__(self, action, objects):
        samples = [obj for obj in objects if IAnalysisRequest.providedBy(obj)]
        if not self.may_queue(samples):
            return super(QueuedSamplesMixin, self).__call__(action, objects)
        queued = api.get_queued_lookup()
        samples = [sample for sample in samples if sample not in queued]
        if not samples:
            return self.redirect(message=_("The selected items are being processed "
                                           "already."), level="warning")
        api.add_action_task(samples, action, context=self.context)
        message = _(u"${count} items queued for \"${action}\": they will be processed in "
                    u"background.", mapping={"count": len(samples), "action": action})
        return self.redirect(redirect_url=self.get_queued_url(samples), message=message)

    def may_queue(self, samples):
        return api.queues_sample_transition(len(samples))

    def get_queued_url(self, samples):
        """Where the user goes once the samples are queued; None: back to the listing."""
        return None


class QueuedSamplesAdapter(QueuedSamplesMixin, WorkflowActionGenericAdapter):
    """cancel, reinstate, restore, detach, rollback_to_receive"""


class QueuedInvalidateAdapter(QueuedSamplesMixin, WorkflowActionInvalidateAdapter):
    """invalidate: the task sends the invalidation emails (``InvalidateTaskAdapter``)"""


class QueuedReceiveAdapter(QueuedSamplesMixin, WorkflowActionReceiveAdapter):
    """receive: samples whose template partitions them on reception are received in the
    request, as SENAITE's partitioning form follows"""

    def may_queue(self, samples):
        if any(map(self.is_auto_partition_required, samples)):
            return False
        return super(QueuedReceiveAdapter, self).may_queue(samples)

    def get_queued_url(self, samples):
        if not self.is_auto_print_stickers_enabled():
            return None
        # the stickers do not wait for the reception
        uids = ",".join(map(capi.get_uid, samples))
        return "{}/sticker?autoprint=1&items={}".format(self.back_url, uids)
