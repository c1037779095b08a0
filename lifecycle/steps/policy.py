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
        if serving and document["kind"] == "Deployment":
            rolling = document["spec"].get("strategy", {}).get("rollingUpdate", {})
            if rolling.get("maxUnavailable") not in (0, "0", "0%"):
                found.append(
                    f"{where}: rolling updates may take serving pods away (maxUnavailable)"
                )
    return found


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
