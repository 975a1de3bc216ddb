# -*- coding: utf-8 -*-
"""Where senaite.queue 1.x kept the queue clients' utility; it is 1.x's queue facade of
``compat.utility`` here."""

from senaite.queue.compat.utility import ClientQueueUtility  # noqa: F401
