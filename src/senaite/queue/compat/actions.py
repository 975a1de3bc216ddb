# -*- coding: utf-8 -*-
"""1.x's generic workflow-action adapter, ``WorkflowActionGenericQueueAdapter``: registered
by an add-on as ``workflow_action_<action>``, it queues the action of a listing's button
(public as ``senaite.queue.adapters.actions``, and as ``senaite.queue.actions``, the path
1.x's documentation gave it).
"""

from bika.lims.browser.workflow import WorkflowActionGenericAdapter
from plone.protect import CheckAuthenticator
from plone.protect import PostOnly
from senaite.queue.adapters.workflow.worksheet import QueuedActionMixin


class WorkflowActionGenericQueueAdapter(QueuedActionMixin, WorkflowActionGenericAdapter):
    """SENAITE's generic workflow-action adapter, except that when the queue is ready
    (``api.can_queue``) the transition of the selected objects is queued as one task of the
    listing's context, and the user is told so; objects queued already are left out. As the
    request ends with a redirect, which plone.protect's own check never sees, queueing wants
    a POST with the page's ``_authenticator`` token. Otherwise SENAITE transitions the
    objects in the request.
    """

    def do_action(self, action, objects):
        if action == self.queued:
            PostOnly(self.request)
            CheckAuthenticator(self.request)
        return super(WorkflowActionGenericQueueAdapter, self).do_action(action, objects)
