# -*- coding: utf-8 -*-
"""senaite.queue: asynchronous task queue for SENAITE LIMS."""

import logging

PRODUCT_NAME = "senaite.queue"
PROFILE_ID = "profile-senaite.queue:default"
UNINSTALL_PROFILE_ID = "profile-senaite.queue:uninstall"
PAS_PLUGIN_ID = "senaite_queue_auth"

logger = logging.getLogger(PRODUCT_NAME)
