"""deploy/kubernetes (Kustomize base and production overlay), checked statically."""

from __future__ import annotations

import copy
import functools
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from trivium.redis_users import GRANTS
from trivium_gateway.declarative import env_vault, parse_declarative
from trivium_gateway.settings import GATEWAY_DIR

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"
BASE = DEPLOY / "kubernetes" / "base"
OVERLAY = DEPLOY / "kubernetes" / "overlays" / "production"
REGENERATE = "regenerate with `python deploy/kong/kong_config.py kubernetes`"
KEY_DIRECTORY = "/run/secrets/trivium/service-key"
KEY_FILE = f"{KEY_DIRECTORY}/private.pem"
TRUSTED_DIRECTORY = "/run/trivium/trusted"
KUBERNETES_VALIDATE = "kubernetes-validate==1.37.0"
# quote-to-order's queue consumers: a Deployment of their own, scaled by KEDA.
WORKER = "quote-to-order-worker"
# The objects of KEDA's custom resources, which Kubernetes' own schemas do not know.
KEDA_API = "keda.sh/"


def objects():
    """The base's objects as its files hold them (a copy of their own for each caller)."""
    return copy.deepcopy(_base_objects())


@functools.cache
def _base_objects():
    # Parsed once: PyYAML's pure-Python parser over every manifest, for each of many tests, was
    # most of this module's time.
    kustomization = yaml.safe_load((BASE / "kustomization.yaml").read_text())
    found = []
    for resource in kustomization["resources"]:
        found += [doc for doc in yaml.safe_load_all((BASE / resource).read_text()) if doc]
    return found


def kong_plugins(document):
    found = list(document.get("plugins") or [])
    for service in document.get("services") or []:
        found += service.get("plugins") or []
        for route in service.get("routes") or []:
            found += route.get("plugins") or []
    return found


def by_kind(kind):
    return {o["metadata"]["name"]: o for o in objects() if o["kind"] == kind}


class TestKustomization:
    @pytest.mark.parametrize("folder", [BASE, OVERLAY])
    def test_lists_existing_files(self, folder):
        kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
        listed = list(kustomization.get("resources", []))
        listed += [p["path"] for p in kustomization.get("patches", []) if "path" in p]
        for generator in kustomization.get("configMapGenerator", []):
            listed += [item.split("=")[-1] for item in generator["files"]]

        for entry in listed:
            assert (folder / entry).exists(), entry

    def test_every_object_is_well_formed(self):
        for item in objects():
            assert {"apiVersion", "kind", "metadata"} <= set(item), item
            assert item["metadata"].get("name"), item
            if item["kind"] != "ConfigMap":
                assert "spec" in item, item["metadata"]["name"]

    @pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
    @pytest.mark.parametrize("folder", [BASE, OVERLAY])
    def test_kustomize_builds(self, folder):
        built = subprocess.run(
            ["kubectl", "kustomize", str(folder)], capture_output=True, text=True, timeout=60
        )

        assert built.returncode == 0, built.stderr
        names = {(d["kind"], d["metadata"]["name"]) for d in yaml.safe_load_all(built.stdout)}
        assert ("Deployment", "kong") in names
        assert (("Deployment", "salesforce-emulator") in names) is (folder == BASE)


class TestDeployments:
    def test_every_service_has_a_deployment_and_a_service(self, services):
        assert set(by_kind("Deployment")) == {*services, "kong", "redis", WORKER}
        assert set(by_kind("Service")) == {*services, "kong", "redis"}

    def test_ports_probes_resources_selectors(self, services):
        deployments, kube_services = by_kind("Deployment"), by_kind("Service")
        for name, (_, port) in services.items():
            template = deployments[name]["spec"]["template"]
            (container,) = template["spec"]["containers"]
            labels = template["metadata"]["labels"].items()

            assert deployments[name]["spec"]["selector"]["matchLabels"].items() <= labels, name
            assert kube_services[name]["spec"]["selector"].items() <= labels, name
            assert container["ports"] == [{"name": "http", "containerPort": port}], name
            assert kube_services[name]["spec"]["ports"][0]["port"] == port, name
            assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", name
            assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", name
            assert {"cpu", "memory"} <= set(container["resources"]["requests"]), name
            assert {"cpu", "memory"} <= set(container["resources"]["limits"]), name
            assert container["image"] == f"trivium/{name}:latest", name

    def test_each_service_mounts_its_own_key_and_the_trusted_keys(self, services, emulators):
        deployments = by_kind("Deployment")
        for name in services.keys() - emulators:
            spec = deployments[name]["spec"]["template"]["spec"]
            (container,) = spec["containers"]
            env = {item["name"]: item for item in container["env"]}
            volumes = {volume["name"]: volume for volume in spec["volumes"]}
            mounts = {mount["name"]: mount for mount in container["volumeMounts"]}

            assert env["TRIVIUM_SERVICE_KEY_FILE"] == {
                "name": "TRIVIUM_SERVICE_KEY_FILE",
                "value": KEY_FILE,
            }, name
            assert env["TRIVIUM_TRUSTED_KEYS"]["value"] == TRUSTED_DIRECTORY, name
            assert volumes["service-key"]["secret"] == {
                "secretName": f"service-key-{name}",
                "defaultMode": 0o440,
            }, name
            assert volumes["trusted-keys"]["secret"] == {"secretName": "trivium-trusted-keys"}, name
            assert mounts["service-key"]["mountPath"] == KEY_DIRECTORY, name
            assert mounts["trusted-keys"]["mountPath"] == TRUSTED_DIRECTORY, name
            assert all(mount.get("readOnly") for mount in mounts.values()), name
            # The image's user reads the 0440 key files through the pod's group.
            assert spec["securityContext"]["fsGroup"] == 10001, name

    def test_no_pod_gets_another_signers_key(self):
        for name, deployment in by_kind("Deployment").items():
            volumes = deployment["spec"]["template"]["spec"].get("volumes", [])
            keys = [
                volume["secret"]["secretName"]
                for volume in volumes
                if volume.get("secret", {}).get("secretName", "").startswith("service-key-")
            ]
            signer = {"kong": "gateway", WORKER: "quote-to-order"}.get(name, name)
            expected = f"service-key-{signer}"

            assert keys in ([], [expected]), name
            assert all("items" not in volume.get("secret", {}) for volume in volumes), name

    def test_each_service_signs_in_to_redis_as_its_own_user(self, services, emulators):
        deployments = by_kind("Deployment")
        for name in services.keys() - emulators:
            (container,) = deployments[name]["spec"]["template"]["spec"]["containers"]
            env = [item["name"] for item in container["env"]]
            items = {item["name"]: item for item in container["env"]}

            assert name in GRANTS, name
            assert items["REDIS_PASSWORD"]["valueFrom"] == {
                "secretKeyRef": {"name": "trivium-redis-users", "key": name}
            }, name
            # Kubernetes expands $(REDIS_PASSWORD) only from variables listed before.
            assert env.index("REDIS_PASSWORD") < env.index("REDIS_URL"), name
            assert items["REDIS_URL"]["value"] == f"redis://{name}:$(REDIS_PASSWORD)@redis:6379/0"
        assert "REDIS_URL" not in by_kind("ConfigMap")["trivium-shared"]["data"]

    def test_kong_signs_in_to_redis_as_the_gateway(self):
        (container,) = by_kind("Deployment")["kong"]["spec"]["template"]["spec"]["containers"]
        env = {item["name"]: item for item in container["env"]}

        assert env["TRIVIUM_REDIS_PASSWORD"]["valueFrom"] == {
            "secretKeyRef": {"name": "trivium-redis-users", "key": "gateway"}
        }
        assert env["TRIVIUM_REDIS_URL"]["value"] == (
            "redis://gateway:$(TRIVIUM_REDIS_PASSWORD)@redis:6379/0"
        )

    def test_redis_takes_its_users_from_the_acl_file_of_a_secret(self):
        spec = by_kind("Deployment")["redis"]["spec"]["template"]["spec"]
        (container,) = spec["containers"]
        env = {item["name"]: item for item in container["env"]}
        (mount,) = container["volumeMounts"]
        (volume,) = spec["volumes"]

        assert container["args"] == ["--aclfile", f"{mount['mountPath']}/users.acl"]
        assert volume["name"] == mount["name"]
        assert mount["readOnly"]
        assert volume["secret"]["secretName"] == "trivium-redis-users"
        assert env["REDISCLI_AUTH"]["valueFrom"] == {
            "secretKeyRef": {"name": "trivium-redis-users", "key": "default"}
        }
        assert "PONG" in container["readinessProbe"]["exec"]["command"][-1]

    def test_urls_name_services_on_their_ports(self, services):
        for name, deployment in by_kind("Deployment").items():
            for container in deployment["spec"]["template"]["spec"]["containers"]:
                for item in container.get("env", []):
                    # The address of a URL, without the user name a Redis URL names.
                    value = re.sub(r"//[^/@]*@", "//", str(item.get("value", "")))
                    for host, (_, port) in services.items():
                        if f"//{host}:" in value:
                            assert f"//{host}:{port}" in value, f"{name}.{item['name']}"

    def test_autoscalers_target_existing_deployments(self):
        deployments = by_kind("Deployment")
        autoscalers = by_kind("HorizontalPodAutoscaler")

        assert {"kong", "mobile-experience", "partner-portal-experience"} <= set(autoscalers)
        for name, autoscaler in autoscalers.items():
            assert autoscaler["spec"]["scaleTargetRef"]["name"] in deployments, name
            assert 1 <= autoscaler["spec"]["minReplicas"] <= autoscaler["spec"]["maxReplicas"]


def replicated(services, emulators):
    """The Deployments that run several replicas: every service, Kong and the queue workers."""
    return {*services.keys() - emulators, "kong", WORKER}


def env_of(deployment):
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return {item["name"]: item for item in container.get("env", [])}


class TestScaleOut:
    def test_every_replicated_deployment_runs_two_replicas_spread_over_nodes(
        self, services, emulators
    ):
        deployments = by_kind("Deployment")
        for name in replicated(services, emulators):
            spec = deployments[name]["spec"]
            (term,) = spec["template"]["spec"]["affinity"]["podAntiAffinity"][
                "preferredDuringSchedulingIgnoredDuringExecution"
            ]

            assert spec["replicas"] >= 2, name
            assert term["podAffinityTerm"]["topologyKey"] == "kubernetes.io/hostname", name
            assert (
                term["podAffinityTerm"]["labelSelector"]["matchLabels"]
                == (spec["selector"]["matchLabels"])
            ), name

    def test_a_disruption_budget_keeps_one_replica_of_each(self, services, emulators):
        deployments = by_kind("Deployment")
        budgets = by_kind("PodDisruptionBudget")

        assert set(budgets) == replicated(services, emulators)
        for name, budget in budgets.items():
            labels = deployments[name]["spec"]["template"]["metadata"]["labels"]
            assert budget["spec"]["minAvailable"] == 1, name
            assert budget["spec"]["selector"]["matchLabels"].items() <= labels.items(), name

    def test_every_api_scales_on_cpu_from_two_replicas(self, services, emulators):
        autoscalers = by_kind("HorizontalPodAutoscaler")

        assert set(autoscalers) == {*services.keys() - emulators, "kong"}
        for name, autoscaler in autoscalers.items():
            (metric,) = autoscaler["spec"]["metrics"]
            assert autoscaler["spec"]["minReplicas"] >= 2, name
            assert metric["resource"]["name"] == "cpu", name

    def test_the_queue_workers_scale_on_the_streams_lag_with_keda(self):
        deployments = by_kind("Deployment")
        (scaled,) = [o for o in objects() if o["apiVersion"] == "keda.sh/v1alpha1"]
        streams, cpu = scaled["spec"]["triggers"]
        worker_env = env_of(deployments[WORKER])
        metadata = streams["metadata"]

        assert scaled["kind"] == "ScaledObject"
        assert scaled["spec"]["scaleTargetRef"] == {"name": WORKER}
        assert 2 <= scaled["spec"]["minReplicaCount"] < scaled["spec"]["maxReplicaCount"]
        assert streams["type"] == "redis-streams"
        assert metadata["address"] == "redis:6379"
        # The stream and consumer group quote-to-order's code uses (adapters/redis_store.py's
        # hash tag, bootstrap.py's WORK_STREAM and group, the service's name).
        assert (metadata["stream"], metadata["consumerGroup"]) == (
            "{quote-to-order}:work",
            "quote-to-order",
        )
        assert int(metadata["lagCount"]) > 0
        assert worker_env[metadata["usernameFromEnv"]]["value"] == "quote-to-order"
        assert worker_env[metadata["passwordFromEnv"]]["valueFrom"]["secretKeyRef"] == {
            "name": "trivium-redis-users",
            "key": "quote-to-order",
        }
        assert (cpu["type"], cpu["metricType"]) == ("cpu", "Utilization")
        # KEDA owns the worker's autoscaler: no other may target it.
        targets = {
            a["spec"]["scaleTargetRef"]["name"] for a in by_kind("HorizontalPodAutoscaler").values()
        }
        assert WORKER not in targets

    def test_the_worker_stream_is_the_one_the_code_names(self, root):
        package = root / "process-apis" / "quote-to-order" / "src" / "quote_to_order_process"
        store = (package / "adapters" / "redis_store.py").read_text()
        bootstrap = (package / "bootstrap.py").read_text()

        assert 'DEFAULT_PREFIX = "{quote-to-order}"' in store
        assert 'WORK_STREAM = f"{DEFAULT_PREFIX}:work"' in bootstrap
        assert "group=settings.service_name" in bootstrap

    def test_the_api_leaves_the_queue_to_the_workers_which_run_the_same_image(self):
        deployments = by_kind("Deployment")
        api, worker = deployments["quote-to-order"], deployments[WORKER]
        (api_container,) = api["spec"]["template"]["spec"]["containers"]
        (worker_container,) = worker["spec"]["template"]["spec"]["containers"]

        assert env_of(api)["QUOTE_TO_ORDER_WORKERS"]["value"] == "0"
        assert int(env_of(worker)["QUOTE_TO_ORDER_WORKERS"]["value"]) > 0
        assert worker_container["image"] == api_container["image"]
        assert worker_container["command"] == ["python", "-m", "quote_to_order_process.worker"]
        for name in (
            "REDIS_URL",
            "QUOTE_TO_ORDER_SALESFORCE_SYSTEM_URL",
            "QUOTE_TO_ORDER_ERP_SYSTEM_URL",
        ):
            assert env_of(worker)[name] == env_of(api)[name], name

    def test_customer_sync_keeps_a_standby_for_its_leader(self):
        deployment = by_kind("Deployment")["customer-sync"]

        assert deployment["spec"]["replicas"] >= 2


class TestKong:
    def test_kong_runs_declarative_config_from_a_config_map(self):
        kong = by_kind("Deployment")["kong"]
        spec = kong["spec"]["template"]["spec"]
        (container,) = spec["containers"]
        env = {item["name"]: item for item in container["env"]}
        kustomization = yaml.safe_load((BASE / "kustomization.yaml").read_text())

        assert spec["volumes"][0] == {
            "name": "declarative",
            "configMap": {"name": "kong-declarative"},
        }
        assert env["KONG_DECLARATIVE_CONFIG"]["value"] == "/kong/declarative/kong.yml"
        assert kustomization["configMapGenerator"] == [
            {"name": "kong-declarative", "files": ["kong/kong.yml"]}
        ]
        assert container["readinessProbe"]["httpGet"]["path"] == "/status/ready"

    def test_kong_signs_with_the_gateways_key_from_its_secret(self):
        spec = by_kind("Deployment")["kong"]["spec"]["template"]["spec"]
        (container,) = spec["containers"]
        env = {item["name"]: item for item in container["env"]}
        volumes = {volume["name"]: volume for volume in spec["volumes"]}
        mounts = {mount["name"]: mount for mount in container["volumeMounts"]}

        assert env["TRIVIUM_SERVICE_KEY_FILE"]["value"] == KEY_FILE
        assert volumes["service-key"]["secret"]["secretName"] == "service-key-gateway"
        assert mounts["service-key"] == {
            "name": "service-key",
            "mountPath": KEY_DIRECTORY,
            "readOnly": True,
        }
        # Kong verifies no service token: it needs no trusted keys.
        assert "trusted-keys" not in volumes

    def test_config_map_is_gateway_kong_yml_rendered_for_the_cluster(self, kong_config):
        source = yaml.safe_load((GATEWAY_DIR / "kong.yml").read_text())
        expected = {
            BASE / "kong" / "kong.yml": kong_config.render(source, consumers=True),
            OVERLAY / "kong" / "routes.yml": kong_config.render(source, consumers=False),
        }

        assert set(kong_config.KUBERNETES_FILES) == set(expected)
        for path, document in expected.items():
            assert yaml.safe_load(path.read_text()) == document, f"{path}: {REGENERATE}"

    def test_redis_is_reached_with_the_password_by_reference(self):
        text = (BASE / "kong" / "kong.yml").read_text()

        assert "redis://redis:6379" not in text
        assert text.count("{vault://env/trivium-redis-url}") >= 3
        assert "password: '{vault://env/trivium-redis-password}'" in text

    @pytest.mark.parametrize("path", [BASE / "kong" / "kong.yml", OVERLAY / "kong" / "routes.yml"])
    def test_kong_yml_passes_kongs_schemas(self, path, plugin_specs, kong_environment):
        document = yaml.safe_load(path.read_text())
        if "consumers" not in document:
            sample = {"consumers": [{"username": "partner-x", "custom_id": "P-9"}]}
            document = {**document, **sample}

        config = parse_declarative(
            document, plugins=plugin_specs, resolve=env_vault(kong_environment)
        )

        assert config is not None

    def test_every_plugin_is_bundled_or_served_by_the_image(self, plugin_specs):
        dockerfile = (DEPLOY / "kong" / "Dockerfile").read_text()
        (enabled,) = re.findall(r"KONG_PLUGINS=(\S+)", dockerfile)
        served = set(enabled.split(",")) - {"bundled"}
        document = yaml.safe_load((BASE / "kong" / "kong.yml").read_text())
        named = {plugin["name"] for plugin in kong_plugins(document)}
        ours = {path.stem for path in (GATEWAY_DIR / "plugins").glob("*.py")}

        assert named & ours <= served, "add the plugin to KONG_PLUGINS in deploy/kong/Dockerfile"

    def test_kong_is_the_way_in(self):
        services = by_kind("Service")

        assert services["kong"]["spec"]["type"] == "LoadBalancer"
        assert all(
            service["spec"].get("type", "ClusterIP") == "ClusterIP"
            for name, service in services.items()
            if name != "kong"
        )


class TestSchemas:
    """Every object of both builds against Kubernetes' own schemas (kubernetes-validate from
    PyPI, run by uv; skipped where uv, kubectl or the registry is missing)."""

    @pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
    @pytest.mark.parametrize("folder", [BASE, OVERLAY])
    def test_manifests_match_kubernetes_schemas(self, folder, tmp_path, uv_tool):
        tool = uv_tool(KUBERNETES_VALIDATE, "kubernetes-validate")
        built = subprocess.run(
            ["kubectl", "kustomize", str(folder)], capture_output=True, text=True, timeout=60
        )
        manifest = tmp_path / "built.yaml"
        documents = [doc for doc in yaml.safe_load_all(built.stdout) if doc]
        # KEDA's objects are checked by TestScaleOut against what KEDA documents.
        core = [doc for doc in documents if not doc["apiVersion"].startswith(KEDA_API)]
        manifest.write_text(yaml.safe_dump_all(core))

        checked = subprocess.run(
            [*tool, "--strict", "--quiet", "--kubernetes-version", "1.32", str(manifest)],
            capture_output=True,
            text=True,
            timeout=300,
        )

        assert checked.returncode == 0, checked.stdout + checked.stderr
