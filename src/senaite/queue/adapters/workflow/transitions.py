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


class QueuedListingTransition(ListingWorkflowTransition):
    """Queues the transition of the selected analyses of the worksheet or sample, once."""

    def __init__(self, view, context, request):
        super(QueuedListingTransition, self).__init__(view, context, request)
        self.queued_uids = []
        # whether the browser reloads the worksheet when the chain is over
        self.reload = False

    @property
    def container(self):
        """The worksheet or sample of the listing"""
        return self.view.context

    def do_transition(self, transition, chained_uids, failed_transitions, **kw):
        if not api.can_queue():
            return super(QueuedListingTransition, self).do_transition(
                transition, chained_uids=chained_uids,
                failed_transitions=failed_transitions, **kw)
        queued = api.get_queued_lookup()
        if self.context in queued:
            # queued by the first request of the chain
            self.reload = True
            return
        uids = self.get_container_uids(chained_uids)
        uids = [uid for uid in uids if uid not in queued]
        if not uids:
            # not an analysis of the worksheet or sample: SENAITE's transition
            return super(QueuedListingTransition, self).do_transition(
                transition, chained_uids=chained_uids,
                failed_transitions=failed_transitions, **kw)
        api.add_action_task(uids, transition, context=self.container)
        self.queued_uids = uids
        self.reload = True

    def get_analyses_uids(self):
        """The UIDs of the analyses of the worksheet or sample; none for other listings."""
        container = self.container
        if IWorksheet.providedBy(container):
            return container.getRawAnalyses() or []
        if IAnalysisRequest.providedBy(container):
            return [capi.get_uid(brain) for brain in container.getAnalyses()]
        return []

    def get_container_uids(self, chained_uids):
        """The chained UIDs that are analyses of the worksheet or sample, this one first."""
        contained = set(self.get_analyses_uids())
        own_uid = capi.get_uid(self.context)
        uids = [own_uid] + list(chained_uids or [])
        result = []
        for uid in uids:
            if uid in contained and uid not in result:
                result.append(uid)
        return result

    def get_uids(self):
        return self.queued_uids or super(QueuedListingTransition, self).get_uids()

    def get_redirect_url(self):
        if self.reload:
            return capi.get_url(self.container)
        return super(QueuedListingTransition, self).get_redirect_url()


class QueuedSamplesTransitionMixin(object):
    """Queues the transition of the samples of an ajax chain, once, above the threshold."""

    def __init__(self, view, context, request):
        super(QueuedSamplesTransitionMixin, self).__init__(view, context, request)
        self.queued_uids = []
        self.reload = False

    def do_transition(self, transition, chained_uids, failed_transitions, **kw):
        uids = list(chained_uids or [capi.get_uid(self.context)])
        if not api.queues_sample_transition(len(uids)):
            return super(QueuedSamplesTransitionMixin, self).do_transition(
                transition, chained_uids=chained_uids,
                failed_transitions=failed_transitions, **kw)
        queued = api.get_queued_lookup()
        if self.context in queued:
            # queued by the first request of the chain
            self.reload = True
            return
        samples = [capi.get_object_by_uid(uid, None) for uid in uids]
        samples = [sample for sample in samples
                   if IAnalysisRequest.providedBy(sample) and sample not in queued]
        if not self.may_queue(samples):
            return super(QueuedSamplesTransitionMixin, self).do_transition(
                transition, chained_uids=chained_uids,
                failed_transitions=failed_transitions, **kw)
        api.add_action_task(samples, transition, context=self.view.context)
        self.queued_uids = [capi.get_uid(sample) for sample in samples]
        self.reload = True

    def may_queue(self, samples):
        return bool(samples)

    def get_uids(self):
        return self.queued_uids or super(QueuedSamplesTransitionMixin, self).get_uids()

    def get_redirect_url(self):
        if self.reload:
            return self.get_reload_url()
        return super(QueuedSamplesTransitionMixin, self).get_redirect_url()

    def get_reload_url(self):
        return self.request.get_header("referer") or capi.get_url(self.view.context)


class QueuedSamplesTransition(QueuedSamplesTransitionMixin, ListingWorkflowTransition):
    """cancel, reinstate"""


class QueuedSamplesReceive(QueuedSamplesTransitionMixin, SampleReceiveWorkflowTransition):
    """receive: samples whose template partitions them on reception are received in the
    request, since SENAITE's partitioning form follows; the stickers of queued samples are
    printed at once, when the setup says so"""

    def may_queue(self, samples):
        return bool(samples) and not any(
            IAnalysisRequest.providedBy(sample) and sample.getTemplate()
            and sample.getTemplate().getAutoPartition() for sample in samples)

    def get_reload_url(self):
        if self.queued_uids and self.is_auto_print_stickers_enabled():
            return "{}/sticker?autoprint=1&items={}".format(
                self.back_url, ",".join(self.queued_uids))
        return super(QueuedSamplesReceive, self).get_reload_url()
