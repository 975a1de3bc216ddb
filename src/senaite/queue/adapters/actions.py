# -*- coding: utf-8 -*-
"""Where senaite.queue 1.x kept its generic workflow-action adapter, which add-ons register
in ZCML; it lives in ``compat.actions``."""

from senaite.queue.compat.actions import WorkflowActionGenericQueueAdapter  # noqa: F401
