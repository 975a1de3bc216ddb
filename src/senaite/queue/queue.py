# -*- coding: utf-8 -*-
"""The task helpers of senaite.queue 1.x, where add-ons written for it import them from;
they live in ``compat.tasks``."""

from senaite.queue.compat.tasks import *  # noqa: F401,F403
from senaite.queue.compat.tasks import __all__  # noqa: F401
from senaite.queue.compat.tasks import REQUIRED_KEYS  # noqa: F401
