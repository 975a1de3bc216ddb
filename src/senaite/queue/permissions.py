# -*- coding: utf-8 -*-
"""The add-on's own permissions (declared in permissions.zcml, granted by the profile's
rolemap.xml).

"Manage queue" guards what changes other users' tasks: requeue and delete, through the JSON
routes and the Queue Monitor's buttons. SENAITE 2.x grants "Manage Bika" to lab clerks too,
so it is not enough for that; it still guards reading the queue.
"""

ManageQueue = "senaite.queue: Manage queue"
