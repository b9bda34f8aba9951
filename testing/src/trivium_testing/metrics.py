"""Reading Prometheus samples of the default registry in tests: a sample's value, and how much
each of a set of samples grew while a test acted."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from prometheus_client import REGISTRY

# A sample as a hashable key: its name and its labels in order.
Sample = tuple[str, tuple[tuple[str, str], ...]]


def key(name: str, **labels: str) -> Sample:
    """The sample `name` with `labels`, as a key of `values` and `increase`."""
    return name, tuple(labels.items())


def sample(name: str, **labels: str) -> float:
    """The sample's current value (0 while it has none)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


def values(samples: Iterable[Sample]) -> dict[Sample, float]:
    """The current value of each sample."""
    return {(name, labels): sample(name, **dict(labels)) for name, labels in samples}


def increase(before: Mapping[Sample, float]) -> dict[Sample, float]:
    """How much each sample read into `before` (by `values`) has grown since."""
    return {key: value - before[key] for key, value in values(before).items()}
