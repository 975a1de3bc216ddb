# -*- coding: utf-8 -*-
"""PAS plugin that logs in the callers of the queue's routes by their token.

Only requests for a queue route (``@@API/senaite/v1/queue_server/...`` or
``.../queue_consumer/...``) with a token header (see ``protocol``) are looked at. A valid token
authenticates its user; any other token leaves the request anonymous and records why, so the
route answers 401 with that reason.
"""

import time

from AccessControl import ClassSecurityInfo
from AccessControl.class_init import InitializeClass
from Acquisition import aq_inner
from Acquisition import aq_parent
from Products.PluggableAuthService.interfaces.plugins import IAuthenticationPlugin
from Products.PluggableAuthService.interfaces.plugins import IExtractionPlugin
from Products.PluggableAuthService.plugins.BasePlugin import BasePlugin
from senaite.queue import PAS_PLUGIN_ID
from senaite.queue import api
from senaite.queue import protocol
from senaite.queue.core import token
from senaite.queue.interfaces import ISenaiteQueueLayer
from zope.globalrequest import getRequest
from zope.interface import implementer

META_TYPE = "SENAITE Queue Auth Plugin"
# The key of the user id in the credentials this plugin extracts
CREDENTIALS_KEY = "senaite.queue.user_id"
# Tokens seen by this process: a token is good for one request only
NONCES = token.NonceCache()


@implementer(IExtractionPlugin, IAuthenticationPlugin)
class QueueAuthPlugin(BasePlugin):
    """Authenticates queue route requests by their ``X-Queue-Auth-Token``."""

    meta_type = META_TYPE
    security = ClassSecurityInfo()

    def __init__(self, id=PAS_PLUGIN_ID, title="SENAITE Queue PAS plugin"):
        self._setId(id)
        self.title = title

    def get_secret(self):
        return api.get_secret(aq_parent(aq_inner(self._getPAS())))

    @security.private
    def extractCredentials(self, request):
        value = request.getHeader(protocol.TOKEN_HEADER)
        if not value or not ISenaiteQueueLayer.providedBy(request):
            return {}
        route = protocol.get_route(request.get("PATH_INFO") or "")
        secret = self.get_secret()
        if route is None or secret is None:
            return {}
        # A request ZPublisher retries after a ConflictError carries the same token: it
        # is checked as of the first attempt (ZPublisher hands every attempt the same
        # original environment), and its nonce is no replay
        first_seen = getattr(request, "_orig_env", {}).setdefault(
            protocol.FIRST_SEEN_KEY, time.time())
        retried = getattr(request, "retry_count", 0) > 0
        try:
            user_id = token.verify(secret, value, request.get("REQUEST_METHOD", "GET"),
                                   protocol.route_path(route),
                                   now=first_seen if retried else None,
                                   nonces=None if retried else NONCES)
        except (token.TokenError, ValueError) as exc:
            request.set(protocol.AUTH_ERROR_KEY, "{}".format(exc))
            return {}
        request.set(protocol.TOKEN_USER_KEY, user_id)
        return {CREDENTIALS_KEY: user_id}

    @security.private
    def authenticateCredentials(self, credentials):
        if credentials.get("extractor") != self.getId():
            return None
        user_id = credentials.get(CREDENTIALS_KEY)
        user = self._getPAS().getUserById(user_id) if user_id else None
        if user is None:
            request = getRequest()
            if request is not None:
                request.set(protocol.AUTH_ERROR_KEY, "Token user is not a user of this site")
            return None
        return user.getId(), user.getUserName()


InitializeClass(QueueAuthPlugin)
