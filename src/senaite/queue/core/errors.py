# -*- coding: utf-8 -*-
"""Exceptions raised by the queue engine.

Every refused operation raises one of these before it changes anything, so the
HTTP layer can map them to a status code: ``InvalidArgumentError`` (and
``InvalidTaskError``) to 400, ``TaskNotFoundError`` to 404, ``StaleAckError``
to 409 and any other ``TaskStatusError`` to 412.
"""


class QueueError(Exception):
    """Base class of every error raised by the engine."""


class InvalidArgumentError(QueueError, ValueError):
    """An argument has a wrong type or value."""


class InvalidTaskError(InvalidArgumentError):
    """A task field is missing, has a wrong type or is out of range."""

    def __init__(self, field, reason):
        self.field = field
        self.reason = reason
        super(InvalidTaskError, self).__init__(
            "Invalid task field '{}': {}".format(field, reason))


class TaskNotFoundError(QueueError, LookupError):
    """No task with this uid is stored."""

    def __init__(self, task_uid):
        self.task_uid = task_uid
        super(TaskNotFoundError, self).__init__(
            "Task not found: {}".format(task_uid))


class TaskStatusError(QueueError):
    """The task's current status does not allow the operation."""

    def __init__(self, task_uid, status, message):
        self.task_uid = task_uid
        self.status = status
        super(TaskStatusError, self).__init__(message)


class StaleAckError(TaskStatusError):
    """An ack (done/fail/timeout) names an attempt that is not the current one.

    The task was re-dispatched (or purged) since that attempt started; the
    ack is ignored so that it can never touch the newer lease.
    """

    def __init__(self, task_uid, status, attempt, current_attempt):
        self.attempt = attempt
        self.current_attempt = current_attempt
        super(StaleAckError, self).__init__(
            task_uid, status,
            "Stale ack for task {}: attempt {} is not the current one "
            "(current attempt {}, status {})".format(
                task_uid, attempt, current_attempt, status))
