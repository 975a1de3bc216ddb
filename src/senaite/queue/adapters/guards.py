# -*- coding: utf-8 -*-
"""Guards that keep samples and worksheets still while the queue works on their analyses.

SENAITE's generic guard handler asks every ``IGuardAdapter`` of an object before any of its
transitions (``bika.lims.workflow.guard_handler``): one False blocks the transition. While
a task (queued or running) works on a sample or one of its analyses, or on a worksheet or
one of its analyses, every transition of that sample or worksheet is refused, so that what
users do and what the queue does cannot cross. A consumer processing a task is let through:
the transitions it triggers (e.g. the worksheet's "submit" once its last analysis is
submitted) are the queue's own work.
"""

from bika.lims.interfaces import IGuardAdapter
from senaite.queue import api
from zope.interface import implementer


@implementer(IGuardAdapter)
class QueueGuardAdapter(object):
    """Refuses every transition of the context while the queue works on it or on one of
    its analyses."""

    def __init__(self, context):
        self.context = context

    def guard(self, transition):
        # A consumer's own run first: it is one look at the task it runs, where the
        # queue's work on a sample or a worksheet is a look at each of its analyses
        if api.is_consumer_run():
            return True
        return not api.get_queued_lookup().works_on(self.context)


class SampleGuardAdapter(QueueGuardAdapter):
    """``senaite.queue.sample_guard``"""


class WorksheetGuardAdapter(QueueGuardAdapter):
    """``senaite.queue.worksheet_guard``"""
