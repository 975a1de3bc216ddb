# -*- coding: utf-8 -*-
"""Sample creation in background: the columns of the Add Sample form, one task each.

A column is the form's values for one sample (or ``NumSamples`` alike). The request that
saves the form queues one ``task_create_sample`` per column, with the column's values as
the form sent them (``to_json``); the task checks them as SENAITE's form does and creates
the samples (``create_column``). What a column created is written on its client in the
same transaction (``set_created``): a task that runs again, because its consumer died
after the commit or its acknowledgement was lost, finds it there and creates nothing more.
"""

import six
from BTrees.OOBTree import OOBTree
from bika.lims import api as capi
from bika.lims.interfaces import IAddSampleRecordsValidator
from bika.lims.utils.analysisrequest import create_analysisrequest
from DateTime import DateTime
from senaite.queue import messageFactory as _
from zope.annotation.interfaces import IAnnotations
from zope.component import getAdapters
from zope.i18n import translate

# The client's annotation with the samples of each column: "<batch>:<column>" -> UIDs
CREATED_KEY = "senaite.queue.created_samples"


def get_created(client, batch, column):
    """The UIDs of the samples the column created, or None when it has not been created."""
    created = IAnnotations(client).get(CREATED_KEY)
    if created is None:
        return None
    uids = created.get(_key(batch, column))
    return list(uids) if uids is not None else None


def get_created_in_batch(client, batch):
    """``{column: UIDs}`` of the columns of ``batch`` created in the client."""
    created = IAnnotations(client).get(CREATED_KEY)
    if created is None:
        return {}
    prefix = "{}:".format(batch)
    result = {}
    for key, uids in created.items(min=prefix, max=prefix + "~"):
        if key.startswith(prefix):
            result[int(key[len(prefix):])] = list(uids)
    return result


def set_created(client, batch, column, uids):
    """Remember the samples the column created, in the caller's transaction."""
    annotations = IAnnotations(client)
    created = annotations.get(CREATED_KEY)
    if created is None:
        created = annotations[CREATED_KEY] = OOBTree()
    created[_key(batch, column)] = tuple(uids)


def _key(batch, column):
    return "{}:{}".format(batch, column)


def to_json(value):
    """The form's value as JSON values: dates as ISO text, form records as dicts."""
    if isinstance(value, DateTime):
        return value.ISO8601()
    if isinstance(value, six.binary_type):
        return value.decode("utf-8")
    if isinstance(value, (list, tuple)):
        return [to_json(item) for item in value]
    if hasattr(value, "items"):
        return dict((str(key), to_json(item)) for key, item in value.items())
    if value is None or isinstance(value, (six.text_type, bool, int, float)):
        return value
    return six.text_type(value)


def from_json(value):
    """A value of ``to_json`` as the form gives it: text as utf-8 strings."""
    if isinstance(value, six.text_type):
        return value.encode("utf-8")
    if isinstance(value, list):
        return [from_json(item) for item in value]
    if isinstance(value, dict):
        return dict((key, from_json(item)) for key, item in value.items())
    return value


def has_files(record):
    """Whether the column carries files (attachments, files of service conditions)."""
    for key, value in record.items():
        if key.endswith("_file") and getattr(value, "filename", None):
            return True
    for condition in record.get("ServiceConditions") or []:
        if condition.get("type") == "file" and getattr(condition.get("value"), "filename",
                                                         None):
            return True
    return False


def is_filled(view, record):
    """Whether the column is filled in, as SENAITE's form decides: a required field other
    than the client and the contact (and the analyses, when they are optional) has a
    value. Empty columns create nothing."""
    skip = ["Client", "Contact"]
    if not view.analyses_required():
        skip.append("Analyses")
    required = [field.getName() for field in view.get_ar_fields() if field.required]
    return any(record.get(name) for name in required if name not in skip)


def validate_column(view, record):
    """``(values, errors)`` of a column: the values as the fields take them, and the
    errors as ``{label: message}``, checked as SENAITE's Add form does: required fields,
    the contact's client, the number of samples, each field's validators and the records
    validators of add-ons."""
    errors = {}
    request = view.request
    contact = capi.get_object(record.get("Contact"), None)
    if contact is None:
        errors["Contact"] = _(u"No valid contact")
    elif capi.get_uid(capi.get_parent(contact)) != record.get("Client"):
        errors["Contact"] = _(u"The contact does not belong to the selected client")
    maximum = view.get_max_samples_per_record()
    if view.get_num_samples(record) > maximum:
        errors["NumSamples"] = _(u"More than ${maximum} samples",
                                 mapping={"maximum": maximum})
    skip = ["Client", "Contact"] + ([] if view.analyses_required() else ["Analyses"])
    tmp_sample = view.get_ar()
    valid = {}
    for field in view.get_ar_fields():
        name = field.getName()
        label = view.get_field_label(field) or name
        if field.required and name not in skip and not record.get(name):
            errors[label] = _(u"Required")
            continue
        if record.get(name) in ("", None):
            continue
        value = field.widget.process_form(tmp_sample, field, record)[0]
        if not value:
            continue
        valid[name] = value
        error = field.validate(value, tmp_sample)
        if error:
            errors[label] = error
    for name, validator in getAdapters((request, ), IAddSampleRecordsValidator):
        error = validator.validate([valid])
        if error:
            errors[name or "validator"] = error.get("message") or error
    errors = dict((key, translate(value, context=request)) for key, value in errors.items())
    return valid, errors


def create_column(view, client, values, count):
    """Create ``count`` samples in the client with the column's checked ``values``."""
    return [create_analysisrequest(client, view.request, values) for num in range(count)]
