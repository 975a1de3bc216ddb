# -*- coding: utf-8 -*-
"""Adapters of SENAITE's hooks: guards and listing adapters here, task adapters in ``tasks/``,
workflow-action adapters in ``workflow/`` (``actions`` is where 1.x kept its generic one).

Every entry point queues work only when the queue is ready; otherwise it does exactly what
SENAITE does without senaite.queue.
"""
