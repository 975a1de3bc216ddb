# -*- coding: utf-8 -*-
"""The Add Sample form with the queue, and the page that follows the columns it queued.

``ajax_ar_add/submit`` is SENAITE's, except when the form is saved with more filled-in
columns than the setting ``sample_create_threshold`` and the queue is ready: then every
column is queued as a ``task_create_sample`` and the user is sent at once to
``queued_samples``, which shows what each column creates and how far it is. Saving with
"Save and copy" (the copy needs the new samples) and columns with files (a task cannot
carry an upload) are done in the request, as SENAITE does; the answer says why.
"""

from bika.lims import api as capi
from bika.lims.api.security import check_permission
from bika.lims.browser.analysisrequest import ajaxAnalysisRequestAddView
from bika.lims.utils import get_link_for
from Products.CMFPlone.utils import safe_unicode
from Products.Five.browser import BrowserView
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from senaite.core.catalog import SAMPLE_CATALOG
from senaite.core.permissions import ManageBika
from senaite.queue import api
from senaite.queue import messageFactory as _
from senaite.queue.core.task import is_uid
from senaite.queue.core.task import new_uid
from senaite.queue.adapters.tasks.sample_columns import get_created_in_batch
from senaite.queue.adapters.tasks.sample_columns import has_files
from senaite.queue.adapters.tasks.sample_columns import is_filled
from senaite.queue.adapters.tasks.sample_columns import to_json
from zope.i18n import translate


class QueuedSampleAddView(ajaxAnalysisRequestAddView):
    """``ajax_ar_add``: queues the columns of the Add Sample form above the threshold."""

    def ajax_submit(self):
        columns = [(num, record) for num, record in enumerate(self.get_records(), 1)
                   if is_filled(self, record)]
        if not api.queues_sample_creation(len(columns)):
            return super(QueuedSampleAddView, self).ajax_submit()
        reason = self.get_not_queued_reason(columns)
        if reason:
            result = super(QueuedSampleAddView, self).ajax_submit()
            if result.get("success"):
                self.context.plone_utils.addPortalMessage(reason, "warning")
            return result
        confirmation = self.check_confirmation()
        if confirmation:
            return {"confirmation": confirmation}
        clients = []
        for num, record in columns:
            client = capi.get_object_by_uid(record.get("Client"), None)
            if client is None or capi.get_portal_type(client) != "Client":
                return self.error_answer(_(u"Column ${num}: no client", mapping={"num": num}))
            if client not in clients:
                clients.append(client)
        batch = new_uid()
        samples = 0
        for num, record in columns:
            client = capi.get_object_by_uid(record.get("Client"))
            api.add_create_sample_task(client, to_json(record), batch, num)
            samples += self.get_num_samples(record)
        message = _(u"${samples} samples of ${columns} columns will be created in background. "
                    u"This page shows how far they are.",
                    mapping={"samples": samples, "columns": len(columns)})
        message = translate(message, context=self.request)
        self.context.plone_utils.addPortalMessage(message, "info")
        url = "{}/queued_samples?batch={}&clients={}".format(
            capi.get_url(capi.get_portal()), batch, ",".join(map(capi.get_uid, clients)))
        return {"success": message, "redirect_to": url}

    def get_not_queued_reason(self, columns):
        """Why the columns are created in the request although they are many, or None."""
        if self.request.form.get("submit_action", "save") != "save":
            return _(u"Samples saved with \"Save and copy\" are created at once, not in "
                     u"background: the copy needs them.")
        if any(has_files(record) for num, record in columns):
            return _(u"Samples with attachments are created at once, not in background: a "
                     u"background task cannot carry uploaded files.")
        return None

    def error_answer(self, message):
        message = translate(message, context=self.request)
        return {"errors": {"message": message, "fielderrors": {}}}


class QueuedSamplesView(BrowserView):
    """``queued_samples``: the columns of an Add Sample form queued together (``batch``):
    what each creates, and whether it is queued, running, failed (with its error) or done
    (with its samples). Users see the tasks they queued; managers see every task."""

    template = ViewPageTemplateFile("templates/queued_samples.pt")

    def __call__(self):
        self.batch = self.request.form.get("batch")
        if not is_uid(self.batch, allow_portal=False):
            self.batch = None
        self.columns = self.get_columns() if self.batch else []
        return self.template()

    def is_manager(self):
        return check_permission(ManageBika, capi.get_portal())

    def get_monitor_url(self):
        return "{}/queue_tasks".format(capi.get_url(capi.get_portal()))

    def get_clients(self):
        uids = (self.request.form.get("clients") or "").split(",")
        clients = [capi.get_object_by_uid(uid, None) for uid in uids if is_uid(uid)]
        return [client for client in clients if client is not None
                and capi.get_portal_type(client) == "Client"]

    def get_columns(self):
        """One row per column, in the form's order."""
        user_id = capi.get_current_user().getId()
        manager = self.is_manager()
        rows = {}
        for task in api.get_tasks(["queued", "running", "failed"]):
            if task.name != api.CREATE_SAMPLE_TASK or task.get("batch") != self.batch:
                continue
            if not manager and task.username != user_id:
                continue
            row = self.describe(task.get("record") or {})
            row.update(column=task.get("column"), status=task.status,
                       error=safe_unicode(task.error_message or u""), samples=[])
            rows[task.get("column")] = row
        for client in self.get_clients():
            for column, uids in get_created_in_batch(client, self.batch).items():
                brains = sorted(capi.search({"UID": uids}, SAMPLE_CATALOG), key=capi.get_id)
                if not brains:
                    continue
                rows[column] = {"column": column, "status": "created", "error": u"",
                                "what": u"", "count": len(uids),
                                "samples": [get_link_for(brain) for brain in brains]}
        return [rows[column] for column in sorted(rows)]

    def describe(self, record):
        """What a column creates: sample type, contact, analyses, number of samples."""
        def title(uid):
            obj = capi.get_object_by_uid(uid, None) if is_uid(uid) else None
            if obj is None:
                return u""
            name = getattr(obj, "getFullname", None)
            return safe_unicode(name() if name else capi.get_title(obj))
        what = [title(record.get("SampleType")), title(record.get("Contact"))]
        analyses = record.get("Analyses") or []
        what.append(translate(_(u"${count} analyses", mapping={"count": len(analyses)}),
                              context=self.request))
        count = capi.to_int(record.get("NumSamples"), 1)
        return {"what": u", ".join(filter(None, what)), "count": max(count, 1)}

    def get_status_title(self, status):
        titles = {
            "queued": _(u"Queued"),
            "running": _(u"Being created"),
            "failed": _(u"Failed"),
            "created": _(u"Created"),
        }
        return translate(titles.get(status, status), context=self.request)
