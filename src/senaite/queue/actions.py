# -*- coding: utf-8 -*-
"""The path senaite.queue 1.x's documentation gave its generic workflow-action adapter, so
that its ZCML recipe works as written; it lives in ``compat.actions``."""

from senaite.queue.compat.actions import WorkflowActionGenericQueueAdapter  # noqa: F401
