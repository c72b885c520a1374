"""deploy/kubernetes/: every manifest validates offline against the Kubernetes schemas that the
kubernetes-validate package ships (strict: an unknown field is an error), with the network shut off
during validation; and the topology's rules hold: a Deployment/StatefulSet per process with liveness
and readiness probes on the processes' health and readiness endpoints, a PodDisruptionBudget for
each, autoscalers for Rasa and the gateway, secrets referenced (never a Secret or a literal secret
value in the repository), Services that select pods that exist, the metrics port in no Service; the
retention purges (both rooms') run as nightly CronJobs with the same referenced secrets."""
from __future__ import annotations

import pathlib
import re
import socket

import kubernetes_validate
import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
KUBE = ROOT / "deploy" / "kubernetes"
VERSION = "1.30"  # a version the clusters of today run; the package ships its schemas
WORKLOADS = ("Deployment", "StatefulSet")
PROCESSES = {"proxy", "gateway-web", "gateway-streams", "credentials", "outbox", "rasa", "actions", "broker-consumer"}
SECRET_NAMES = re.compile(r"TOKEN|SECRET|_KEY$|PASSWORD|DATABASE_URL|REDIS_URL|RABBITMQ_URL")


def manifests() -> list[tuple[str, dict]]:
    found = []
    for path in sorted(KUBE.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if document:
                found.append((path.name, document))
    return found


ALL = manifests()


def of_kind(*kinds: str) -> list[dict]:
    return [doc for _, doc in ALL if doc["kind"] in kinds]


def containers(workload: dict) -> list[dict]:
    return workload["spec"]["template"]["spec"]["containers"]


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*_args, **_kwargs):
        raise OSError("the network is off during this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.mark.parametrize("name,document", ALL, ids=[f"{n}:{d['kind']}/{d['metadata']['name']}" for n, d in ALL])
def test_every_manifest_validates_offline_against_the_kubernetes_schemas(name, document, no_network):
    kubernetes_validate.validate(document, VERSION, strict=True)


def test_kustomization_lists_every_manifest():
    listed = yaml.safe_load((KUBE / "kustomization.yaml").read_text(encoding="utf-8"))["resources"]
    assert sorted(listed) == sorted(p.name for p in KUBE.glob("*.yaml") if p.name != "kustomization.yaml")


def test_one_workload_per_process_with_liveness_and_readiness_probes():
    workloads = {w["metadata"]["name"]: w for w in of_kind(*WORKLOADS)}
    assert set(workloads) == PROCESSES
    for name, workload in workloads.items():
        for container in containers(workload):
            for probe in ("livenessProbe", "readinessProbe"):
                assert "httpGet" in container.get(probe, {}), f"{name}: no {probe}"
        ready = containers(workload)[0]["readinessProbe"]["httpGet"]["path"]
        assert ready in ("/readyz", "/proxy-health"), f"{name}: readiness must check the dependencies ({ready})"
        assert workload["spec"]["template"]["spec"].get("terminationGracePeriodSeconds", 30) >= 30


def test_every_workload_has_a_disruption_budget_but_the_single_consumer():
    budgets = {tuple(sorted(p["spec"]["selector"]["matchLabels"].items())) for p in of_kind("PodDisruptionBudget")}
    for workload in of_kind(*WORKLOADS):
        labels = tuple(sorted(workload["spec"]["selector"]["matchLabels"].items()))
        if workload["spec"].get("replicas", 1) > 1:
            assert labels in budgets, f"{workload['metadata']['name']}: no PodDisruptionBudget"


def test_rasa_and_the_gateway_scale_automatically():
    targets = {(h["spec"]["scaleTargetRef"]["kind"], h["spec"]["scaleTargetRef"]["name"])
               for h in of_kind("HorizontalPodAutoscaler")}
    assert {("StatefulSet", "rasa"), ("Deployment", "gateway-web")} <= targets


def pod_specs() -> list[dict]:
    """The pod templates of every workload and of every CronJob's Job."""
    return ([w["spec"]["template"]["spec"] for w in of_kind(*WORKLOADS)]
            + [c["spec"]["jobTemplate"]["spec"]["template"]["spec"] for c in of_kind("CronJob")])


def test_secrets_are_referenced_never_written_here():
    assert not of_kind("Secret")
    for spec in pod_specs():
        for container in spec["containers"] + spec.get("initContainers", []):
            for variable in container.get("env", []):
                if SECRET_NAMES.search(variable["name"]):
                    assert "valueFrom" in variable and "value" not in variable, variable["name"]
    config = of_kind("ConfigMap")
    for item in config:
        for key in item.get("data", {}):
            assert not SECRET_NAMES.search(key) or key == "RASA_TRACKER_DB_USER", f"{key} in a ConfigMap"


def test_services_select_existing_pods_and_never_expose_the_metrics_port():
    labels = [w["spec"]["template"]["metadata"]["labels"] for w in of_kind(*WORKLOADS)]
    for service in of_kind("Service"):
        selector = service["spec"]["selector"]
        assert any(all(l.get(k) == v for k, v in selector.items()) for l in labels), service["metadata"]["name"]
        assert all(port["port"] != 9100 and port.get("targetPort") != "metrics" for port in service["spec"]["ports"])


def test_the_proxy_lists_the_rasa_pods_with_fixed_ids_up_to_the_autoscaler_s_maximum():
    config = of_kind("ConfigMap")
    haproxy = next(c for c in config if c["metadata"]["name"] == "haproxy-config")["data"]["haproxy.cfg"]
    servers = re.findall(r"server (rasa-\d+) (rasa-\d+)\.rasa\.helpdesk\.svc\.cluster\.local:5005 id (\d+)", haproxy)
    rasa_hpa = next(h for h in of_kind("HorizontalPodAutoscaler") if h["spec"]["scaleTargetRef"]["name"] == "rasa")
    assert len(servers) == rasa_hpa["spec"]["maxReplicas"]
    assert all(a == b and int(i) == n + 1 for n, (a, b, i) in enumerate(servers))
    assert "hash-type consistent" in haproxy
    for path in ("/metrics", "/healthz", "/readyz"):  # answered 404 by the proxy: not among its routes
        assert not re.search(rf"path(_beg)? [^\n]*{re.escape(path)}", haproxy)


def test_the_validator_refuses_a_misspelt_field_and_a_wrong_type(no_network):
    workload = yaml.safe_load((KUBE / "actions.yaml").read_text(encoding="utf-8").split("---")[0])
    workload["spec"]["replicaz"] = 2
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(workload, VERSION, strict=True)
    workload["spec"].pop("replicaz")
    workload["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(workload, VERSION, strict=True)


def test_both_retention_purges_run_nightly_one_at_a_time_with_the_settings_of_their_room():
    """docs/privacy.md: `python -m agents purge` (gateway database and Rasa's tracker store) and
    `python -m credentials purge` (the backend's own rows), as the supervisor runs them in the other topologies."""
    jobs = {c["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["command"][-2]: c
            for c in of_kind("CronJob")}
    assert set(jobs) == {"agents", "credentials"}
    workloads = {w["metadata"]["name"]: containers(w)[0] for w in of_kind(*WORKLOADS)}
    for room, serving in (("agents", "gateway-web"), ("credentials", "credentials")):
        cron = jobs[room]
        assert cron["spec"]["concurrencyPolicy"] == "Forbid" and cron["spec"]["timeZone"] == "Europe/Budapest"
        minute, hour, *rest = cron["spec"]["schedule"].split()
        assert rest == ["*", "*", "*"] and 0 <= int(hour) <= 5  # once a day, at night
        pod = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        assert container["command"][-2:] == [room, "purge"] and container["image"] == workloads[serving]["image"]
        assert pod["restartPolicy"] == "OnFailure" and "ports" not in container
        assert container["envFrom"] == [{"configMapRef": {"name": "helpdesk-config"}}]
        # every secret the serving pods read (the room's settings are checked at start) is there too
        secrets = {v["name"] for v in workloads[serving]["env"] if "valueFrom" in v}
        assert secrets <= {v["name"] for v in container["env"]}
    tracker = {v["name"] for v in jobs["agents"]["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert "RASA_TRACKER_DB_PASSWORD" in tracker  # the Rasa tracker store is purged as well


def test_the_working_hours_are_one_setting_for_the_assistant_and_the_phone_line():
    from kernel.hours import WorkingHours

    (config,) = [c for c in of_kind("ConfigMap") if c["metadata"]["name"] == "helpdesk-config"]
    hours = WorkingHours.from_env(config["data"])  # valid, and what the defaults say
    assert hours == WorkingHours.from_env({})
    for name in ("actions", "gateway-web"):
        (workload,) = [w for w in of_kind(*WORKLOADS) if w["metadata"]["name"] == name]
        assert {"configMapRef": {"name": "helpdesk-config"}} in containers(workload)[0]["envFrom"]
