"""The manifest policy passes our rendered overlays and catches what it is meant to catch."""

import copy
import shutil

import pytest

from lifecycle.settings import load_settings
from lifecycle.steps.manifests import render_environment
from lifecycle.steps.policy import image_is_pinned, violations

KUBECTL = shutil.which("kubectl")

pytestmark = pytest.mark.skipif(KUBECTL is None, reason="kubectl (for kustomize) not found")


def rendered(env: str) -> list[dict]:
    settings = load_settings(environ={})
    return render_environment(settings, settings.deploy.environment(env))


@pytest.fixture(scope="module")
def staging() -> list[dict]:
    return rendered("staging")


def workload(documents: list[dict], kind: str) -> dict:
    return next(doc for doc in documents if doc["kind"] == kind)


def test_rendered_overlays_follow_the_policy(staging):
    production = rendered("production")
    assert violations(staging) == []
    assert violations(production) == []


def test_missing_probe_is_caught(staging):
    broken = copy.deepcopy(staging)
    del workload(broken, "Deployment")["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]
    assert violations(broken) == ["Deployment/my-app container app: no livenessProbe"]


def test_writable_root_and_missing_limits_are_caught(staging):
    broken = copy.deepcopy(staging)
    container = workload(broken, "Job")["spec"]["template"]["spec"]["containers"][0]
    container["securityContext"]["readOnlyRootFilesystem"] = False
    del container["resources"]["limits"]["memory"]
    assert violations(broken) == [
        "Job/my-app-migrate container migrate: no limits.memory",
        "Job/my-app-migrate container migrate: root filesystem is not read-only",
    ]


def test_root_user_and_unavailable_rollouts_are_caught(staging):
    broken = copy.deepcopy(staging)
    deployment = workload(broken, "Deployment")
    del deployment["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"]
    deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] = 1
    assert violations(broken) == [
        "Deployment/my-app container app: runAsNonRoot is not set",
        "Deployment/my-app: rolling updates may take serving pods away (maxUnavailable)",
    ]


@pytest.mark.parametrize(
    ("image", "pinned"),
    [
        ("registry.example.com/my-app:staging", True),
        ("registry.example.com/my-app@sha256:" + "a" * 64, True),
        ("registry.example.com:5000/my-app", False),
        ("my-app:latest", False),
        ("my-app", False),
    ],
)
def test_images_need_a_tag_or_digest_and_never_latest(image, pinned):
    assert image_is_pinned(image) is pinned
