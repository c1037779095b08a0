"""The proxy harness's route change: back only once the old nginx workers stop taking requests,
and never back at once because it could not see them."""

from types import SimpleNamespace

import pytest

from lifecycle.errors import LifecycleError
from lifecycle.harness.proxy import Proxy

OLD = "7 nginx: worker process\n1 nginx: master process nginx\n"
OLD_STOPPING = "7 nginx: worker process is shutting down\n9 nginx: worker process\n"
NEW_ONLY = "9 nginx: worker process\n1 nginx: master process nginx\n"


class NginxContainer:
    """The proxy container as the Docker SDK shows it: each process listing read off in turn."""

    def __init__(self, *listings: str, listing_exit_code: int = 0) -> None:
        self.listings = list(listings)
        self.listing_exit_code = listing_exit_code
        self.listings_read = 0

    def get_wrapped_container(self):
        return self

    def put_archive(self, path, data) -> None:
        pass

    def exec_run(self, argv):
        if argv[0] == "nginx":
            return SimpleNamespace(exit_code=0, output=b"")
        self.listings_read += 1
        output = self.listings.pop(0) if len(self.listings) > 1 else self.listings[0]
        return SimpleNamespace(exit_code=self.listing_exit_code, output=output.encode())


def proxy_over(container: NginxContainer) -> Proxy:
    return Proxy(container=container, base_url="http://proxy")


def test_a_route_change_returns_once_no_worker_from_before_takes_requests():
    container = NginxContainer(OLD, OLD, OLD_STOPPING, NEW_ONLY)
    proxy_over(container).route_to(["app:8000"])
    assert container.listings_read == 3  # before, still accepting, then retitled


def test_a_proxy_whose_processes_cannot_be_listed_is_an_error_not_a_reload_unwaited():
    container = NginxContainer("sh: 1: tr: not found\n", listing_exit_code=127)
    with pytest.raises(LifecycleError, match="cannot list the proxy's processes: sh: 1: tr"):
        proxy_over(container).route_to(["app:8000"])


def test_no_worker_seen_before_the_reload_is_an_error_not_a_reload_unwaited():
    container = NginxContainer("1 nginx: master process nginx\n")
    with pytest.raises(LifecycleError, match="no nginx worker takes requests before the reload"):
        proxy_over(container).route_to(["app:8000"])
