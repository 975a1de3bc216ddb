# -*- coding: utf-8 -*-
"""SENAITE integration: task adapters, workflow-action adapters, guards, listing adapters,
the worksheet views the queue changes and the contact subscriber.

Every entry point queues work only when ``api.is_queue_ready()``; otherwise it does exactly
what SENAITE does without senaite.queue.
"""
