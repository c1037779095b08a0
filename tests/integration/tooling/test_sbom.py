"""Every built image has an SBOM that names what is really in it, with versions."""

import json

from lifecycle.adapters.engine import run_once
from lifecycle.adapters.syft import packages
from lifecycle.steps.sbom import sbom_for, summary


def locked_version(tools, name: str) -> str:
    lock = json.loads((tools.settings.pipfile_dir / "Pipfile.lock").read_text())
    return lock["default"][name]["version"].removeprefix("==")


def test_the_sbom_lists_django_mysqlclient_and_libmariadb3_with_their_versions(
    tools, docker_client, images
):
    listed = {(p.kind, p.name): p.version for p in packages(sbom_for(tools, images.app))}
    assert listed[("pypi", "django")] == locked_version(tools, "django")
    assert listed[("pypi", "mysqlclient")] == locked_version(tools, "mysqlclient")
    installed = run_once(
        docker_client, images.app, ["dpkg-query", "-W", "-f", "${Version}", "libmariadb3"], {}
    )
    assert listed[("deb", "libmariadb3")] == installed.strip()


def test_invoke_sbom_summarises_it(tools, images):
    text = summary(tools, images.app)
    assert text.startswith(f"{images.app}: ")
    assert "django" in text and "mysqlclient" in text
