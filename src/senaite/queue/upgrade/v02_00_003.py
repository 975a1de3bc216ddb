# -*- coding: utf-8 -*-
"""Upgrade to profile version 20003: the thresholds of the queued sample work.

Adds the records ``sample_actions_threshold`` (bulk transitions from the samples listings)
and ``sample_create_threshold`` (the Add Sample form) with their defaults; the values of
the other settings are kept.
"""

from senaite.queue import PROFILE_ID
from senaite.queue import logger

VERSION = "20003"


def upgrade(setup_tool):
    logger.info("Upgrading senaite.queue to {} ...".format(VERSION))
    setup_tool.runImportStepFromProfile(PROFILE_ID, "plone.app.registry")
    logger.info("Upgraded senaite.queue to {}".format(VERSION))
