"""Image size against its budget, with the layers that make it up."""

import math
from dataclasses import dataclass

import docker

from lifecycle.adapters.engine import local_image
from lifecycle.errors import OverBudget
from lifecycle.steps.build import current_tag
from lifecycle.tables import render_table
from lifecycle.toolchain import Toolchain

MB = 1_000_000  # docker reports sizes in decimal megabytes
CREATED_BY_WIDTH = 90


@dataclass(frozen=True)
class Layer:
    size_bytes: int
    created_by: str


def image_size_bytes(client: docker.DockerClient, reference: str) -> int:
    return int(local_image(client, reference).attrs["Size"])


def image_layers(client: docker.DockerClient, reference: str) -> list[Layer]:
    """Layers oldest first, with the instruction that made each."""
    history = local_image(client, reference).history()
    layers = [Layer(int(entry["Size"]), clean_instruction(entry["CreatedBy"])) for entry in history]
    return list(reversed(layers))


def clean_instruction(created_by: str) -> str:
    text = " ".join(created_by.replace("/bin/sh -c #(nop) ", "").split())
    text = text.removeprefix("/bin/sh -c ")
    return text if len(text) <= CREATED_BY_WIDTH else text[: CREATED_BY_WIDTH - 3] + "..."


def layer_table(layers: list[Layer]) -> str:
    rows = [(f"{layer.size_bytes / MB:.1f}", layer.created_by) for layer in layers]
    return render_table(("MB", "created by"), rows)


def check_budget(reference: str, size_bytes: int, budget_mb: float | None) -> str:
    """A one-line verdict; raises OverBudget with the overshoot when the image is too big.
    Without a budget, it says what was measured and what budget would guard it."""
    size_mb = size_bytes / MB
    if budget_mb is None:
        return (
            f"{reference} is {size_mb:.1f} MB; no budget is set: set image.budget_mb "
            f"(e.g. {math.ceil(size_mb * 1.1)}, 10 % over today) so that growth fails the build"
        )
    if size_mb > budget_mb:
        raise OverBudget(
            f"{reference} is {size_mb:.1f} MB, {size_mb - budget_mb:.1f} MB over its "
            f"{budget_mb:g} MB budget: see the layer table above for what grew"
        )
    return f"{reference} is {size_mb:.1f} MB, within its {budget_mb:g} MB budget"


def report(tools: Toolchain, tag: str = "") -> str:
    """The layer table and the verdict for tag (default: the current checkout's image)."""
    reference = tag or current_tag(tools.settings)
    table = layer_table(image_layers(tools.docker, reference))
    print(table)
    return check_budget(
        reference, image_size_bytes(tools.docker, reference), tools.settings.budget_mb
    )
