"""The built app image, MySQL and a registry, started with testcontainers.

What the integration tests, the benchmark and `invoke up` run: every container is a context
manager, waits for real readiness (testcontainers' wait strategies: MySQL's log, the app's
/readyz, the registry's /v2/), and is removed on exit.
"""

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import docker
import docker.errors
import httpx
from testcontainers.community.mysql import MySqlContainer
from testcontainers.community.registry import DockerRegistryContainer
from testcontainers.core.config import testcontainers_config
from testcontainers.core.container import DockerContainer
from testcontainers.core.network import Network
from testcontainers.core.wait_strategies import (
    CompositeWaitStrategy,
    HttpWaitStrategy,
    LogMessageWaitStrategy,
)

from lifecycle.adapters.engine import run_once
from lifecycle.errors import LifecycleError

DB_ALIAS = "db"
DB_NAME = "app"
DB_USER = "app"
PUBLIC_HOST = "app.test"
# What the TLS-terminating ingress sends in production: the public host name, and the
# original scheme (without it the app redirects to HTTPS).
INGRESS_HEADERS = {"Host": PUBLIC_HOST, "X-Forwarded-Proto": "https"}
BIG_STATIC_FOLDER = "big"  # mounted inside the image's STATIC_ROOT
BIG_FILE_NAME = "big.bin"
BIG_FILE_BYTES = 50 * 1024 * 1024
BIG_FILE_PATH = f"/static/{BIG_STATIC_FOLDER}/{BIG_FILE_NAME}"  # under STATIC_URL "static/"


# What the kubelet sends: the pod's address as Host, no forwarded headers.
PROBE_HEADERS = {"Host": "10.1.2.3"}


def status_of(url: str, timeout: float = 30, headers: dict[str, str] = INGRESS_HEADERS) -> int:
    """The status a GET gets (through the ingress by default), or 0 when the connection fails."""
    try:
        return httpx.get(url, headers=headers, timeout=timeout).status_code
    except httpx.TransportError:
        return 0


def write_big_static_dir(folder: Path) -> Path:
    """A folder holding one 50 MB unhashed file, readable by the app's user, to mount into
    STATIC_ROOT: large downloads must stream, not sit in memory."""
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)
    big = folder / BIG_FILE_NAME
    with big.open("wb") as out:
        block = secrets.token_bytes(1024 * 1024)
        for _ in range(BIG_FILE_BYTES // len(block)):
            out.write(block)
    big.chmod(0o644)
    return folder


def use_ryuk_only_if_available(client: docker.DockerClient) -> bool:
    """Ryuk reaps containers of a crashed test run; where its image cannot be had, run without
    it (our context managers still remove every container). Returns whether Ryuk is used."""
    image = testcontainers_config.ryuk_image
    try:
        client.images.get(image)
        return True
    except docker.errors.ImageNotFound:
        pass
    try:
        client.images.pull(image)
        return True
    except docker.errors.APIError:
        testcontainers_config.ryuk_disabled = True
        return False


@dataclass(frozen=True)
class Database:
    container: MySqlContainer
    root_password: str
    password: str

    def host_port(self) -> tuple[str, int]:
        host = self.container.get_container_host_ip()
        # MySQL clients take "localhost" to mean the Unix socket, not the published port.
        host = "127.0.0.1" if host == "localhost" else host
        return host, int(self.container.get_exposed_port(3306))


@contextmanager
def mysql_server(image: str, network: Network, cpuset: str | None = None) -> Iterator[Database]:
    """A MySQL-compatible server reachable as `db` on the network; ready when it logs so;
    cpuset, the cores it may use (all when None)."""
    root_password, password = secrets.token_hex(12), secrets.token_hex(12)
    limits = {"cpuset_cpus": cpuset} if cpuset else {}
    container = MySqlContainer(
        image,
        username=DB_USER,
        password=password,
        root_password=root_password,
        dbname=DB_NAME,
        **limits,
    )
    container.with_network(network).with_network_aliases(DB_ALIAS)
    with container:
        yield Database(container, root_password, password)


def app_environment(database: Database, extra: dict[str, str]) -> dict[str, str]:
    """What production sets, as the ConfigMap and Secret would, plus the app's own test
    environment (invoke.yaml's app.test_environment)."""
    return {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": PUBLIC_HOST,
        "DJANGO_CSRF_TRUSTED_ORIGINS": f"https://{PUBLIC_HOST}",
        "MYSQL_HOST": DB_ALIAS,
        "MYSQL_DATABASE": DB_NAME,
        "MYSQL_USER": DB_USER,
        "MYSQL_PASSWORD": database.password,
        **extra,
    }


def run_migrations(
    client: docker.DockerClient, image: str, network: Network, env: dict[str, str]
) -> str:
    """Apply migrations as a deployment does: a one-off container of the same image."""
    migrate = ["python", "manage.py", "migrate", "--noinput"]
    return run_once(client, image, migrate, env, network.name)


def empty_database(
    client: docker.DockerClient, image: str, network: Network, env: dict[str, str]
) -> str:
    """Every table of the app emptied (Django's flush), as migrated."""
    return run_once(client, image, ["python", "manage.py", "flush", "--noinput"], env, network.name)


# Where the image's settings put collected static files; the app serves what is there.
PRINT_STATIC_ROOT = (
    "import django; django.setup(); from django.conf import settings; print(settings.STATIC_ROOT)"
)


def static_root(client: docker.DockerClient, image: str, env: dict[str, str]) -> str:
    return run_once(client, image, ["python", "-c", PRINT_STATIC_ROOT], env).strip()


@dataclass(frozen=True)
class Served:
    """A container the tests reach over HTTP on a published port."""

    container: DockerContainer
    base_url: str

    def url(self, path: str) -> str:
        return self.base_url + path

    @property
    def docker(self):
        return self.container.get_wrapped_container()


class AppServer(Served):
    """The app image, serving."""


def network_address(server: AppServer) -> str:
    """The server's address on its network: as MySQL sees it, and reached from here without
    docker's port proxy (a process of its own that would compete for the cores)."""
    container = server.docker
    container.reload()
    networks = container.attrs["NetworkSettings"]["Networks"]
    return next(network["IPAddress"] for network in networks.values() if network["IPAddress"])


# uvicorn's workers are spawned by multiprocessing; a killed one stays a zombie until reaped.
LIST_WORKERS = """
import os
for pid in sorted(int(p) for p in os.listdir('/proc') if p.isdigit() and int(p) != os.getpid()):
    try:
        state = open(f'/proc/{pid}/stat').read().rsplit(') ', 1)[1].split()[0]
        command = open(f'/proc/{pid}/cmdline').read()
    except OSError:
        continue
    if 'spawn_main' in command and state != 'Z':
        print(pid)
"""


def worker_pids(server: AppServer) -> list[int]:
    """The PIDs of uvicorn's live worker processes inside the app container."""
    result = server.docker.exec_run(["python", "-c", LIST_WORKERS])
    if result.exit_code != 0:
        raise LifecycleError(f"cannot list the workers: {result.output.decode()}")
    spawned = [int(line) for line in result.output.decode().split()]
    # With one worker, uvicorn serves from its main process (PID 1) and spawns none.
    return spawned or [1]


def readiness(port: int, timeout_seconds: float, log_line: str | None) -> CompositeWaitStrategy:
    """The server logs log_line when listening (failing at once if the container exits first),
    then /readyz is 200."""
    # As the kubelet asks: by the pod's address (probes answer no host name).
    ready = HttpWaitStrategy(port, "/readyz").with_header("Host", "127.0.0.1").for_status_code(200)
    strategies = [LogMessageWaitStrategy(log_line), ready] if log_line else [ready]
    return CompositeWaitStrategy(*strategies).with_startup_timeout(timeout_seconds)


@contextmanager
def app_server(
    image: str,
    port: int,
    network: Network,
    env: dict[str, str],
    big_static: tuple[Path, str] | None = None,
    host_port: int | None = None,
    alias: str | None = None,
    command: list[str] | None = None,
    run_options: dict[str, object] | None = None,
) -> Iterator[AppServer]:
    """The app image as production runs it: nobody, read-only root, /tmp as tmpfs; its port
    published on host_port, or on a free port when None; big_static is a folder to mount in
    the image's STATIC_ROOT (the host folder and that root); alias, its name on the network;
    command, another server than the image's, and run_options, docker's (cpuset_cpus, cap_add),
    for benchmarks."""
    container = DockerContainer(image, read_only=True, **(run_options or {}))
    if command is not None:
        container.with_command(command)
    container.with_tmpfs_mount("/tmp", "size=64m").with_network(network)
    if alias is not None:
        container.with_network_aliases(alias)
    if host_port is None:
        container.with_exposed_ports(port)
    else:
        container.with_bind_ports(port, host_port)
    for name, value in env.items():
        container.with_env(name, value)
    if big_static is not None:
        folder, root = big_static
        container.with_volume_mapping(str(folder.resolve()), f"{root}/{BIG_STATIC_FOLDER}", "ro")
    log_line = None if command else "Uvicorn running on"
    container.waiting_for(readiness(port, timeout_seconds=90, log_line=log_line))
    try:
        container.start()
    except (TimeoutError, RuntimeError) as error:
        logs = b"".join(container.get_logs()).decode(errors="replace").strip()
        container.stop()
        raise LifecycleError(f"the app did not become ready ({error}): {logs[-1000:]}") from None
    try:
        host = container.get_container_host_ip()
        yield AppServer(container, f"http://{host}:{container.get_exposed_port(port)}")
    finally:
        container.stop()


REGISTRY_PORT = 5000


@contextmanager
def registry_server(
    image: str, username: str | None = None, password: str | None = None
) -> Iterator[DockerRegistryContainer]:
    """A registry (distribution), demanding username and password when given."""
    with DockerRegistryContainer(
        image, port=REGISTRY_PORT, username=username, password=password
    ) as registry:
        yield registry


def registry_address(registry: DockerRegistryContainer) -> str:
    """host:port as the docker daemon reaches it: it pushes over plain HTTP only to localhost."""
    return f"localhost:{registry.get_exposed_port(REGISTRY_PORT)}"


@dataclass(frozen=True)
class MigratedDatabase:
    network: Network
    database: Database
    app_env: dict[str, str]


@contextmanager
def migrated_database(
    client: docker.DockerClient,
    app_image: str,
    mysql_image: str,
    extra_env: dict[str, str],
    cpuset: str | None = None,
) -> Iterator[MigratedDatabase]:
    """A network of its own with MySQL on it (on the cores cpuset names, or any), migrated by a
    one-off app container."""
    with Network() as network, mysql_server(mysql_image, network, cpuset) as database:
        env = app_environment(database, extra_env)
        run_migrations(client, app_image, network, env)
        yield MigratedDatabase(network, database, env)
