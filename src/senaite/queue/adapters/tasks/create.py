# -*- coding: utf-8 -*-
"""``task_create_sample``: creates the samples of one column of the Add Sample form."""

from bika.lims import api as capi
from bika.lims.browser.analysisrequest import ajaxAnalysisRequestAddView
from Products.CMFPlone.utils import safe_unicode
from senaite.queue import logger
from senaite.queue.adapters.tasks.base import TaskAdapter
from senaite.queue.adapters.tasks.sample_columns import create_column
from senaite.queue.adapters.tasks.sample_columns import from_json
from senaite.queue.adapters.tasks.sample_columns import get_created
from senaite.queue.adapters.tasks.sample_columns import set_created
from senaite.queue.adapters.tasks.sample_columns import validate_column


class CreateSampleTaskAdapter(TaskAdapter):
    """Checks the column's values as the Add form does and creates its samples, once.

    A column with errors raises ``ValueError`` naming them: its task fails (the monitor
    and the follow-up page show why), the other columns are not concerned. A column
    created already (a task that runs again) is left as it is.
    """

    goes_on = False

    def process(self, task):
        client = self.context
        batch, column = task.get("batch"), task.get("column")
        if get_created(client, batch, column) is not None:
            logger.info("Column {} of {} was created already".format(column, batch))
            return
        record = from_json(task.get("record") or {})
        view = ajaxAnalysisRequestAddView(client, capi.get_request())
        values, errors = validate_column(view, record)
        if errors:
            details = u"; ".join(u"{}: {}".format(safe_unicode(key), safe_unicode(value))
                                 for key, value in sorted(errors.items()))
            raise ValueError(u"Column {}: {}".format(column, details).encode("utf-8"))
        samples = create_column(view, client, values, view.get_num_samples(record))
        set_created(client, batch, column, [capi.get_uid(sample) for sample in samples])
