# -*- coding: utf-8 -*-
"""Why a consumer cannot run a task; the ``process`` route answers each with its own HTTP
status."""


class ProcessError(Exception):
    """The task's run commits nothing."""


class ContextMissingError(ProcessError):
    """The task's context is not there (any more)."""

    def __init__(self, task):
        super(ContextMissingError, self).__init__(
            "Task's context is not available: {}".format(task.context_path))


class NoAdapterError(ProcessError):
    """No task adapter is registered for the task's name and context."""

    def __init__(self, task):
        super(NoAdapterError, self).__init__("No adapter found for {}".format(task.name))


class NoUserError(ProcessError):
    """The task's user is not a user of this site."""

    def __init__(self, task):
        super(NoUserError, self).__init__("Task has no user of this site to run as: {}".format(
            task.username or "none"))
