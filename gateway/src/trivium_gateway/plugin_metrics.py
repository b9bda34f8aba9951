"""The Python plugins' decision counters on the gateway's `/metrics`, whichever process ran them.

In-process, the plugins count in this process (`plugin_support.PLUGIN_REGISTRY`). Under a plugin
server they count in its process, which the gateway starts with `PROMETHEUS_MULTIPROC_DIR` set,
so prometheus_client keeps its values in files there; this collector reads them at scrape time.
Families of the same name from several sources are merged, their samples summed. Only the
plugins' own families are taken from the files: whatever else the plugin server's process
created there is not the gateway's to report.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

from prometheus_client import REGISTRY
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from trivium_gateway.plugin_support import PLUGIN_REGISTRY

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


class PluginMetrics(Collector):
    """Collects the plugin families of this process and of every plugin server's files."""

    def __init__(self) -> None:
        self._folders: dict[Path, int] = {}
        self._lock = threading.Lock()

    def add_folder(self, folder: Path) -> None:
        """Read a plugin server's multiprocess files from now on."""
        with self._lock:
            self._folders[folder] = self._folders.get(folder, 0) + 1

    def remove_folder(self, folder: Path) -> None:
        with self._lock:
            users = self._folders.get(folder, 0) - 1
            if users > 0:
                self._folders[folder] = users
            else:
                self._folders.pop(folder, None)

    def describe(self) -> Iterable[Metric]:
        # Nothing: the families are the plugins', and the gateway's registry must not refuse
        # them for sharing names with a family some other collector reports.
        return []

    def collect(self) -> Iterable[Metric]:
        local = list(PLUGIN_REGISTRY.collect())
        names = {family.name for family in local}
        with self._lock:
            folders = [folder for folder in self._folders if folder.is_dir()]
        sources = [local]
        for folder in folders:
            reader = MultiProcessCollector(None, path=str(folder))  # type: ignore[no-untyped-call]
            files = reader.collect()  # type: ignore[no-untyped-call]
            sources.append([family for family in files if family.name in names])
        return merge_families(family for source in sources for family in source)


def merge_families(families: Iterable[Metric]) -> Iterator[Metric]:
    """Families by name, with the values of samples that share a name and labels summed."""
    merged: dict[str, Metric] = {}
    values: dict[str, dict[tuple[str, tuple[tuple[str, str], ...]], float]] = {}
    for family in families:
        if family.name not in merged:
            merged[family.name] = Metric(family.name, family.documentation, family.type)
            values[family.name] = {}
        for sample in family.samples:
            if sample.name.endswith("_created"):
                continue  # a creation time, which sums to nonsense across processes
            key = (sample.name, tuple(sorted(sample.labels.items())))
            values[family.name][key] = values[family.name].get(key, 0.0) + sample.value
    for name, metric in merged.items():
        for (sample_name, labels), value in values[name].items():
            metric.add_sample(sample_name, dict(labels), value)
        yield metric


_collector: PluginMetrics | None = None
_collector_lock = threading.Lock()


def plugin_metrics() -> PluginMetrics:
    """The process's collector, registered with the default registry on first use."""
    global _collector
    with _collector_lock:
        if _collector is None:
            _collector = PluginMetrics()
            REGISTRY.register(_collector)
        return _collector
