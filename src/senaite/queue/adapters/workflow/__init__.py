# -*- coding: utf-8 -*-
"""Workflow-action adapters and listing transitions that queue a worksheet's bulk actions
when the queue is ready."""
