"""deploy/k8s/ against the code: the kinds and API versions, probes on routes the app
serves, commands the CLI knows, settings that pass the production checks, selectors
that select, and an ingress that serves the app and its websocket but not /metrics."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from tests.support.deploy import K8S, k8s_objects, load_all, one, settings_from
from web.cli import build_parser
from web.settings import Settings

K8S_KINDS = {
    "ConfigMap": "v1",
    "Deployment": "apps/v1",
    "Service": "v1",
    "Ingress": "networking.k8s.io/v1",
    "HorizontalPodAutoscaler": "autoscaling/v2",
    "PodDisruptionBudget": "policy/v1",
    "Job": "batch/v1",
}


def test_kustomization_lists_every_manifest_except_the_examples():
    kustomization = load_all(K8S / "kustomization.yaml")[0]
    listed = set(kustomization["resources"])
    present = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == present - {"secret.example.yaml", "servicemonitor.yaml"}
    kinds = {o["kind"]: o["apiVersion"] for o in k8s_objects()}
    assert kinds == K8S_KINDS
    for o in k8s_objects(listed_only=False):
        assert "namespace" not in o["metadata"], "manifests are namespace-agnostic"


def test_secret_example_holds_placeholders_only():
    secrets = load_all(K8S / "secret.example.yaml")
    assert {s["kind"] for s in secrets} == {"Secret"}
    for secret in secrets:
        for name, value in secret["stringData"].items():
            assert "PLACEHOLDER" in value, f"{secret['metadata']['name']}/{name} looks like a real value"


def test_configmap_and_secret_pass_the_production_checks(monkeypatch):
    config = one("ConfigMap", "samband")["data"]
    secret = next(s for s in load_all(K8S / "secret.example.yaml") if s["metadata"]["name"] == "samband")
    settings = settings_from({**config, **secret["stringData"], "SAMBAND_NODE_ID": "samband-7d9-x1"}, monkeypatch)
    assert settings.environment == "production" and settings.public_url.startswith("https://")


def test_deployment_probes_routes_that_exist_and_runs_without_migrating(tmp_path):
    deployment = one("Deployment", "samband")
    spec, pod = deployment["spec"], deployment["spec"]["template"]["spec"]
    assert spec["replicas"] >= 2 and spec["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    assert spec["selector"]["matchLabels"].items() <= deployment["spec"]["template"]["metadata"]["labels"].items()
    [container] = pod["containers"]
    args = build_parser().parse_args(container["args"])
    assert args.command == "serve" and args.migrate is False and args.host == "0.0.0.0"
    assert container["ports"][0]["containerPort"] == args.port
    served = _served_by_the_app(tmp_path)
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    assert container["startupProbe"]["httpGet"]["path"] == "/health"
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert served(container[probe]["httpGet"]["path"]), probe
    assert served("/ws", "websocket") and not served("/no-such-page")
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert served(annotations["prometheus.io/path"]) and annotations["prometheus.io/port"] == str(args.port)
    assert [e["valueFrom"]["fieldRef"]["fieldPath"] for e in container["env"] if e["name"] == "SAMBAND_NODE_ID"] == [
        "metadata.name"]
    sources = {next(iter(s)): s[next(iter(s))]["name"] for s in container["envFrom"]}
    assert sources == {"configMapRef": "samband", "secretRef": "samband"}


def _served_by_the_app(tmp_path):
    """``served(path, kind)``: does one of ``create_app(...).routes`` take a GET there?"""
    from starlette.routing import Match

    from web.app import create_app

    routes = create_app(Settings(environment="test", database_url=f"sqlite:///{tmp_path / 'x.db'}",
                                 data_dir=tmp_path)).routes

    def served(path: str, kind: str = "http") -> bool:
        scope = {"type": kind, "path": path, "method": "GET", "root_path": "", "headers": [], "query_string": b""}
        return any(route.matches(scope)[0] == Match.FULL for route in routes)

    return served


def test_deployment_is_locked_down_and_drains_websockets():
    deployment = one("Deployment", "samband")
    pod = deployment["spec"]["template"]["spec"]
    [container] = pod["containers"]
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] != 0
    assert pod["enableServiceLinks"] is False and pod["automountServiceAccountToken"] is False
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True and security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    assert "emptyDir" in volumes[mounts["/tmp"]]
    assert "memory" in container["resources"]["requests"] and "cpu" in container["resources"]["requests"]
    assert {c["topologyKey"] for c in pod["topologySpreadConstraints"]} == {
        "kubernetes.io/hostname", "topology.kubernetes.io/zone"}
    pre_stop = container["lifecycle"]["preStop"]["exec"]["command"]
    assert pre_stop[0] == "sleep" and int(pre_stop[1]) + 20 <= pod["terminationGracePeriodSeconds"]
    # The log signing key: one Secret for every pod, at the path the settings name.
    key_file = Path(one("ConfigMap", "samband")["data"]["SAMBAND_CONSENT__LOG_SIGNING_KEY_FILE"])
    secret_volume = volumes[mounts[str(key_file.parent)]]["secret"]
    assert secret_volume["secretName"] == "samband-log-signing-key"
    example = next(s for s in load_all(K8S / "secret.example.yaml") if s["metadata"]["name"] == "samband-log-signing-key")
    assert key_file.name in example["stringData"]


def test_service_autoscaler_and_budget_select_the_deployment():
    pod_labels = one("Deployment", "samband")["spec"]["template"]["metadata"]["labels"]
    service = one("Service", "samband")
    assert service["spec"]["selector"].items() <= pod_labels.items()
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    hpa = one("HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "samband"}
    assert hpa["spec"]["minReplicas"] >= 2
    assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"
    pdb = one("PodDisruptionBudget")
    assert pdb["spec"]["minAvailable"] == 1 and pdb["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()


def test_migration_job_runs_samband_migrate_with_the_apps_settings():
    job = one("Job", "samband-migrate")
    pod = job["spec"]["template"]["spec"]
    [container] = pod["containers"]
    assert build_parser().parse_args(container["args"]).command == "migrate"
    assert container["image"] == one("Deployment")["spec"]["template"]["spec"]["containers"][0]["image"]
    assert container["envFrom"] == one("Deployment")["spec"]["template"]["spec"]["containers"][0]["envFrom"]
    assert pod["restartPolicy"] == "Never" and container["securityContext"]["readOnlyRootFilesystem"] is True
    # Not a pod of the Deployment: the Service and the budget must not select it.
    assert job["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"] != "server"


def _covers_everyone(ranges: str) -> bool:
    networks = [ipaddress.ip_network(r.strip()) for r in ranges.split(",")]
    return any(n.prefixlen == 0 and n.version == 4 for n in networks) and any(
        n.prefixlen == 0 and n.version == 6 for n in networks)


def _routes(ingresses: list[dict], path: str) -> dict:
    """The ingress whose rule serves ``path`` (longest matching prefix wins)."""
    best, best_length = None, -1
    for ingress in ingresses:
        for rule in ingress["spec"]["rules"]:
            for p in rule["http"]["paths"]:
                prefix = p["path"].rstrip("/")
                matches = path == p["path"] if p["pathType"] == "Exact" else (
                    path == prefix or path.startswith(prefix + "/") or prefix == "")
                if matches and len(prefix) > best_length:
                    best, best_length = ingress, len(prefix)
    assert best is not None, f"no ingress rule serves {path}"
    return best


def test_ingress_routes_the_app_and_websockets_but_not_metrics():
    ingresses = [o for o in k8s_objects() if o["kind"] == "Ingress"]
    for path in ("/", "/portal", "/ws", "/idp/jwks", "/ready"):
        ingress = _routes(ingresses, path)
        assert "nginx.ingress.kubernetes.io/denylist-source-range" not in ingress["metadata"].get("annotations", {})
        read_timeout = int(ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-read-timeout"])
        assert read_timeout >= 10 * Settings.model_fields["ws_ping_seconds"].default
        assert "affinity" not in " ".join(ingress["metadata"]["annotations"])
    for path in ("/metrics", "/metrics/x"):
        annotations = _routes(ingresses, path)["metadata"]["annotations"]
        assert _covers_everyone(annotations["nginx.ingress.kubernetes.io/denylist-source-range"]), path
