# -*- coding: utf-8 -*-
"""Upgrade to profile version 20001: the permission "senaite.queue: Manage queue".

Requeue, delete and the Queue Monitor's buttons need it from now on. The step grants it to
the roles of the profile's rolemap.xml (Manager, Site Administrator, LabManager), so that a
site that had the queue before keeps the same managers, less the lab clerks. It also adds
the settings' new records (``max_seconds_conflicts``, ``fill_min_seconds``) with their
defaults; the values of the others are kept.
"""

from senaite.queue import PROFILE_ID
from senaite.queue import logger

VERSION = "20001"


def upgrade(setup_tool):
    logger.info("Upgrading senaite.queue to {} ...".format(VERSION))
    setup_tool.runImportStepFromProfile(PROFILE_ID, "rolemap")
    setup_tool.runImportStepFromProfile(PROFILE_ID, "plone.app.registry")
    logger.info("Upgraded senaite.queue to {}".format(VERSION))
