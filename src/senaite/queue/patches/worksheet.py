# -*- coding: utf-8 -*-
"""Patches of ``bika.lims.content.worksheet.Worksheet`` (SENAITE 2.6.0).

Worksheets are Archetypes content: adding analyses to one is a method of the class, and
SENAITE 2.6 asks no adapter, utility or event before or while doing it. The assignment of
routine analyses is therefore diverted here. Each replacement calls SENAITE's original
(kept by collective.monkeypatcher as ``_old_<name>``) unless the queue is ready and the
request is not a consumer's.
"""

from bika.lims import api as capi
from senaite.queue import api
from senaite.queue.adapters.workflow.assignment import get_template_placements
from senaite.queue.adapters.workflow.assignment import has_duplicate_slots
from senaite.queue.adapters.workflow.assignment import is_routine
from senaite.queue.adapters.workflow.assignment import queue_assignment


def addAnalyses(self, analyses):
    """``Worksheet.addAnalyses``: used by the "Add analyses" view (through the "assign"
    workflow action) and the samples' "Add to worksheet" modal.

    With the queue ready, the routine analyses are queued, as one assignment task, in the
    order given; the others (none of SENAITE's callers passes any) are added at once.
    """
    if not api.can_queue():
        return self._old_addAnalyses(analyses)
    routine = []
    for analysis in analyses:
        analysis = capi.get_object(analysis)
        if is_routine(analysis):
            routine.append(analysis)
        else:
            self.addAnalysis(analysis)
    queue_assignment(self, routine)


def _apply_worksheet_template_routine_analyses(self, wst):
    """``Worksheet._apply_worksheet_template_routine_analyses``: the routine analyses of
    ``applyWorksheetTemplate`` (a template applied to a worksheet, or a worksheet created
    from a template).

    With the queue ready, the analyses the template selects are queued, as one assignment
    task with their slots. The template's duplicates need those analyses in place: the
    task adds them after its last analysis (``applyWorksheetTemplate`` finds none to
    duplicate yet). Blanks and controls are added at once, as without the queue.
    """
    if not api.can_queue():
        return self._old__apply_worksheet_template_routine_analyses(wst)
    placements = get_template_placements(self, wst)
    if not placements:
        return
    extra = {"wst_uid": capi.get_uid(wst)} if has_duplicate_slots(wst) else {}
    queue_assignment(self, [analysis for analysis, _ in placements],
                     slots=[slot for _, slot in placements], **extra)
