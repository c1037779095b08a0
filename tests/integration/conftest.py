"""Session fixtures for the integration tests: the built image, MySQL and the app, on one
docker network, started with testcontainers and removed at the end (also on failure)."""

import os
from pathlib import Path

import docker
import MySQLdb
import pytest
from testcontainers.core.network import Network

from lifecycle.app_image import build_app_image
from lifecycle.base_images import Role, resolve
from lifecycle.buildkit import find_build_cli
from lifecycle.config import settings_from
from lifecycle.engine import connect
from lifecycle.errors import LifecycleError
from lifecycle.stack import (
    Database,
    app_environment,
    app_server,
    mysql_server,
    run_migrations,
    use_ryuk_only_if_available,
    write_big_static_dir,
)


@pytest.fixture(scope="session")
def docker_client() -> docker.DockerClient:
    try:
        client = connect()
    except LifecycleError as error:
        pytest.exit(f"error: {error}", returncode=1)
    use_ryuk_only_if_available(client)
    return client


@pytest.fixture(scope="session")
def images(docker_client) -> dict[str, str]:
    """The app image for this tree (nox builds it first and passes APP_IMAGE), MySQL's and the
    registry's."""
    settings = settings_from()
    cli = find_build_cli(settings.build_clis)
    app_image = os.environ.get("APP_IMAGE") or build_app_image(docker_client, settings, cli).tags[0]

    def image_for(role: Role, variable: str) -> str:
        return os.environ.get(variable) or resolve(docker_client, settings, cli, role).reference

    return {
        "app": app_image,
        "mysql": image_for(Role.MYSQL, "MYSQL_IMAGE"),
        "registry": image_for(Role.REGISTRY, "REGISTRY_IMAGE"),
    }


@pytest.fixture(scope="session")
def network(docker_client):
    with Network() as net:
        yield net


@pytest.fixture(scope="session")
def database(images, network) -> Database:
    with mysql_server(images["mysql"], network) as db:
        yield db


@pytest.fixture(scope="session")
def app_env(docker_client, images, network, database) -> dict[str, str]:
    env = app_environment(database)
    run_migrations(docker_client, images["app"], network, env)
    return env


@pytest.fixture(scope="session")
def big_static_dir(tmp_path_factory) -> Path:
    return write_big_static_dir(tmp_path_factory.mktemp("big-static"))


@pytest.fixture(scope="session")
def app(images, network, app_env, big_static_dir):
    """The app with its default worker count (from the container's CPU quota)."""
    with app_server(images["app"], network, app_env, big_static_dir) as server:
        yield server


@pytest.fixture(scope="session")
def app_one_worker(images, network, app_env):
    with app_server(images["app"], network, {**app_env, "WEB_CONCURRENCY": "1"}) as server:
        yield server


@pytest.fixture
def disposable_app(images, network, app_env):
    """An app container of its own, for tests that signal or kill it."""
    with app_server(images["app"], network, app_env) as server:
        yield server


@pytest.fixture
def mysql_status(database):
    """Reads a MySQL global status value over a root connection from the test process."""

    def read(name: str) -> int:
        host, port = database.host_port()
        connection = MySQLdb.connect(
            host=host, port=port, user="root", password=database.root_password
        )
        try:
            cursor = connection.cursor()
            cursor.execute("SHOW GLOBAL STATUS LIKE %s", [name])
            return int(cursor.fetchone()[1])
        finally:
            connection.close()

    return read
