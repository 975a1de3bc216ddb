# -*- coding: utf-8 -*-
"""SENAITE's worksheet views that apply a worksheet template, for when the queue is ready.

With the queue, a template's routine analyses are queued for assignment instead of added in
the request (see ``patches``), so the worksheet's layout may still be empty when these views
look at it. They tell the user the analyses are on their way instead of "No analyses were
added". They are registered for the content classes and the senaite.queue layer, so they
win over SENAITE's (registered for the interfaces and its own layer); without the queue
they are SENAITE's views.
"""

from bika.lims import api as capi
from bika.lims import bikaMessageFactory as _core
from bika.lims.browser.worksheet.views import AddAnalysesView
from bika.lims.browser.worksheet.views import AddWorksheetView
from bika.lims.utils import tmpID
from Products.CMFPlone.utils import _createObjectByType
from senaite.queue import api
from senaite.queue import messageFactory as _


class QueuedAddWorksheetView(AddWorksheetView):
    """``worksheet_add``: the "Add worksheet" button of the worksheets listing."""

    def __call__(self):
        if not api.can_queue():
            return super(QueuedAddWorksheetView, self).__call__()

        form = self.request.form
        analyst = form.get("analyst", "")
        template = form.get("template", "")
        instrument = form.get("instrument", "")
        if not analyst:
            return self.redirect(capi.get_url(self.context),
                                 _core("Analyst must be specified."), "warning")

        worksheet = _createObjectByType("Worksheet", self.context, tmpID())
        worksheet.processForm()
        worksheet.setAnalyst(analyst)
        if instrument:
            worksheet.setInstrument(instrument)
        worksheet.setResultsLayout(self.context.bika_setup.getWorksheetLayout())
        # the worksheet is the context of the events that follow
        self.request["context_uid"] = capi.get_uid(worksheet)
        url = capi.get_url(worksheet)

        template = capi.get_object_by_uid(template, None) if template else None
        if template is None:
            worksheet.processForm()
            return self.redirect("{}/add_analyses".format(url))

        worksheet.applyWorksheetTemplate(template)
        if api.is_queued(worksheet):
            message = _(u"The analyses of worksheet ${id} are being added in background.",
                        mapping={"id": capi.get_id(worksheet)})
            return self.redirect("{}/manage_results".format(url), message)
        if worksheet.getLayout():
            return self.redirect("{}/manage_results".format(url))
        return self.redirect("{}/add_analyses".format(url), _core("No analyses were added"))

    def redirect(self, url, message=None, level="info"):
        if message is not None:
            self.context.plone_utils.addPortalMessage(message, level)
        self.request.response.redirect(url)


class QueuedAddAnalysesView(AddAnalysesView):
    """``add_analyses``: the worksheet template form of a worksheet's "Add analyses"."""

    def handle_submit(self):
        if not api.can_queue():
            return super(QueuedAddAnalysesView, self).handle_submit()
        template_uid = self.request.form.get("getWorksheetTemplate")
        if not template_uid:
            return False
        if api.is_queued(self.context):
            self.add_status_message(
                _(u"Analyses are being added to this worksheet in background: apply the "
                  u"template once they are in."), level="warning")
            return False
        layout = self.context.getLayout()
        template = capi.get_object_by_uid(template_uid)
        self.request["context_uid"] = capi.get_uid(self.context)
        self.context.applyWorksheetTemplate(template)
        if api.is_queued(self.context):
            self.add_status_message(
                _(u"The analyses are being added to this worksheet in background."))
            return True
        return len(self.context.getLayout()) != len(layout)
