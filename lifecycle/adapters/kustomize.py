"""Render kustomize folders with `kubectl kustomize`, and read what the rendered objects hold."""

import os
import tempfile
from pathlib import Path

import yaml

from lifecycle.adapters.commands import run


def kustomize(kubectl: str, folder: Path | str) -> list[dict]:
    return [
        doc
        for doc in yaml.safe_load_all(run([kubectl, "kustomize", str(folder)], stream=False))
        if doc
    ]


def render_over(kubectl: str, folder: Path, fields: dict) -> list[dict]:
    """`folder` rendered through a kustomization of its own that adds `fields` (namespace,
    images, patches...), so kustomize itself applies them, as it would in the cluster's repo."""
    with tempfile.TemporaryDirectory(prefix="kustomize-") as workdir:
        wrapper = {
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "resources": [os.path.relpath(folder.resolve(), workdir)],
            **fields,
        }
        (Path(workdir) / "kustomization.yaml").write_text(yaml.safe_dump(wrapper))
        return kustomize(kubectl, workdir)


def image_name(reference: str) -> str:
    """The repository part of an image reference (no tag, no digest)."""
    name = reference.split("@")[0]
    last = name.rsplit("/", 1)[-1]
    return name[: len(name) - len(last)] + last.split(":")[0]


def pod_spec(document: dict) -> dict:
    """The pod template's spec of a workload (CronJobs nest it one level deeper); {} otherwise."""
    spec = document.get("spec", {})
    if document.get("kind") == "CronJob":
        spec = spec.get("jobTemplate", {}).get("spec", {})
    return spec.get("template", {}).get("spec", {})


def images_of(document: dict) -> list[str]:
    pod = pod_spec(document)
    return [c["image"] for c in pod.get("containers", []) + pod.get("initContainers", [])]


def to_yaml(documents: list[dict]) -> str:
    return yaml.safe_dump_all(documents, sort_keys=False)
