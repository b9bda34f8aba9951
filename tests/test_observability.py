"""deploy/observability: the Prometheus configuration, alert rules and Grafana dashboards.

promtool (Debian's `prometheus` package; `make test` installs it through
deploy/observability/ensure-prometheus) checks the configuration and the rules and runs the rules'
unit tests. Without it those tests skip with the command that installs it, except under CI=true,
where they fail: CI must not pass on rules nobody ran.

Every metric an alert or a dashboard names must be one the code exports. The names are collected
from the code itself, not from a list kept here: a fresh interpreter imports every module of every
workspace package (wherever a service defines its metrics) and reads the families registered in
prometheus_client's registry and the gateway plugins' own registry.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from trivium_testing.waiting import until

ROOT = Path(__file__).resolve().parents[1]
OBSERVABILITY = ROOT / "deploy" / "observability"
PROMETHEUS = OBSERVABILITY / "prometheus"
LOCAL_CONFIG = PROMETHEUS / "prometheus.yml"
RULES = PROMETHEUS / "alerts.yml"
RULE_TESTS = sorted(PROMETHEUS.glob("*.test.yml"))
DASHBOARDS = sorted((OBSERVABILITY / "grafana" / "dashboards").glob("*.json"))
POD_MONITOR = OBSERVABILITY / "kubernetes" / "pod-monitor.yaml"
PROCFILE = ROOT / "deploy" / "local" / "Procfile"
KUBERNETES_BASE = ROOT / "deploy" / "kubernetes" / "base"
README = ROOT / "README.md"
INSTALL_PROMTOOL = "make promtool (as root), or: sudo apt-get install prometheus"
SEVERITIES = {"critical", "warning"}
# Series Prometheus writes itself for every target, whatever the target exports.
PROMETHEUS_SERIES = {"up", "scrape_duration_seconds", "scrape_samples_scraped"}
# Sample names a family of each type exports (prometheus_client's OpenMetrics naming: a counter
# family `x` is the sample `x_total`).
SAMPLE_SUFFIXES = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("_bucket", "_sum", "_count", "_created"),
    "summary": ("", "_sum", "_count", "_created"),
    "info": ("_info",),
    "stateset": ("",),
    "gaugehistogram": ("_bucket", "_gsum", "_gcount"),
    "unknown": ("",),
}

COLLECT_EXPORTED = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys
    from pathlib import Path

    root = Path(sys.argv[1])
    packages = sorted(
        init.parent.name
        for folder in root.iterdir()
        if folder.is_dir() and not folder.name.startswith(".")
        for init in folder.glob("**/src/*/__init__.py")
    )
    failures = []
    for package in packages:
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, prefix=package + "."):
            if info.name.rsplit(".", 1)[-1] == "__main__":
                continue
            try:
                importlib.import_module(info.name)
            except Exception as error:
                failures.append(f"{info.name}: {error!r}")

    from prometheus_client import REGISTRY
    from trivium_gateway.plugin_support import PLUGIN_REGISTRY

    families = {}
    for registry in (REGISTRY, PLUGIN_REGISTRY):
        for family in registry.collect():
            families[family.name] = family.type
    print(json.dumps({"packages": packages, "families": families, "failures": failures}))
    """
)


@cache
def exported() -> dict[str, Any]:
    """The metric families the code registers, collected in a fresh interpreter."""
    result = subprocess.run(
        [sys.executable, "-c", COLLECT_EXPORTED, str(ROOT)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    collected: dict[str, Any] = json.loads(result.stdout)
    return collected


def exported_sample_names() -> set[str]:
    return {
        family + suffix
        for family, kind in exported()["families"].items()
        for suffix in SAMPLE_SUFFIXES[kind]
    }


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_MATCHERS = re.compile(r"\{[^{}]*\}")
_RANGE = re.compile(r"\[[^\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_GRAFANA_VARIABLE = re.compile(r"\$\{[^}]*\}|\$\w+")
_IDENTIFIER = re.compile(r"(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?")
_KEYWORDS = {
    "and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right",
    "bool", "offset", "inf", "nan",
}  # fmt: skip


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression selects (function names, keywords, label names
    and values, durations and Grafana variables left out)."""
    text = _STRING.sub('""', expr)
    text = _MATCHERS.sub(" ", text)
    text = _RANGE.sub(" ", text)
    text = _GROUPING.sub(" ", text)
    text = _GRAFANA_VARIABLE.sub(" ", text)
    return {
        match.group(1)
        for match in _IDENTIFIER.finditer(text)
        if match.group(2) is None and match.group(1).lower() not in _KEYWORDS
    }


def grafana_to_promql(expr: str) -> str:
    """A dashboard's query as Prometheus itself would run it (Grafana's range variables filled)."""
    return re.sub(r"\$__rate_interval|\$__interval|\$__range", "5m", expr)


def rules() -> list[dict[str, Any]]:
    document = yaml.safe_load(RULES.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def dashboard_targets(dashboard: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for panel in dashboard["panels"]:
        for nested in [panel, *panel.get("panels", [])]:
            for target in nested.get("targets", []):
                yield nested["title"], target


def load_dashboards() -> dict[str, dict[str, Any]]:
    return {path.stem: json.loads(path.read_text()) for path in DASHBOARDS}


@pytest.fixture(scope="module")
def promtool() -> str:
    found = shutil.which("promtool")
    if found is not None:
        return found
    message = f"promtool is not installed: {INSTALL_PROMTOOL}"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def run(promtool: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [promtool, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=PROMETHEUS,
    )


class TestMetricNameExtraction:
    def test_finds_selected_metrics_only(self):
        expr = (
            'histogram_quantile(0.99, sum by (le) (rate(a_bucket{service="x", route!~"/(b|c)"}'
            "[$__rate_interval]))) / on (job) group_left b_total offset 5m > bool 1e3"
        )

        assert metric_names(expr) == {"a_bucket", "b_total"}

    def test_braces_inside_label_values(self):
        assert metric_names('max(q{stream="{quote-to-order}:work"}) and up') == {"q", "up"}


class TestExportedMetrics:
    def test_every_module_of_every_package_imports(self):
        collected = exported()

        assert {"trivium", "trivium_gateway", "quote_to_order_process"} <= set(
            collected["packages"]
        )
        assert collected["failures"] == []

    def test_finds_the_families_of_the_shared_library_services_and_plugins(self):
        names = exported_sample_names()

        assert {
            "trivium_http_requests_total",
            "trivium_http_request_duration_seconds_bucket",
            "trivium_quote_to_order_orders_total",
            "trivium_customer_sync_lag_seconds",
            "trivium_gateway_quota_decisions_total",
        } <= names


class TestPrometheusConfig:
    def test_local_config_is_valid(self, promtool):
        checked = run(promtool, "check", "config", LOCAL_CONFIG)

        assert checked.returncode == 0, checked.stdout + checked.stderr

    def test_local_config_scrapes_every_process_of_make_run(self):
        from trivium_gateway.settings import GatewaySettings

        status_port = GatewaySettings.model_fields["status_port"].default
        procfile = {
            name: int(port)
            for name, port in re.findall(r"^([\w-]+):.*--port (\d+)", PROCFILE.read_text(), re.M)
        }
        # The local gateway serves its metrics on its status listener, not the proxy port.
        expected = {
            name: f"127.0.0.1:{status_port if name == 'gateway' else port}"
            for name, port in procfile.items()
        }
        # Workers-only processes, when started with these metrics ports (make run runs none).
        workers = {
            "quote-to-order-worker": "127.0.0.1:9201",
            "create-customer-worker": "127.0.0.1:9202",
        }
        config = yaml.safe_load(LOCAL_CONFIG.read_text())

        scraped = {
            job["job_name"]: target
            for job in config["scrape_configs"]
            for static in job["static_configs"]
            for target in static["targets"]
        }

        assert scraped == {**expected, **workers}


class TestAlertRules:
    def test_rules_are_valid(self, promtool):
        checked = run(promtool, "check", "rules", RULES)

        assert checked.returncode == 0, checked.stdout + checked.stderr

    @pytest.mark.parametrize("tests", RULE_TESTS, ids=lambda path: path.name)
    def test_unit_tests_pass(self, promtool, tests):
        tested = run(promtool, "test", "rules", tests)

        assert tested.returncode == 0, tested.stdout + tested.stderr

    def test_there_are_unit_tests(self):
        assert RULE_TESTS

    def test_every_alert_has_a_unit_test(self):
        tested = {
            case["alertname"]
            for path in RULE_TESTS
            for test in yaml.safe_load(path.read_text())["tests"]
            for case in test.get("alert_rule_test", [])
            if case.get("exp_alerts")
        }

        assert {rule["alert"] for rule in rules()} - tested == set()

    def test_every_alert_says_how_bad_what_it_means_and_what_to_do(self):
        for rule in rules():
            assert rule["labels"]["severity"] in SEVERITIES, rule["alert"]
            assert rule["annotations"]["summary"], rule["alert"]
            assert "Runbook:" in rule["annotations"]["description"], rule["alert"]

    def test_rules_name_only_exported_metrics(self):
        names = exported_sample_names()

        for rule in rules():
            assert metric_names(rule["expr"]) - names == set(), rule["alert"]

    def test_unit_tests_feed_exported_metrics(self):
        names = exported_sample_names()
        for path in RULE_TESTS:
            for test in yaml.safe_load(path.read_text())["tests"]:
                for series in test["input_series"]:
                    assert metric_names(series["series"]) <= names, series["series"]

    def test_readme_explains_every_alert(self):
        text = README.read_text()
        assert "\n## Operating Trivium\n" in text
        operating = text.split("\n## Operating Trivium\n", 1)[1].split("\n## ", 1)[0]

        missing = {rule["alert"] for rule in rules() if f"`{rule['alert']}`" not in operating}

        assert missing == set(), "README, Operating Trivium: say what these mean and what to do"


class TestDashboards:
    def test_the_overview_and_one_per_flow(self):
        assert set(load_dashboards()) == {
            "overview",
            "quote-to-order",
            "create-customer",
            "customer-sync",
        }

    def test_every_dashboard_is_well_formed(self):
        uids = set()
        for name, dashboard in load_dashboards().items():
            variables = {item["name"] for item in dashboard["templating"]["list"]}
            ids = [panel["id"] for panel in dashboard["panels"]]

            assert dashboard["uid"] not in uids, name
            uids.add(dashboard["uid"])
            assert dashboard["title"], name
            assert "datasource" in variables, name
            assert len(ids) == len(set(ids)), name
            for title, target in dashboard_targets(dashboard):
                assert target["expr"].strip(), (name, title)
                assert target["datasource"]["uid"] == "${datasource}", (name, title)

    def test_queries_name_only_exported_metrics(self):
        names = exported_sample_names() | PROMETHEUS_SERIES
        unknown = {
            (name, title, metric)
            for name, dashboard in load_dashboards().items()
            for title, target in dashboard_targets(dashboard)
            for metric in metric_names(target["expr"]) - names
        }

        assert unknown == set()

    def test_every_query_selects_a_metric(self):
        for name, dashboard in load_dashboards().items():
            for title, target in dashboard_targets(dashboard):
                assert metric_names(target["expr"]), (name, title)

    def test_queries_parse(self, promtool, tmp_path):
        queries = [
            {"record": f"dashboard:query_{index}", "expr": grafana_to_promql(target["expr"])}
            for index, (_, target) in enumerate(
                target
                for dashboard in load_dashboards().values()
                for target in dashboard_targets(dashboard)
            )
        ]
        rules_file = tmp_path / "queries.yml"
        rules_file.write_text(yaml.safe_dump({"groups": [{"name": "q", "rules": queries}]}))

        checked = run(promtool, "check", "rules", rules_file)

        assert checked.returncode == 0, checked.stdout + checked.stderr


class TestKubernetes:
    def deployments(self) -> dict[str, dict[str, Any]]:
        found = {}
        for path in KUBERNETES_BASE.glob("*.yaml"):
            for item in yaml.safe_load_all(path.read_text()):
                if item and item["kind"] == "Deployment":
                    found[item["metadata"]["name"]] = item
        return found

    def test_every_trivium_pod_names_its_metrics_port(self):
        for name, deployment in self.deployments().items():
            template = deployment["spec"]["template"]
            if template["metadata"]["labels"].get("app.kubernetes.io/component") == "store":
                continue
            annotations = template["metadata"].get("annotations") or {}
            ports = {
                port["containerPort"]
                for container in template["spec"]["containers"]
                for port in container["ports"]
            }

            assert annotations.get("prometheus.io/scrape") == "true", name
            assert int(annotations["prometheus.io/port"]) in ports, name
            assert annotations.get("prometheus.io/path") == "/metrics", name

    def test_the_pod_monitor_selects_every_trivium_pod_on_named_ports(self):
        monitor = yaml.safe_load(POD_MONITOR.read_text())
        (expression,) = monitor["spec"]["selector"]["matchExpressions"]
        endpoints = {endpoint["port"] for endpoint in monitor["spec"]["podMetricsEndpoints"]}
        for name, deployment in self.deployments().items():
            template = deployment["spec"]["template"]
            component = template["metadata"]["labels"]["app.kubernetes.io/component"]
            names = {
                port.get("name")
                for container in template["spec"]["containers"]
                for port in container["ports"]
            }
            if component == "store":
                assert component not in expression["values"]
                continue

            assert component in expression["values"], name
            assert names & endpoints, name
            assert monitor["spec"]["jobLabel"] in template["metadata"]["labels"], name

        kong = self.deployments()["kong"]["spec"]["template"]["spec"]["containers"][0]
        assert {"status", "plugin-metrics"} <= {port["name"] for port in kong["ports"]}
        assert {"status", "plugin-metrics"} <= endpoints


class TestWorkerMetrics:
    @pytest.mark.asyncio
    async def test_a_standalone_worker_serves_its_metrics(self, suite: Any) -> None:
        worker = suite.workers["quote-to-order"]
        url = f"http://127.0.0.1:{worker.env['QUOTE_TO_ORDER_WORKER_METRICS_PORT']}/metrics"
        scraped: list[str] = []

        async def queue_depth_served() -> bool:
            # The worker may be starting again after another test killed it.
            try:
                async with httpx.AsyncClient(timeout=10) as client:
                    response = await client.get(url)
            except httpx.TransportError:
                return False
            scraped[:] = [response.text]
            return 'trivium_queue_depth{stream="{quote-to-order}:work"}' in response.text

        await until(queue_depth_served, what=f"the worker's queue gauge at {url}")
        assert "trivium_queue_messages_total" in scraped[0]
