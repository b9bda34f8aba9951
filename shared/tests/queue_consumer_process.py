"""A real consumer process for crash tests: announces each message on stdout, then hangs unacked.

Usage: python queue_consumer_process.py REDIS_URL STREAM CONSUMER_NAME VISIBILITY_SECONDS
"""

from __future__ import annotations

import asyncio
import sys

import redis.asyncio

from trivium.work_queue import Message, WorkQueue


async def consume_and_hang(url: str, stream: str, consumer: str, visibility: float) -> None:
    """Consume from `stream`; the handler reports the message and never returns (until killed)."""
    client = redis.asyncio.Redis.from_url(url)
    queue = WorkQueue(client, stream, visibility_timeout_seconds=visibility, block_ms=50)

    async def announce_and_hang(message: Message) -> None:
        sys.stdout.write(f"received {message.id} {message.attempt}\n")
        sys.stdout.flush()
        await asyncio.Event().wait()

    await queue.run_consumer(announce_and_hang, consumer_name=consumer, stop_event=asyncio.Event())


if __name__ == "__main__":
    redis_url, stream_name, consumer_name, visibility_seconds = sys.argv[1:5]
    asyncio.run(consume_and_hang(redis_url, stream_name, consumer_name, float(visibility_seconds)))
