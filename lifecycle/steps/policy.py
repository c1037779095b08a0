"""Our own rules for rendered manifests, beyond schema validity."""

from collections.abc import Iterator
from pathlib import Path

import yaml

from lifecycle.adapters.kustomize import pod_spec
from lifecycle.errors import LifecycleError

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob")
SERVING_KINDS = ("Deployment", "StatefulSet", "DaemonSet")
PROBES = ("startupProbe", "readinessProbe", "livenessProbe")


def image_is_pinned(image: str) -> bool:
    if "@sha256:" in image:
        return True
    last = image.rsplit("/", 1)[-1]
    return ":" in last and not last.endswith(":latest")


def container_violations(where: str, container: dict, pod: dict, serving: bool) -> Iterator[str]:
    name = f"{where} container {container.get('name')}"
    if not image_is_pinned(container.get("image", "")):
        yield f"{name}: image {container.get('image')!r} has no tag or digest, or is :latest"
    resources = container.get("resources", {})
    for section in ("requests", "limits"):
        for resource in ("cpu", "memory"):
            if resource not in resources.get(section, {}):
                yield f"{name}: no {section}.{resource}"
    security = container.get("securityContext", {})
    pod_security = pod.get("securityContext", {})
    if not (security.get("runAsNonRoot") or pod_security.get("runAsNonRoot")):
        yield f"{name}: runAsNonRoot is not set"
    if security.get("readOnlyRootFilesystem") is not True:
        yield f"{name}: root filesystem is not read-only"
    if security.get("allowPrivilegeEscalation") is not False:
        yield f"{name}: privilege escalation is not disallowed"
    if "ALL" not in security.get("capabilities", {}).get("drop", []):
        yield f"{name}: capabilities are not all dropped"
    if serving:
        for probe in PROBES:
            if probe not in container:
                yield f"{name}: no {probe}"


def service_selectors(documents: list[dict]) -> list[dict]:
    return [doc["spec"].get("selector", {}) for doc in documents if doc.get("kind") == "Service"]


def is_serving(document: dict, selectors: list[dict]) -> bool:
    """A long-running workload that a Service sends traffic to, or that opens a port."""
    if document["kind"] not in SERVING_KINDS:
        return False
    labels = document["spec"].get("template", {}).get("metadata", {}).get("labels", {})
    selected = any(sel and sel.items() <= labels.items() for sel in selectors)
    has_ports = any(c.get("ports") for c in pod_spec(document).get("containers", []))
    return selected or has_ports


def violations(documents: list[dict]) -> list[str]:
    found = []
    selectors = service_selectors(documents)
    for document in documents:
        if document.get("kind") not in WORKLOAD_KINDS:
            continue
        where = f"{document['kind']}/{document['metadata']['name']}"
        pod = pod_spec(document)
        serving = is_serving(document, selectors)
        for container in pod.get("containers", []):
            found += container_violations(where, container, pod, serving)
        if document["kind"] == "Job" and "activeDeadlineSeconds" not in document["spec"]:
            found.append(f"{where}: no activeDeadlineSeconds, so a stuck Job runs forever")
        if serving and document["kind"] == "Deployment":
            rolling = document["spec"].get("strategy", {}).get("rollingUpdate", {})
            if rolling.get("maxUnavailable") not in (0, "0", "0%"):
                found.append(
                    f"{where}: rolling updates may take serving pods away (maxUnavailable)"
                )
            found += serving_violations(where, document, documents)
    return found + namespace_violations(documents)


def of_kind(documents: list[dict], kind: str) -> list[dict]:
    return [doc for doc in documents if doc.get("kind") == kind]


def selects(selector: dict, labels: dict) -> bool:
    wanted = selector.get("matchLabels", selector)
    return bool(wanted) and wanted.items() <= labels.items()


def serving_violations(where: str, deployment: dict, documents: list[dict]) -> list[str]:
    """What an operator expects of a Deployment that serves traffic, beside its pods' own."""
    found = []
    name = deployment["metadata"]["name"]
    labels = deployment["spec"]["template"]["metadata"].get("labels", {})
    pod = pod_spec(deployment)
    scaled = [
        h
        for h in of_kind(documents, "HorizontalPodAutoscaler")
        if h["spec"]["scaleTargetRef"]["name"] == name
    ]
    if scaled and "replicas" in deployment["spec"]:
        found.append(f"{where}: sets replicas, which its HorizontalPodAutoscaler owns")
    spread = [c.get("topologyKey") for c in pod.get("topologySpreadConstraints", [])]
    anti = pod.get("affinity", {}).get("podAntiAffinity")
    if "kubernetes.io/hostname" not in spread and not anti:
        found.append(f"{where}: replicas may all land on one node (no topology spread)")
    budgets = [
        b
        for b in of_kind(documents, "PodDisruptionBudget")
        if selects(b["spec"]["selector"], labels)
    ]
    if not budgets:
        found.append(f"{where}: no PodDisruptionBudget")
    for budget in budgets:
        if "maxUnavailable" not in budget["spec"]:
            found.append(f"{where}: its PodDisruptionBudget should cap maxUnavailable")
        if budget["spec"].get("unhealthyPodEvictionPolicy") != "AlwaysAllow":
            found.append(
                f"{where}: a not-ready pod would block node drains (unhealthyPodEvictionPolicy)"
            )
    policies = [
        n
        for n in of_kind(documents, "NetworkPolicy")
        if selects(n["spec"]["podSelector"], labels)
        and "Ingress" in n["spec"].get("policyTypes", [])
    ]
    if not policies:
        found.append(f"{where}: any pod in the cluster can reach it (no NetworkPolicy)")
    found += shutdown_violations(where, pod, documents)
    found += forwarded_violations(where, pod, documents)
    return found


def config_value(documents: list[dict], container: dict, key: str) -> str | None:
    names = {
        ref["configMapRef"]["name"] for ref in container.get("envFrom", []) if "configMapRef" in ref
    }
    for config in of_kind(documents, "ConfigMap"):
        if config["metadata"]["name"] in names and key in config.get("data", {}):
            return config["data"][key]
    return None


def shutdown_violations(where: str, pod: dict, documents: list[dict]) -> list[str]:
    """preStop delay plus the server's drain must end before the kubelet's SIGKILL."""
    found = []
    grace = pod.get("terminationGracePeriodSeconds", 30)
    for container in pod.get("containers", []):
        command = (
            container.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
        )
        pre_stop = int(command[1]) if command[:1] == ["sleep"] and len(command) == 2 else 0
        drain = int(config_value(documents, container, "GRACEFUL_SHUTDOWN_SECONDS") or 20)
        if pre_stop + drain >= grace:
            found.append(
                f"{where}: preStop {pre_stop}s + drain {drain}s do not end before the "
                f"{grace}s grace period"
            )
    return found


def forwarded_violations(where: str, pod: dict, documents: list[dict]) -> list[str]:
    """Only the ingress controller's addresses may set X-Forwarded-For and -Proto."""
    return [
        f"{where}: trusts X-Forwarded-* from any address (FORWARDED_ALLOW_IPS)"
        for container in pod.get("containers", [])
        if "*" in (config_value(documents, container, "FORWARDED_ALLOW_IPS") or "*")
    ]


def namespace_violations(documents: list[dict]) -> list[str]:
    restricted = {
        doc["metadata"]["name"]
        for doc in of_kind(documents, "Namespace")
        if doc["metadata"].get("labels", {}).get("pod-security.kubernetes.io/enforce")
        == "restricted"
    }
    used = {
        doc["metadata"].get("namespace") for doc in documents if doc.get("kind") in WORKLOAD_KINDS
    }
    return [
        f"namespace {name}: Pod Security Standard restricted is not enforced"
        for name in sorted(used - restricted, key=str)
    ]


def check_files(paths: list[Path]) -> None:
    """Print each file's violations, or that it follows the policy; raise if any file fails."""
    failures = 0
    for path in paths:
        documents = [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
        found = violations(documents)
        for violation in found:
            print(f"{path}: {violation}")
        if not found:
            print(f"{path}: {len(documents)} documents follow the policy")
        failures += len(found)
    if failures:
        raise LifecycleError(f"{failures} manifest policy violations (listed above)")
