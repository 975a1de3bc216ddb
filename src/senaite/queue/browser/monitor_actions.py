# -*- coding: utf-8 -*-
"""The Queue Monitor's buttons: ``workflow_action_queue_requeue`` and
``workflow_action_queue_remove``.

SENAITE's ``workflow_action`` view (public) looks these adapters up by name and hands them the
selected UIDs, here task UIDs. That view ends with a redirect, which plone.protect's automatic
CSRF check never sees, so the adapters check the request themselves: a POST with the page's
``_authenticator`` token, and *senaite.queue: Manage queue* on the site (lab clerks, who have
*Manage Bika*, may read the monitor but not change it). They requeue or remove the tasks
through ``senaite.queue.api``, in the request's transaction, as the JSON routes do, and go
back to the monitor with a message. Running tasks are refused (a consumer may be working on
them right now) and left as they are.
"""

from AccessControl import getSecurityManager
from bika.lims import api as capi
from bika.lims.browser.workflow import RequestContextAware
from bika.lims.interfaces import IWorkflowActionUIDsAdapter
from plone.protect import CheckAuthenticator
from plone.protect import PostOnly
from senaite.queue import api
from senaite.queue import messageFactory as _
from senaite.queue.browser.monitor import MONITOR_VIEW
from senaite.queue.core.errors import InvalidArgumentError
from senaite.queue.core.errors import TaskNotFoundError
from senaite.queue.core.errors import TaskStatusError
from senaite.queue.permissions import ManageQueue
from zExceptions import Unauthorized
from zope.interface import implementer


@implementer(IWorkflowActionUIDsAdapter)
class MonitorActionAdapter(RequestContextAware):
    """Base of the monitor's actions: ``change(task_uid)`` does the work."""

    done_message = None

    def __call__(self, action, uids):
        portal = capi.get_portal()
        if not getSecurityManager().checkPermission(ManageQueue, portal):
            raise Unauthorized("Managing the queue needs the permission {}".format(ManageQueue))
        PostOnly(self.request)
        CheckAuthenticator(self.request)
        self.back_url = "{}/{}".format(capi.get_url(portal), MONITOR_VIEW)
        if not api.is_installed():
            return self.redirect(message=_("senaite.queue is not installed"), level="error")
        changed, running, missing = [], [], []
        for uid in uids:
            try:
                task = self.change(uid)
            except TaskStatusError as exc:
                running.append(exc.task_uid[:9])
            except (TaskNotFoundError, InvalidArgumentError):
                missing.append(uid)
            else:
                changed.append(task.short_uid)
        if running:
            self.add_status_message(_(
                "Running tasks cannot be changed, a consumer may be working on them: "
                "${uids}", mapping={"uids": ", ".join(running)}), "warning")
        if missing:
            self.add_status_message(_(
                "${count} task(s) not found: they may be done or removed already",
                mapping={"count": len(missing)}), "warning")
        if changed:
            return self.redirect(message=_(self.done_message, mapping={
                "uids": ", ".join(changed)}))
        if not running and not missing:
            return self.redirect(message=_("No changes made"), level="warning")
        return self.redirect()

    def get_redirect_url(self):
        return self.back_url

    def change(self, task_uid):
        """Change the task; the task, or a ``QueueError`` saying why not."""
        raise NotImplementedError


class WorkflowActionRequeueAdapter(MonitorActionAdapter):
    """Requeue: failed tasks are queued again and queued ones keep their place; both get
    the retries of the settings."""

    done_message = _("Tasks queued again: ${uids}")

    def change(self, task_uid):
        return api.requeue_task(task_uid)


class WorkflowActionRemoveAdapter(MonitorActionAdapter):
    """Remove: the tasks are deleted from the queue."""

    done_message = _("Tasks removed: ${uids}")

    def change(self, task_uid):
        return api.delete_task(task_uid, running=False)
