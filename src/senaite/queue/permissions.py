# -*- coding: utf-8 -*-
"""The add-on's own permissions (declared in permissions.zcml, granted by the profile's
rolemap.xml).

"Manage queue" guards what changes other users' tasks: requeue and delete, through the JSON
routes and the Queue Monitor's buttons. SENAITE 2.x grants "Manage Bika" to lab clerks too,
so it is not enough for that; it still guards reading the queue.

"View metrics" guards the queue's metrics for Prometheus (``queue_metrics``): give it to the
user a Prometheus server scrapes as, and to no one else who needs no more.
"""

ManageQueue = "senaite.queue: Manage queue"
ViewMetrics = "senaite.queue: View metrics"
