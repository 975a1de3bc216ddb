# -*- coding: utf-8 -*-
"""Upgrade to profile version 20005: windows of tasks.

Adds the record ``window_tasks`` (how many tasks a consumer takes at once to fill its
minimum seconds) with its default; the values of the other settings are kept.
"""

from senaite.queue import PROFILE_ID
from senaite.queue import logger

VERSION = "20005"


def upgrade(setup_tool):
    logger.info("Upgrading senaite.queue to {} ...".format(VERSION))
    setup_tool.runImportStepFromProfile(PROFILE_ID, "plone.app.registry")
    logger.info("Upgraded senaite.queue to {}".format(VERSION))
