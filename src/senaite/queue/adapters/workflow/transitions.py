# -*- coding: utf-8 -*-
"""Listing transitions done through ajax: analyses of a worksheet or a sample, and samples.

SENAITE 2.6 listings do some transitions ("submit" and "verify" by default, see Site Setup
> Listing) with one ajax request per selected object instead of posting the form to
``workflow_action``; each request carries every selected UID (``chained_uids``). In the
analyses listing of a worksheet or a sample, when the queue is ready, the first of those
requests queues one task for all the selected analyses of the worksheet (or sample) and
asks the browser to reload it when the chain is over; the following requests find their
analysis queued, do nothing, and ask for the same reload: senaite.app.listing 2.6
combines the redirects of a chain with ``new URL()``, which throws on an empty one and
leaves the chain stuck after its second request. When the queue is not ready, and in
other analyses listings (e.g. a reference sample's), the transition is SENAITE's.

The samples listings (a client's, the global one, a batch's) do "receive", "cancel" and
"reinstate" through ajax by default. With more samples in the chain than the setting
``sample_actions_threshold``, the first request queues one task for the selected samples,
as the form's button does (``adapters.workflow.samples``), and the chain ends with a reload
of the listing; with fewer, the transition is SENAITE's.
"""

from bika.lims import api as capi
from bika.lims.interfaces import IAnalysisRequest
from bika.lims.interfaces import IWorksheet
from senaite.app.listing.adapters.workflow import ListingWorkflowTransition
from senaite.core.browser.listing.workflow.sample import SampleReceiveWorkflowTransition
from senaite.queue import api


class QueuedChainMixin(object):
    """The first request of an ajax chain queues the selection, once, as one task; every
    request of the chain asks for a reload of the page when the chain is over. Without
    the queue, or with nothing to queue, the transition is SENAITE's."""

    def __init__(self, view, context, request):
        super(QueuedChainMixin, self).__init__(view, context, request)
        self.queued_uids = []
        # whether the browser reloads the page when the chain is over
        self.reload = False

    def do_transition(self, transition, chained_uids, failed_transitions, **kw):
        chained_uids = list(chained_uids or [capi.get_uid(self.context)])
        if self.may_queue(chained_uids):
            queued = api.get_queued_lookup()
            if self.context in queued:
                # queued by the first request of the chain
                self.reload = True
                return
            uids = [uid for uid in self.get_selection(chained_uids) if uid not in queued]
            if uids and self.may_queue_selection(uids):
                api.add_action_task(uids, transition, context=self.view.context)
                self.queued_uids = uids
                self.reload = True
                return
        return super(QueuedChainMixin, self).do_transition(
            transition, chained_uids=chained_uids, failed_transitions=failed_transitions,
            **kw)

    def may_queue(self, chained_uids):
        """Whether the chain is queued, when there is something to queue."""
        return api.can_queue()

    def get_selection(self, chained_uids):
        """The UIDs of the chain the task works on."""
        return chained_uids

    def may_queue_selection(self, uids):
        return True

    def get_uids(self):
        return self.queued_uids or super(QueuedChainMixin, self).get_uids()

    def get_redirect_url(self):
        if self.reload:
            return self.get_reload_url()
        return super(QueuedChainMixin, self).get_redirect_url()

    def get_reload_url(self):
        return capi.get_url(self.view.context)


class QueuedListingTransition(QueuedChainMixin, ListingWorkflowTransition):
    """Queues the transition of the selected analyses of the worksheet or sample, once;
    other analyses (e.g. a reference sample's) are SENAITE's."""

    def get_selection(self, chained_uids):
        """The chained UIDs that are analyses of the worksheet or sample, this one first."""
        contained = set(self.get_analyses_uids())
        result = []
        for uid in [capi.get_uid(self.context)] + chained_uids:
            if uid in contained and uid not in result:
                result.append(uid)
        return result

    def get_analyses_uids(self):
        """The UIDs of the analyses of the worksheet or sample; none for other listings."""
        container = self.view.context
        if IWorksheet.providedBy(container):
            return container.getRawAnalyses() or []
        if IAnalysisRequest.providedBy(container):
            return [capi.get_uid(brain) for brain in container.getAnalyses()]
        return []


class QueuedSamplesTransition(QueuedChainMixin, ListingWorkflowTransition):
    """cancel, reinstate: the samples of the chain, above the threshold"""

    def may_queue(self, chained_uids):
        return api.queues_sample_transition(len(chained_uids))

    def get_selection(self, chained_uids):
        samples = [capi.get_object_by_uid(uid, None) for uid in chained_uids]
        return [capi.get_uid(sample) for sample in samples
                if IAnalysisRequest.providedBy(sample)]

    def get_reload_url(self):
        return self.request.get_header("referer") or capi.get_url(self.view.context)


class QueuedSamplesReceive(QueuedSamplesTransition, SampleReceiveWorkflowTransition):
    """receive: samples whose template partitions them on reception are received in the
    request, since SENAITE's partitioning form follows; the stickers of queued samples are
    printed at once, when the setup says so"""

    def may_queue_selection(self, uids):
        samples = [capi.get_object_by_uid(uid) for uid in uids]
        return not any(sample.getTemplate() and sample.getTemplate().getAutoPartition()
                       for sample in samples)

    def get_reload_url(self):
        if self.queued_uids and self.is_auto_print_stickers_enabled():
            return "{}/sticker?autoprint=1&items={}".format(
                self.back_url, ",".join(self.queued_uids))
        return super(QueuedSamplesReceive, self).get_reload_url()
