"""The image as production runs it: its user, its read-only root, what it leaves out, and what
apps rely on from the base (CA certificates, /etc/services, time zones), whichever base built it."""

import hashlib
import io
import tarfile
import tempfile
from collections.abc import Iterator

import httpx
import pytest

from lifecycle.harness.stack import INGRESS_HEADERS, worker_pids


def run_in(app, *argv: str) -> tuple[int, str]:
    result = app.docker.exec_run(list(argv))
    return result.exit_code, result.output.decode(errors="replace").strip()


def test_runs_as_nobody(app):
    assert run_in(app, "python", "-c", "import os; print(os.getuid(), os.getgid())") == (
        0,
        "65534 65534",
    )
    processes = app.docker.top(ps_args="-o pid,user:20,args")["Processes"]
    assert processes and all(user in ("nobody", "65534") for _, user, _ in processes), processes


def test_root_filesystem_is_read_only(app):
    code, output = run_in(app, "python", "-c", "open('/app/written-at-runtime', 'w')")
    assert code == 1
    assert "Read-only file system" in output
    assert run_in(app, "python", "-c", "open('/tmp/scratch', 'w').write('ok')")[0] == 0


def test_image_has_no_compiler_pipenv_or_package_manager(app):
    code, output = run_in(
        app,
        "python",
        "-c",
        "import shutil; print([t for t in ('gcc', 'cc', 'pipenv', 'pip', 'apt-get') "
        "if shutil.which(t)])",
    )
    assert (code, output) == (0, "[]")


def test_no_program_can_change_identity(app):
    # As root, so that find can read every folder.
    found = app.docker.exec_run(["find", "/", "-xdev", "-type", "f", "-perm", "/6000"], user="0")
    assert (found.exit_code, found.output.decode().strip()) == (0, "")


def test_the_image_names_its_base_and_its_digest(docker_client, images):
    labels = docker_client.images.get(images.app).labels
    assert labels["org.opencontainers.image.base.name"]
    assert labels["org.opencontainers.image.base.digest"].startswith("sha256:")


def test_bad_host_header_is_rejected(app):
    response = httpx.get(app.url("/"), headers={**INGRESS_HEADERS, "Host": "evil.example"})
    assert response.status_code == 400


def test_outbound_tls_has_ca_certificates_to_verify_with(app):
    script = "import ssl; print(ssl.create_default_context().cert_store_stats()['x509_ca'])"
    code, output = run_in(app, "python", "-c", script)
    assert code == 0, output
    assert int(output) > 100


def test_services_and_time_zones_are_there(app):
    script = (
        "import socket, zoneinfo, datetime; print(socket.getservbyname('https'), "
        "datetime.datetime(2026, 1, 1, tzinfo=zoneinfo.ZoneInfo('Asia/Tokyo')).utcoffset())"
    )
    assert run_in(app, "python", "-c", script) == (0, "443 9:00:00")


def saved_layers(docker_client, image: str) -> Iterator[tuple[str, tarfile.TarFile]]:
    """Each layer of the image as `docker save` exports it, what a registry would serve."""
    with tempfile.TemporaryFile() as saved:
        for chunk in docker_client.images.get(image).save(chunk_size=1 << 20):
            saved.write(chunk)
        saved.seek(0)
        with tarfile.open(fileobj=saved) as archive:
            for blob in archive:
                if not blob.isfile():
                    continue
                try:
                    with tarfile.open(fileobj=archive.extractfile(blob)) as layer:
                        yield blob.name, layer
                except tarfile.ReadError:
                    continue  # the manifest and the config, not layers


def files_holding(docker_client, image: str, content: bytes) -> list[str]:
    """Every file in any layer whose bytes are content, including files a later layer deletes."""
    wanted, size = hashlib.sha256(content).hexdigest(), len(content)
    hits = []
    for layer_name, layer in saved_layers(docker_client, image):
        for member in layer:
            same_size = member.isfile() and member.size == size
            if same_size and hashlib.sha256(layer.extractfile(member).read()).hexdigest() == wanted:
                hits.append(f"{layer_name}:{member.name}")
    return hits


@pytest.fixture(scope="module")
def ca_bundle(tools) -> bytes:
    bundle = tools.settings.ca_bundle
    if bundle is None or not bundle.is_file():
        pytest.skip(f"no CA bundle at docker.ca_bundle ({bundle}): the build got no secret")
    return bundle.read_bytes()


def test_build_secret_ca_bundle_is_in_no_layer_of_the_image(docker_client, images, ca_bundle):
    assert files_holding(docker_client, images.app, ca_bundle) == []


def test_a_bundle_baked_into_a_layer_would_be_found(docker_client, images, ca_bundle):
    container = docker_client.containers.create(images.app)
    planted = None
    try:
        archive = io.BytesIO()
        with tarfile.open(fileobj=archive, mode="w") as tar:
            info = tarfile.TarInfo("opt/planted/ca.pem")
            info.size = len(ca_bundle)
            tar.addfile(info, io.BytesIO(ca_bundle))
        container.put_archive("/", archive.getvalue())
        planted = container.commit("my-app-test/planted-bundle", "1")
        assert files_holding(docker_client, planted.id, ca_bundle) != []
    finally:
        container.remove(force=True)
        if planted is not None:
            docker_client.images.remove(planted.id, force=True)


# Each thread of each serving process, with its scheduling policy (os.SCHED_* numbers).
THREAD_POLICIES = """
import os, sys
for pid in sys.argv[1:]:
    for tid in sorted(os.listdir(f'/proc/{pid}/task')):
        print(pid, tid, os.sched_getscheduler(int(tid)))
"""


def test_a_workers_threads_wake_without_preempting_each_other(app):
    """All of a worker's threads, its request threads among them, are SCHED_BATCH
    (django_runtime/core_sharing.py)."""
    assert httpx.get(app.url("/"), headers=INGRESS_HEADERS).status_code == 200  # threads made
    pids = [str(pid) for pid in worker_pids(app)]
    code, output = run_in(app, "python", "-c", THREAD_POLICIES, *pids)
    threads = [line.split() for line in output.splitlines()]
    assert code == 0 and len(threads) > len(pids), output  # a request thread beside each loop
    assert {policy for _, _, policy in threads} == {"3"}, output  # os.SCHED_BATCH
