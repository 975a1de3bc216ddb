# -*- coding: utf-8 -*-
"""Upgrade to profile version 20004: metrics.

Grants "senaite.queue: View metrics" (the ``queue_metrics`` view) to Managers and Site
Administrators, and gives the stored queue its ``TaskMetrics``: from then on it counts
outcomes and durations by task name.
"""

from senaite.queue import PROFILE_ID
from senaite.queue import api
from senaite.queue import logger

VERSION = "20004"


def upgrade(setup_tool):
    logger.info("Upgrading senaite.queue to {} ...".format(VERSION))
    setup_tool.runImportStepFromProfile(PROFILE_ID, "rolemap")
    queue = api.get_task_queue()
    if queue is not None:
        queue.ensure_metrics()
    logger.info("Upgraded senaite.queue to {}".format(VERSION))
