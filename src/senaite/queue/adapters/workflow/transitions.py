# -*- coding: utf-8 -*-
"""Listing transitions done through ajax, for a worksheet's analyses.

SENAITE 2.6 listings do some transitions ("submit" and "verify" by default, see Site Setup
> Listing) with one ajax request per selected object instead of posting the form to
``workflow_action``; each request carries every selected UID (``chained_uids``). In a
worksheet's analyses listing, when the queue is ready, the first of those requests queues
one task for all the selected analyses of the worksheet and asks the browser to reload the
worksheet when the chain is over; the following requests find their analysis queued, do
nothing, and ask for the same reload: senaite.app.listing 2.6 combines the redirects of a
chain with ``new URL()``, which throws on an empty one and leaves the chain stuck after its
second request. When the queue is not ready the transition is SENAITE's.
"""

from bika.lims import api as capi
from senaite.app.listing.adapters.workflow import ListingWorkflowTransition
from senaite.queue import api


class QueuedListingTransition(ListingWorkflowTransition):
    """Queues the transition of the selected analyses of the worksheet, once."""

    def __init__(self, view, context, request):
        super(QueuedListingTransition, self).__init__(view, context, request)
        self.queued_uids = []
        # whether the browser reloads the worksheet when the chain is over
        self.reload = False

    @property
    def worksheet(self):
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
        uids = self.get_worksheet_uids(chained_uids)
        uids = [uid for uid in uids if uid not in queued]
        if not uids:
            # not an analysis of the worksheet: SENAITE's transition
            return super(QueuedListingTransition, self).do_transition(
                transition, chained_uids=chained_uids,
                failed_transitions=failed_transitions, **kw)
        api.add_action_task(uids, transition, context=self.worksheet)
        self.queued_uids = uids
        self.reload = True

    def get_worksheet_uids(self, chained_uids):
        """The chained UIDs that are analyses of the worksheet, this one first."""
        in_worksheet = set(self.worksheet.getRawAnalyses() or [])
        own_uid = capi.get_uid(self.context)
        uids = [own_uid] + list(chained_uids or [])
        result = []
        for uid in uids:
            if uid in in_worksheet and uid not in result:
                result.append(uid)
        return result

    def get_uids(self):
        return self.queued_uids or super(QueuedListingTransition, self).get_uids()

    def get_redirect_url(self):
        if self.reload:
            return capi.get_url(self.worksheet)
        return super(QueuedListingTransition, self).get_redirect_url()
