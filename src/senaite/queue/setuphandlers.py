# -*- coding: utf-8 -*-
"""Install and uninstall handlers of senaite.queue."""

from Products.CMFPlone.interfaces import INonInstallable
from zope.interface import implementer


@implementer(INonInstallable)
class HiddenProfiles(object):
    """Hides the uninstall profile from the add-ons control panel."""

    def getNonInstallableProfiles(self):
        return ["senaite.queue:uninstall"]

