# -*- coding: utf-8 -*-
"""Where senaite.queue 1.x kept the queue server's utility; it is 1.x's queue facade of
``compat.utility`` here."""

from senaite.queue.compat.utility import ServerQueueUtility  # noqa: F401
