"""Durable work queue on Redis Streams: at-least-once, crash recovery, retries, dead letters.

One queue named `<stream>` has one consumer group and three keys:
- `<stream>`        work not yet acknowledged. An entry is deleted when it is acked, so the
                    stream's length is exactly the outstanding work (undelivered + pending) and
                    trimming is never needed; `max_length` is admission control (`QueueFull`),
                    never MAXLEN, because every entry left in the stream is unfinished work;
- `<stream>:retry`  failed messages waiting for their retry (sorted set, score = due time in ms);
- `<stream>:dead`   messages that failed for good, with their last error, until replayed.

Every move between these keys is one Lua script, so a crash between two commands can neither lose
nor double a message, and two consumers never move the same one. The three keys share a hash slot,
as Redis Cluster requires of a script's keys: a stream named with a hash tag (`{orders}:work`)
keeps the names above, any other (`orders`) gets `{orders}:retry` and `{orders}:dead`.

Modules: `queue` (WorkQueue and its consumer loop), `delivery` (reading, reclaiming, handling and
settling deliveries), `dead_letters` (listing, replay, discard), `messages` (the value types and
how entries are encoded), `scripts` (the Lua scripts), `errors` (including `is_transient`: a
failure that only means Redis or the network was away is retried later as the same attempt, never
counted towards `max_attempts` nor dead-lettered).
"""

from trivium.work_queue.delivery import compute_backoff
from trivium.work_queue.errors import (
    DeadLetterNotFound,
    PermanentFailure,
    QueueFull,
    RetryLater,
    is_transient,
)
from trivium.work_queue.messages import DeadLetter, DeadLetterPage, Handler, Message, QueueStats
from trivium.work_queue.queue import WorkQueue, new_consumer_name

__all__ = [
    "DeadLetter",
    "DeadLetterNotFound",
    "DeadLetterPage",
    "Handler",
    "Message",
    "PermanentFailure",
    "QueueFull",
    "QueueStats",
    "RetryLater",
    "WorkQueue",
    "compute_backoff",
    "is_transient",
    "new_consumer_name",
]
