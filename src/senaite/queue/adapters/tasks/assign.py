# -*- coding: utf-8 -*-
"""Task adapter ``task_assign_analyses``: assigns analyses to a worksheet, chunk by chunk.

The task's ``uids`` are the analyses; ``slots`` is a list parallel to them (a slot number,
or None to let the worksheet choose: the slot of the analysis' sample if it has one, else
the first free one). Analyses with a slot go first, so that those without cannot take
their slots. A task queued by a worksheet template carries the template's UID
(``wst_uid``): once the last analysis is in, the template's duplicates are added.
"""

from bika.lims import api as capi
from bika.lims.utils import to_int
from senaite.queue.adapters.tasks.base import TaskAdapter
from senaite.queue.adapters.tasks.base import queue_rest
from senaite.queue.adapters.tasks.chunks import get_chunks_for


def get_pending(task):
    """``[(uid, slot)]`` of the task, numbered slots first, each analysis once."""
    slots = list(task.slots or [])
    pending = []
    seen = set()
    for index, uid in enumerate(task.uids):
        if uid in seen:
            continue
        seen.add(uid)
        slot = to_int(slots[index], 0) if index < len(slots) else 0
        pending.append((uid, slot if slot > 0 else None))
    return sorted(pending, key=lambda pair: pair[1] is None)


def get_slot(worksheet, analysis, slot):
    """The slot to ask the worksheet for: ``slot``, unless another sample occupies it."""
    if slot is None:
        return None
    container_uid = capi.get_uid(worksheet.get_container_for(analysis))
    for row in worksheet.getLayout():
        if to_int(row.get("position"), 0) == slot and row.get("container_uid") != container_uid:
            return None
    return slot


class AssignAnalysesTaskAdapter(TaskAdapter):
    """Adds the first ``chunk_size`` analyses of the task to the worksheet (the context);
    queues the rest.

    Analyses that no longer resolve or are assigned already (to this or another worksheet)
    are skipped, so a chunk that runs twice changes nothing the second time.
    """

    def process(self, task):
        worksheet = self.context
        chunk, rest = get_chunks_for(task, get_pending(task))
        in_layout = set(row.get("analysis_uid") for row in worksheet.getLayout())
        for uid, slot in chunk:
            if uid in in_layout:
                continue
            analysis = capi.get_object_by_uid(uid, None)
            if analysis is None or analysis.getWorksheetUID():
                continue
            worksheet.addAnalysis(analysis, get_slot(worksheet, analysis, slot))
        if rest:
            queue_rest(task, uids=[uid for uid, _ in rest], slots=[slot for _, slot in rest])
        else:
            self.finish(task)

    def finish(self, task):
        """After the last analysis: the duplicates of the worksheet template, if any."""
        wst_uid = task.get("wst_uid")
        template = capi.get_object_by_uid(wst_uid, None) if wst_uid else None
        if template is not None:
            self.context._apply_worksheet_template_duplicate_analyses(template)
