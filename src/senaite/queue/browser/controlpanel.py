# -*- coding: utf-8 -*-
"""Site Setup > Add-on Configuration > Queue Settings: the records of
``IQueueControlPanel``.

After a save the form says whether the Queue Server answers. A Manager may also rotate the
shared secret the queue's clients sign their requests with; the secret itself is never shown.
"""

import transaction
from AccessControl import Unauthorized
from AccessControl import getSecurityManager
from plone.app.registry.browser.controlpanel import ControlPanelFormWrapper
from plone.app.registry.browser.controlpanel import RegistryEditForm
from plone.protect import CheckAuthenticator
from plone.protect import PostOnly
from plone.z3cform import layout
from Products.CMFCore.permissions import ManagePortal
from Products.statusmessages.interfaces import IStatusMessage
from senaite.queue import api
from senaite.queue import messageFactory as _
from senaite.queue import settings
from senaite.queue.client import health
# 1.x's path of the records' interface
from senaite.queue.settings import IQueueControlPanel
from z3c.form import button

# Seconds the form waits for the Queue Server after a save
PING_TIMEOUT = 3


class QueueControlPanelForm(RegistryEditForm):
    """Edits the queue's settings."""

    schema = IQueueControlPanel
    schema_prefix = settings.PREFIX
    label = _(u"Queue Settings")
    description = _(
        u"Bulk actions run as background tasks on the queue's ZEO clients. "
        u"An empty Queue Server disables the queue.")

    buttons = RegistryEditForm.buttons.copy()
    handlers = RegistryEditForm.handlers.copy()

    def updateWidgets(self):
        super(QueueControlPanelForm, self).updateWidgets()
        self.widgets["top_priority_tasks"].rows = 6

    def updateActions(self):
        super(QueueControlPanelForm, self).updateActions()
        if "rotate_secret" in self.actions:
            self.actions["rotate_secret"].addClass("destructive")

    def can_rotate_secret(self):
        """Whether the current user may rotate the shared secret."""
        return bool(getSecurityManager().checkPermission(ManagePortal, self.context))

    @button.handler(RegistryEditForm.buttons["save"])
    def handle_save(self, action):
        """Stores valid values, then says whether the Queue Server answers.

        The answer is a redirect, which plone.protect's automatic CSRF check does not see:
        the form's ``_authenticator`` token is checked here.
        """
        PostOnly(self.request)
        CheckAuthenticator(self.request)
        data, errors = self.extractData()
        if errors:
            self.status = self.formErrorsMessage
            return
        self.applyChanges(data)
        IStatusMessage(self.request).add(_(u"Changes saved."), "info")
        # The queue server knows it is the one only once the new URL is committed
        transaction.get().addAfterCommitHook(
            self.say_whether_server_answers, args=(settings.get_server_url(), ))
        self.request.response.redirect(self.request.getURL())

    def say_whether_server_answers(self, committed, url):
        """After-commit hook: a status message about the Queue Server ``url``."""
        if not committed:
            return
        messages = IStatusMessage(self.request)
        if not url:
            messages.add(_(
                u"The Queue Server is empty: the queue is disabled and every action "
                u"runs synchronously."), "info")
        elif health.check(url, max_age=0, timeout=PING_TIMEOUT).answers:
            messages.add(_(u"Queue server ${url} answers", mapping={"url": url}), "info")
        else:
            messages.add(_(
                u"Queue server ${url} does not answer: tasks will not be processed until "
                u"it does", mapping={"url": url}), "warning")

    @button.buttonAndHandler(_(u"Rotate secret"), name="rotate_secret",
                             condition=lambda form: form.can_rotate_secret())
    def handle_rotate_secret(self, action):
        """Replaces the shared secret; the settings in the form are not saved."""
        if not self.can_rotate_secret():
            raise Unauthorized("Only a Manager may rotate the queue's secret")
        PostOnly(self.request)
        CheckAuthenticator(self.request)
        api.rotate_secret()
        IStatusMessage(self.request).add(_(
            u"A new shared secret is in use; tasks in flight re-authenticate with it"),
            "info")
        self.request.response.redirect(self.request.getURL())


QueueControlPanelView = layout.wrap_form(QueueControlPanelForm, ControlPanelFormWrapper)
