# -*- coding: utf-8 -*-
"""What a site administrator sees when senaite.queue cannot be activated."""

from plone import api as ploneapi
from Products.Five.browser import BrowserView
from Products.statusmessages.interfaces import IStatusMessage
from senaite.queue import messageFactory as _


class NotASenaiteSiteView(BrowserView):
    """Shown for ``NotASenaiteSite``: back to the add-ons page of the site, with a message.

    The publisher aborts the transaction, so the site is left as it was. The redirect is
    locked, or the publisher would answer with the exception's status instead.
    """

    def __call__(self):
        IStatusMessage(self.request).add(_(
            u"SENAITE QUEUE works in a SENAITE site only. This site has no SENAITE LIMS, "
            u"so nothing was installed: activate the add-on in your SENAITE site."),
            type="error")
        portal = ploneapi.portal.get()
        url = "{}/prefs_install_products_form".format(portal.absolute_url())
        self.request.response.redirect(url, lock=True)
        return u""
