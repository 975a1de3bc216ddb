# -*- coding: utf-8 -*-
"""Task adapters (``IQueuedTaskAdapter``): what a task does when a consumer runs it, chunk by
chunk, and the helpers they share."""
