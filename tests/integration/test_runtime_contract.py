"""The image as production runs it: its user, its read-only root, and what it leaves out."""

import hashlib
from pathlib import Path

import httpx

from lifecycle.stack import INGRESS_HEADERS


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


def test_bad_host_header_is_rejected(app):
    response = httpx.get(app.url("/"), headers={**INGRESS_HEADERS, "Host": "evil.example"})
    assert response.status_code == 400


def test_home_page_renders_from_mysql(app):
    with httpx.Client(headers=INGRESS_HEADERS) as client:
        first = client.get(app.url("/"))
        second = client.get(app.url("/"))
    visits = [int(page.text.split('data-visits="')[1].split('"')[0]) for page in (first, second)]
    assert visits[1] == visits[0] + 1


def test_build_secret_ca_bundle_is_nowhere_in_the_image(app, docker_client, images):
    history = docker_client.api.history(images["app"])
    instructions = " ".join(layer["CreatedBy"] for layer in history)
    assert "BEGIN CERTIFICATE" not in instructions
    assert "ca_bundle" not in instructions  # the builder stage used it; the runtime never did
    host_bundle = Path("/etc/ssl/certs/ca-certificates.crt")
    if not host_bundle.exists():
        return
    digest = hashlib.sha256(host_bundle.read_bytes()).hexdigest()
    code, output = run_in(app, "python", "-c", FIND_FILE_WITH_DIGEST.format(digest=digest))
    assert (code, output) == (0, "none")
    assert run_in(app, "python", "-c", "import os; print(os.path.exists('/run/secrets'))")[1] == (
        "False"
    )


# Walks the image's file system for a file with the host CA bundle's content.
FIND_FILE_WITH_DIGEST = """
import hashlib, os
hits = []
for top in ('/etc', '/opt', '/app', '/usr/local', '/root', '/tmp'):
    for folder, _, files in os.walk(top):
        for name in files:
            path = os.path.join(folder, name)
            try:
                if os.path.getsize(path) < 100_000:
                    continue
                content = open(path, 'rb').read()
            except OSError:
                continue
            if hashlib.sha256(content).hexdigest() == '{digest}':
                hits.append(path)
print(hits or 'none')
"""
