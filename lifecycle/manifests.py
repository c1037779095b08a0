"""Render a kustomize overlay with an image pinned by digest, as YAML documents."""

import os
import tempfile
from pathlib import Path

import yaml

from lifecycle.commands import run


def kustomize(kubectl: str, folder: Path | str) -> list[dict]:
    return [
        doc
        for doc in yaml.safe_load_all(run([kubectl, "kustomize", str(folder)], stream=False))
        if doc
    ]


def image_name(reference: str) -> str:
    """The repository part of an image reference (no tag, no digest)."""
    name = reference.split("@")[0]
    last = name.rsplit("/", 1)[-1]
    return name[: len(name) - len(last)] + last.split(":")[0]


def render_overlay(kubectl: str, overlay: Path, image: str | None = None) -> list[dict]:
    """`kubectl kustomize` of the overlay; with image (repo@sha256:...), kustomize pins it in
    place of whatever image the overlay names."""
    documents = kustomize(kubectl, overlay)
    if image is None:
        return documents
    repository, _, digest = image.partition("@")
    names = sorted({image_name(ref) for doc in documents for ref in images_of(doc)})
    with tempfile.TemporaryDirectory(prefix="deploy-") as workdir:
        # A kustomization over the overlay, so kustomize itself sets the image.
        wrapper = {
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "resources": [os.path.relpath(overlay.resolve(), workdir)],
            "images": [{"name": name, "newName": repository, "digest": digest} for name in names],
        }
        (Path(workdir) / "kustomization.yaml").write_text(yaml.safe_dump(wrapper))
        return kustomize(kubectl, workdir)


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
