# -*- coding: utf-8 -*-
"""Listing adapters: what the queue works on is shown disabled, with a spinner.

``IListingViewAdapter`` subscribers of senaite.app.listing's listings, for the worksheets,
a worksheet's analyses (and any other analyses listing, e.g. a sample's), the worksheet's
"Add analyses" listing, the samples listings and a sample's services ("Manage analyses").
While the queue works on a worksheet itself, its analyses listing and its Add Blank, Add
Control and Add Duplicate listings are locked. A row is queued when a queued or running
task works on its object: one lookup in the queue's object index per row, no scan. For a
sample, its analyses count too (one catalog query per sample row, only while the queue
holds tasks). The queue's status is read once per request (``api.get_queued_lookup``). All
of them do nothing when the queue is not enabled.
"""

from bika.lims.interfaces import IWorksheet
from bika.lims.utils import to_int
from senaite.app.listing.interfaces import IListingViewAdapter
from senaite.queue import api
from senaite.queue import messageFactory as _
from zope.i18n import translate
from zope.interface import implementer

SPINNER = (u'<span class="senaite-queue-queued text-info text-nowrap" title="{title}">'
           u'<span class="spinner-border spinner-border-sm mr-1" role="status" '
           u'aria-hidden="true"></span>{text}</span>')


def get_spinner(request, text=True):
    title = translate(_(u"Queued: being processed in background"), context=request)
    label = translate(_(u"Queued"), context=request) if text else u""
    return SPINNER.format(title=title, text=label)


@implementer(IListingViewAdapter)
class QueuedRowsAdapter(object):
    """Disables the rows of queued objects and shows a spinner in ``spinner_columns``."""

    # after SENAITE's own listing adapters
    priority_order = 1010
    # columns whose content is replaced by the spinner
    spinner_columns = ("state_title", )

    def __init__(self, listing, context):
        self.listing = listing
        self.context = context
        self._queued = None

    @property
    def queued(self):
        """The request's lookup of queued objects (``api.get_queued_lookup``)."""
        if self._queued is None:
            self._queued = api.get_queued_lookup()
        return self._queued

    def before_render(self):
        pass

    def folder_item(self, obj, item, index):
        if not item or not self.queued:
            return
        if self.is_row_queued(obj, item):
            self.mark_queued(item)

    def is_row_queued(self, obj, item):
        return (item.get("uid") or obj) in self.queued

    def mark_queued(self, item):
        item["disabled"] = True
        item["allow_edit"] = []
        spinner = get_spinner(self.listing.request)
        replace = item.setdefault("replace", {})
        for column in self.spinner_columns:
            replace[column] = spinner


class QueuedAnalysesAdapter(QueuedRowsAdapter):
    """Analyses listings: a worksheet's, a sample's.

    SENAITE's worksheet listing takes disabled rows for empty slots and gives the slot's
    header (the sample, its client...) to the first row it does not take for one. So in a
    worksheet, a queued analysis whose slot holds analyses that are not queued is not
    disabled (the header would move down the slot), but it cannot be edited, shows the
    spinner and is left out of "select all".
    """

    _slots = None

    def mark_queued(self, item):
        super(QueuedAnalysesAdapter, self).mark_queued(item)
        if IWorksheet.providedBy(self.context) and not self.is_slot_queued(item.get("Pos")):
            item["disabled"] = False
            item["readonly"] = True

    def is_slot_queued(self, position):
        """Whether every analysis in the worksheet's slot is queued."""
        if self._slots is None:
            self._slots = {}
            for row in self.context.getLayout():
                self._slots.setdefault(to_int(row.get("position"), 0), []).append(
                    row.get("analysis_uid"))
        uids = self._slots.get(to_int(position, 0), [])
        return all(uid in self.queued for uid in uids if uid)


class QueuedWorksheetsAdapter(QueuedRowsAdapter):
    """The worksheets listing."""

    spinner_columns = ("getProgressPercentage", )


class QueuedAddAnalysesAdapter(QueuedRowsAdapter):
    """A worksheet's "Add analyses" listing: analyses queued for assignment (to this or
    another worksheet) cannot be selected."""

    spinner_columns = ()

    def mark_queued(self, item):
        super(QueuedAddAnalysesAdapter, self).mark_queued(item)
        item.setdefault("after", {})["Title"] = get_spinner(self.listing.request)


class QueuedSamplesAdapter(QueuedRowsAdapter):
    """Samples listings: a sample is queued when it or one of its analyses is."""

    spinner_columns = ("Progress", )

    def is_row_queued(self, obj, item):
        return self.queued.works_on(item.get("uid") or obj)


class QueuedSampleServicesAdapter(QueuedRowsAdapter):
    """A sample's "Manage analyses" listing: its rows are analysis services."""

    spinner_columns = ()


class QueuedWorksheetLockAdapter(QueuedRowsAdapter):
    """A worksheet's analyses listing and its Add Blank, Add Control and Add Duplicate
    listings, while the queue works on the worksheet: nothing can be selected, and no row
    edited (1.x's lock of these views).

    Rows stay enabled, read-only: SENAITE's worksheet listing takes disabled rows for empty
    slots.
    """

    spinner_columns = ()

    def before_render(self):
        if self.is_locked():
            # analyses listings show the select column again when edits are allowed
            self.listing.allow_edit = False
            self.listing.show_select_column = False

    def is_locked(self):
        return bool(self.queued) and self.context in self.queued

    def folder_item(self, obj, item, index):
        if item and self.is_locked():
            item["readonly"] = True
            item["allow_edit"] = []


# The names these adapters had in senaite.queue 1.x, for add-ons that register them for
# listings of their own
QueuedWorksheetsViewAdapter = QueuedWorksheetsAdapter
QueuedWorksheetAnalysesViewAdapter = QueuedWorksheetLockAdapter
QueuedAddAnalysesViewAdapter = QueuedAddAnalysesAdapter
QueuedAnalysesViewAdapter = QueuedAnalysesAdapter
QueuedSampleAnalysisServicesViewAdapter = QueuedSampleServicesAdapter
QueuedSamplesViewAdapter = QueuedSamplesAdapter
