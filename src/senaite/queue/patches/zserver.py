# -*- coding: utf-8 -*-
"""ZServer 4.0.2 never retries a request after a ConflictError, and a retry would not be the
global request.

Its start-up handler stores zope.conf's ``max-conflict-retries`` (3 by default) on the
module ``ZPublisher.HTTPRequest`` instead of on the class ``HTTPRequest``, whose
``retry_max_count`` stays 0. Every conflict then fails the request with a 500: users'
requests lose their conflicts with the consumers, and ZPublisher's retries of the
consumer's own ``process`` request never happen. Zope's WSGI start-up sets the class.

Its publisher also leaves a retried request out of ``zope.globalrequest``: the closed request
of the try that lost stays the global one, so code that asks ``getRequest()`` (senaite.jsonapi,
``bika.lims.api.get_request``, the queue's guards) sees no form and none of the markers of
the try that runs. WSGI's publisher sets every request it publishes.
"""

from App.config import getConfiguration
from senaite.queue import logger
from zope.globalrequest import getRequest
from zope.globalrequest import setRequest
from ZPublisher.HTTPRequest import HTTPRequest


def restore_conflict_retries(event):
    """``IProcessStarting`` subscriber: set the retries zope.conf asks for on the class."""
    retries = getattr(getConfiguration(), "max_conflict_retries", None)
    if retries and not HTTPRequest.retry_max_count:
        HTTPRequest.retry_max_count = retries
        logger.info("ConflictError retries of requests: {}".format(retries))


def set_global_request(event):
    """``IPubStart`` subscriber: the request ZPublisher publishes, a retried one too, is the
    global request."""
    if getRequest() is not event.request:
        setRequest(event.request)
