"""A real reverse proxy (nginx) in front of the app's replicas, configured as an ingress
controller would be, with retries off, so a request the app drops is a failure the test sees.
Changing its backends is a graceful reload, as an ingress does when endpoints change."""

import io
import tarfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

from testcontainers.core.container import DockerContainer
from testcontainers.core.network import Network
from testcontainers.core.wait_strategies import HttpWaitStrategy

from lifecycle.errors import LifecycleError
from lifecycle.harness.stack import Served

PROXY_PORT = 80
RELOAD_SECONDS = 10
# Each process's PID and title (its command line), one a line, with what the image has.
LIST_PROCESSES = (
    r'for p in /proc/[0-9]*; do echo "${p#/proc/} '
    r'$(tr "\0" " " < "$p/cmdline" 2>/dev/null)"; done'
)
CONFIG_PATH = "etc/nginx/conf.d/app.conf"
CONFIG = """\
upstream app {{
{servers}
    keepalive 32;
}}
server {{
    listen {port} default_server;
    location / {{
        proxy_pass http://app;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $remote_addr;
        proxy_set_header X-Forwarded-Proto https;
        # Retries off: a request a replica drops is a failure, not hidden by another try.
        proxy_next_upstream off;
        proxy_read_timeout 60s;
    }}
}}
"""


def config_for(backends: list[str]) -> str:
    servers = "\n".join(f"    server {backend};" for backend in backends)
    return CONFIG.format(servers=servers, port=PROXY_PORT)


class Proxy(Served):
    def route_to(self, backends: list[str]) -> None:
        """New backends, as an ingress controller applies changed endpoints: a graceful reload
        (requests in flight finish on the old workers); back once no worker started before it
        takes new requests."""
        before = self.accepting_workers()
        if not before:  # the wait below would pass at once, unseen
            raise LifecycleError("no nginx worker takes requests before the reload")
        self.docker.put_archive("/", config_archive(config_for(backends)))
        result = self.docker.exec_run(["nginx", "-s", "reload"])
        if result.exit_code != 0:
            raise LifecycleError(f"nginx reload failed: {result.output.decode()}")
        # `nginx -s reload` only signals the master, which starts new workers and then tells the
        # old ones to stop taking requests: until they do, a request may still go to the old
        # backends (a fixed 0.2 s was not always enough on a busy machine).
        deadline = time.monotonic() + RELOAD_SECONDS
        while still := before & self.accepting_workers():
            if time.monotonic() > deadline:
                raise LifecycleError(
                    f"nginx workers {sorted(still)} still take requests {RELOAD_SECONDS} s "
                    "after the reload"
                )
            time.sleep(0.02)

    def accepting_workers(self) -> set[str]:
        """The PIDs of nginx workers that take new requests. A worker told to stop retitles
        itself 'worker process is shutting down' and closes its listening sockets at once."""
        result = self.docker.exec_run(["sh", "-c", LIST_PROCESSES])
        listing = result.output.decode()
        if result.exit_code != 0:
            raise LifecycleError(f"cannot list the proxy's processes: {listing}")
        return {
            pid
            for pid, _, title in (line.partition(" ") for line in listing.splitlines())
            if title.strip() == "nginx: worker process"
        }


def config_archive(text: str) -> bytes:
    content = text.encode()
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w") as tar:
        info = tarfile.TarInfo(CONFIG_PATH)
        info.size = len(content)
        tar.addfile(info, io.BytesIO(content))
    return archive.getvalue()


@contextmanager
def proxy_server(image: str, network: Network, backends: list[str]) -> Iterator[Proxy]:
    """nginx on the network, routing to backends (host:port); ready when it answers."""
    container = DockerContainer(image).with_network(network).with_exposed_ports(PROXY_PORT)
    container.with_command(["sh", "-c", "sleep infinity"])  # configured before nginx starts
    with container:
        wrapped = container.get_wrapped_container()
        wrapped.put_archive("/", config_archive(config_for(backends)))
        wrapped.exec_run(["nginx"], detach=True)
        HttpWaitStrategy(PROXY_PORT, "/").for_status_code_matching(
            lambda status: status < 500
        ).with_startup_timeout(30).wait_until_ready(container)
        host = container.get_container_host_ip()
        yield Proxy(container, f"http://{host}:{container.get_exposed_port(PROXY_PORT)}")
