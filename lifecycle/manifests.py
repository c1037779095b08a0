"""Render a kustomize overlay with an image pinned by digest, as YAML documents."""

import os
import tempfile
from pathlib import Path

import yaml

from lifecycle.commands import run

IMAGE_NAME_IN_BASE = "my-app"


def render_overlay(kubectl: str, overlay: Path, image: str | None = None) -> list[dict]:
    """`kubectl kustomize` of the overlay; with image (repo@sha256:...), kustomize pins it."""
    if image is None:
        return list(yaml.safe_load_all(run([kubectl, "kustomize", str(overlay)], stream=False)))
    repository, _, digest = image.partition("@")
    with tempfile.TemporaryDirectory(prefix="deploy-") as workdir:
        # A kustomization over the overlay, so kustomize itself sets the image.
        wrapper = {
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "resources": [os.path.relpath(overlay.resolve(), workdir)],
            "images": [{"name": IMAGE_NAME_IN_BASE, "newName": repository, "digest": digest}],
        }
        (Path(workdir) / "kustomization.yaml").write_text(yaml.safe_dump(wrapper))
        output = run([kubectl, "kustomize", workdir], stream=False)
    return [doc for doc in yaml.safe_load_all(output) if doc]


def images_of(document: dict) -> list[str]:
    spec = document.get("spec", {})
    pod = spec.get("template", {}).get("spec", {}) if "template" in spec else {}
    return [c["image"] for c in pod.get("containers", []) + pod.get("initContainers", [])]


def to_yaml(documents: list[dict]) -> str:
    return yaml.safe_dump_all(documents, sort_keys=False)
