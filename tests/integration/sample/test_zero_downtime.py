"""Zero-downtime deploys, proved with real parts: two replicas of the built image behind a real
reverse proxy (nginx, retries off), a steady load of pages, static files and slow requests, and
each replica replaced the way Kubernetes does it, with the manifests' own numbers: the new one
ready first; the old one out of the proxy while its preStop delay runs; then SIGTERM and the
grace period. The same swap without the preStop delay shows the drain alone loses nothing."""

import contextlib
import statistics
import threading
import time
from dataclasses import dataclass, field

import httpx
import pytest

from lifecycle.harness.proxy import proxy_server
from lifecycle.harness.stack import PUBLIC_HOST
from lifecycle.settings import load_settings
from lifecycle.steps.bases import Role, resolve
from lifecycle.steps.manifests import render_environment
from lifecycle.tables import render_table

SLOW = "/demo/sleep?ms=500"


@dataclass(frozen=True)
class ShutdownNumbers:
    pre_stop_seconds: int
    grace_seconds: int


def manifest_numbers() -> ShutdownNumbers:
    """The preStop delay and grace period the Deployment really has."""
    settings = load_settings()
    documents = render_environment(settings, settings.deploy.environment("staging"))
    pod = next(d for d in documents if d["kind"] == "Deployment")["spec"]["template"]["spec"]
    command = pod["containers"][0]["lifecycle"]["preStop"]["exec"]["command"]
    return ShutdownNumbers(int(command[1]), int(pod["terminationGracePeriodSeconds"]))


@dataclass
class SteadyLoad:
    """Clients that keep asking through the proxy until stopped, and what each answer was."""

    base_url: str
    paths: list[str]
    answers: list[tuple[str, int, float]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def client(self, path: str) -> None:
        # A connection per request, as many browsers behind an ingress are: a keep-alive
        # connection to the proxy that its own reload closes would be the proxy's failure
        # (browsers retry those), not the app's. Proxy to app, connections are kept alive.
        headers = {"Host": PUBLIC_HOST, "Connection": "close"}
        with httpx.Client(base_url=self.base_url, headers=headers, timeout=30) as web:
            while not self.stop.is_set():
                started = time.perf_counter()
                try:
                    status = web.get(path).status_code
                except httpx.TransportError:
                    status = 0
                self.answers.append((path, status, time.perf_counter() - started))

    @contextlib.contextmanager
    def running(self):
        threads = [threading.Thread(target=self.client, args=(p,)) for p in self.paths * 2]
        for thread in threads:
            thread.start()
        try:
            yield self
        finally:
            self.stop.set()
            for thread in threads:
                thread.join(60)

    def failures(self) -> list[tuple[str, int, float]]:
        return [answer for answer in self.answers if answer[1] != 200]

    def p99_ms(self) -> float:
        return statistics.quantiles([a[2] for a in self.answers], n=100)[98] * 1000


@pytest.fixture(scope="module")
def proxy_image(tools) -> str:
    return resolve(tools, Role.PROXY).reference


def replace(proxy, live: dict, old: str, new: str, start, numbers, pre_stop: bool) -> float:
    """Replace replica old by new as a rolling update does; returns the seconds it took."""
    began = time.monotonic()
    live[new] = start(new)  # ready (readiness probe passed) before anything else happens
    proxy.route_to([f"{name}:8000" for name in live])
    leaving = live.pop(old)
    proxy.route_to([f"{name}:8000" for name in live])  # endpoints drop the old pod...
    if pre_stop:
        time.sleep(numbers.pre_stop_seconds)  # ...while its preStop delay keeps it serving
    leaving.docker.kill(signal="SIGTERM")
    try:
        leaving.docker.wait(timeout=numbers.grace_seconds)
    except Exception:
        leaving.docker.kill(signal="SIGKILL")  # the grace period is over, as the kubelet does
    return time.monotonic() - began


def test_rolling_replacement_behind_a_proxy_loses_no_request(app_with, network, proxy_image, web):
    numbers = manifest_numbers()
    hashed_css = web.get("/").text.split('href="')[1].split('"')[0]
    rows = []
    with contextlib.ExitStack() as stack:

        def start(name: str):
            return stack.enter_context(app_with(alias_name=name))

        live = {name: start(name) for name in ("replica-1", "replica-2")}
        proxy = stack.enter_context(
            proxy_server(proxy_image, network, [f"{name}:8000" for name in live])
        )
        generation = 3
        for pre_stop in (True, False):
            load = SteadyLoad(proxy.base_url, ["/", hashed_css, SLOW])
            swaps = []
            with load.running():
                time.sleep(1)
                for old in list(live):
                    new = f"replica-{generation}"
                    generation += 1
                    swaps.append(replace(proxy, live, old, new, start, numbers, pre_stop))
                time.sleep(1)
            label = f"preStop {numbers.pre_stop_seconds}s" if pre_stop else "no preStop"
            rows.append(
                (
                    label,
                    len(load.answers),
                    len(load.failures()),
                    round(load.p99_ms(), 1),
                    " / ".join(f"{s:.1f}" for s in swaps),
                )
            )
            assert load.failures() == [], (label, load.failures()[:10])
    print()
    print(render_table(("swap", "requests", "failed", "p99 ms", "seconds per swap"), rows))
