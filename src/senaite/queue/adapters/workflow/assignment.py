# -*- coding: utf-8 -*-
"""Queueing the assignment of analyses to a worksheet.

Used wherever SENAITE assigns routine analyses in bulk: ``Worksheet.addAnalyses`` (the
"Add analyses" view, the samples' "Add to worksheet" modal) and the application of a
worksheet template (applied to a worksheet, or when a worksheet is created from one).
"""

from bika.lims import api as capi
from bika.lims.interfaces import IDuplicateAnalysis
from bika.lims.interfaces.analysis import IRequestAnalysis
from bika.lims.interfaces import IWorksheet
from senaite.core.catalog import ANALYSIS_CATALOG
from senaite.queue import api


def is_routine(analysis):
    """Whether the analysis belongs to a sample (not a duplicate, blank or control)."""
    return IRequestAnalysis.providedBy(analysis) and not IDuplicateAnalysis.providedBy(analysis)


def queue_assignment(worksheet, analyses, slots=None, **kw):
    """Queue one task that assigns the analyses to the worksheet, in the given slots
    (a list parallel to ``analyses``; None lets the worksheet choose).

    Analyses that are queued already, or assigned to a worksheet, are left out. Returns the
    task, or None when nothing is left to assign.
    """
    slots = list(slots or [])
    uids = []
    kept_slots = []
    queued = api.get_queued_lookup()
    for index, analysis in enumerate(analyses):
        analysis = capi.get_object(analysis)
        uid = capi.get_uid(analysis)
        if uid in uids or uid in queued or analysis.getWorksheetUID():
            continue
        uids.append(uid)
        kept_slots.append(slots[index] if index < len(slots) else None)
    if not uids:
        return None
    if not any(slot is not None for slot in kept_slots):
        kept_slots = []
    return api.add_assign_task(worksheet, uids, slots=kept_slots, **kw)


def get_template_placements(worksheet, template):
    """The routine analyses a worksheet template would add to the worksheet, with their
    slots: ``[(analysis, slot)]``.

    The same choice as SENAITE's ``Worksheet._apply_worksheet_template_routine_analyses``
    (unassigned analyses of the template's services, by priority, restricted to the
    template's instrument and method; analyses of a sample that has a slot already go into
    that slot, new samples take the free routine slots of the template), except that
    analyses queued already are left out, and that new samples get their slots in the order
    of their IDs.
    """
    if not IWorksheet.providedBy(worksheet):
        return []
    service_uids = template.getRawServices()
    if not service_uids:
        return []
    brains = capi.search({
        "portal_type": "Analysis",
        "getServiceUID": service_uids,
        "review_state": "unassigned",
        "sort_on": "getPrioritySortkey",
    }, ANALYSIS_CATALOG)
    free_slots = sorted(worksheet.resolve_available_slots(template, "a"))
    instrument = template.getRawInstrument()
    method = template.getRawRestrictToMethod()
    sample_slots = dict(worksheet.get_containers_slots())
    new_samples = []
    chosen = []
    queued = api.get_queued_lookup()
    for brain in brains:
        if brain in queued:
            continue
        analysis = capi.get_object(brain)
        if instrument and not analysis.isInstrumentAllowed(instrument):
            continue
        if method and not analysis.isMethodAllowed(method):
            continue
        sample_uid = analysis.getRequestUID()
        if sample_uid not in sample_slots:
            if not free_slots:
                continue
            sample_slots[sample_uid] = free_slots.pop(0)
            new_samples.append((analysis.getRequestID(), sample_uid))
        chosen.append((analysis, sample_uid))
    # New samples in the order of their IDs, in their slots' order
    new_slots = sorted(sample_slots[uid] for _, uid in new_samples)
    for (_, sample_uid), slot in zip(sorted(new_samples), new_slots):
        sample_slots[sample_uid] = slot
    return [(analysis, sample_slots[sample_uid]) for analysis, sample_uid in chosen]


def has_duplicate_slots(template):
    """Whether the template's layout has duplicate slots."""
    return any(row.get("type") == "d" for row in template.getTemplateLayout() or [])
