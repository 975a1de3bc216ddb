# -*- coding: utf-8 -*-
"""Where the PAS plugin's class was: every site's ``acl_users`` keeps its plugin pickled
under this path, so the class stays importable here (see ``routing.pasplugin``)."""

from senaite.queue.routing.pasplugin import QueueAuthPlugin  # noqa: F401
