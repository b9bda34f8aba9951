"""The work queue's errors: the handler's way to give up, and the problems callers may see."""

from trivium.problems import NotFound, ServiceUnavailable


class PermanentFailure(Exception):
    """Raised by a handler when retrying cannot help: the message is dead-lettered at once."""


class QueueFull(ServiceUnavailable):
    slug = "queue-full"
    title = "Too much work is waiting; try again later"


class DeadLetterNotFound(NotFound):
    slug = "dead-letter-not-found"
    title = "No such dead letter"
