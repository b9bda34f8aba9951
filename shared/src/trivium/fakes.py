"""Scripted failures for a service's in-memory fakes of its ports: the next calls of an operation
fail before taking effect, or take effect and lose their answer (as a timeout after the write)."""

from __future__ import annotations

from collections import Counter, defaultdict, deque


class ScriptedFailures:
    """Counts each operation's calls, and raises the errors scripted for them."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self._before: dict[str, deque[Exception]] = defaultdict(deque)
        self._after: dict[str, deque[Exception]] = defaultdict(deque)

    def fail_next(self, operation: str, *errors: Exception) -> None:
        """Make the next calls of `operation` raise these errors, one per call."""
        self._before[operation].extend(errors)

    def lose_next_answer(self, operation: str, error: Exception) -> None:
        """Let the next call of `operation` take effect, then raise `error`."""
        self._after[operation].append(error)

    def enter(self, operation: str) -> None:
        """Count a call of `operation`; raise the error scripted to fail it, if any."""
        self.calls[operation] += 1
        if self._before[operation]:
            raise self._before[operation].popleft()

    def leave(self, operation: str) -> None:
        """Raise the error scripted to lose the answer of `operation`, if any."""
        if self._after[operation]:
            raise self._after[operation].popleft()
