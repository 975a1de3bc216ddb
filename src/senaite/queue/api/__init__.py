# -*- coding: utf-8 -*-
"""Public Python API of senaite.queue: the one door from the Plone side into the queue.

Views, workflow-action adapters, guards, listings, viewlets, subscribers and task adapters
reach the site's queue through these names only. One module per domain:

- ``status``: the site's queue (1.x's utility, and the engine), the Queue Server, the
  queue's status and its database
- ``lookups``: reading tasks; whether the queue works on objects; a consumer's request
- ``tasks``: whether work may be queued, building and queueing tasks
- ``management``: requeue and delete, and the dispatch transitions of 1.x's utility
- ``secret``: the key the processes of the cluster sign their calls with

Every write applies a transition of ``server.dispatch`` in the caller's transaction: a task
exists if and only if the change that asked for it is committed. The door makes no HTTP
call: whether the queue server answers is asked of ``client.health``.
"""

from senaite.queue.api.lookups import QueuedLookup
from senaite.queue.api.lookups import get_queued_lookup
from senaite.queue.api.lookups import get_running_task
from senaite.queue.api.lookups import get_statistics
from senaite.queue.api.lookups import get_task
from senaite.queue.api.lookups import get_tasks
from senaite.queue.api.lookups import get_tasks_for
from senaite.queue.api.lookups import get_uids
from senaite.queue.api.lookups import is_consumer_run
from senaite.queue.api.lookups import is_queued
from senaite.queue.api.lookups import search
from senaite.queue.api.management import delete_task
from senaite.queue.api.management import done_task
from senaite.queue.api.management import fail_task
from senaite.queue.api.management import pop_task
from senaite.queue.api.management import purge_tasks
from senaite.queue.api.management import requeue_task
from senaite.queue.api.management import timeout_task
from senaite.queue.api.secret import get_secret
from senaite.queue.api.secret import rotate_secret
from senaite.queue.api.status import DISABLED
from senaite.queue.api.status import READY
from senaite.queue.api.status import RESUMING
from senaite.queue.api.status import database_problem
from senaite.queue.api.status import get_queue
from senaite.queue.api.status import get_queue_status
from senaite.queue.api.status import get_server_url
from senaite.queue.api.status import get_site_url
from senaite.queue.api.status import get_task_queue
from senaite.queue.api.status import is_installed
from senaite.queue.api.status import is_queue_enabled
from senaite.queue.api.status import is_queue_ready
from senaite.queue.api.status import is_queue_server
from senaite.queue.api.status import is_site_user
from senaite.queue.api.status import server_answers
from senaite.queue.api.status import server_silent_since
from senaite.queue.api.tasks import ACTION_TASK_PREFIX
from senaite.queue.api.tasks import ASSIGN_TASK
from senaite.queue.api.tasks import CREATE_SAMPLE_TASK
from senaite.queue.api.tasks import GENERIC_ACTION_TASK
from senaite.queue.api.tasks import REINDEX_SECURITY_TASK
from senaite.queue.api.tasks import add
from senaite.queue.api.tasks import add_action_task
from senaite.queue.api.tasks import add_assign_task
from senaite.queue.api.tasks import add_copy
from senaite.queue.api.tasks import add_create_sample_task
from senaite.queue.api.tasks import add_reindex_obj_security_task
from senaite.queue.api.tasks import add_task
from senaite.queue.api.tasks import can_queue
from senaite.queue.api.tasks import new_copy
from senaite.queue.api.tasks import new_task
from senaite.queue.api.tasks import queues_sample_creation
from senaite.queue.api.tasks import queues_sample_transition
from senaite.queue.protocol import CONSUMER_MARKER
from senaite.queue.protocol import LOOKUP_KEY

__all__ = (
    # status
    "READY", "RESUMING", "DISABLED", "is_installed", "get_queue", "get_server_url",
    "get_site_url", "get_task_queue", "is_queue_server", "server_answers", "server_silent_since",
    "get_queue_status", "is_queue_enabled", "is_queue_ready", "is_site_user",
    "database_problem",
    # lookups
    "get_task", "get_tasks", "get_tasks_for", "get_uids", "search", "get_statistics",
    "is_queued", "QueuedLookup", "get_queued_lookup", "get_running_task", "is_consumer_run",
    # tasks
    "GENERIC_ACTION_TASK", "CREATE_SAMPLE_TASK", "ACTION_TASK_PREFIX", "ASSIGN_TASK",
    "REINDEX_SECURITY_TASK", "can_queue", "queues_sample_transition",
    "queues_sample_creation", "new_task", "add_task", "add", "new_copy", "add_copy",
    "add_action_task", "add_assign_task", "add_create_sample_task",
    "add_reindex_obj_security_task",
    # management
    "requeue_task", "delete_task", "pop_task", "done_task", "fail_task", "timeout_task",
    "purge_tasks",
    # secret
    "get_secret", "rotate_secret",
    # request keys (protocol)
    "CONSUMER_MARKER", "LOOKUP_KEY",
)
