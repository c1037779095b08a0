"""One typed settings object, read from invoke.yaml and INVOKE_* environment overrides.

Invoke reads the same file for its own purposes; the library reads it here, without Invoke,
so that tasks, nox sessions and tests all see the same values.
"""

import ipaddress
import os
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from lifecycle.errors import ConfigError

PROJECT_DIR = Path(__file__).resolve().parent.parent
SETTINGS_FILE = "invoke.yaml"
ENV_PREFIX = "INVOKE"
# Invoke's own variable for a settings file laid over the project's: another app's settings.
RUNTIME_FILE_VARIABLE = "INVOKE_RUNTIME_CONFIG"


@dataclass(frozen=True)
class Process:
    """A process type beside the web pods: a Deployment, or a CronJob when it has a schedule."""

    name: str
    command: tuple[str, ...]
    schedule: str | None


@dataclass(frozen=True)
class App:
    """The Django project the image is made of, as invoke.yaml's app section names it."""

    folder: str
    settings_module: str
    asgi_application: str
    pipfile_folder: str
    port: int
    build_environment: dict[str, str]
    build_commands: str
    runtime_packages: tuple[str, ...]
    test_environment: dict[str, str]
    processes: tuple[Process, ...]


@dataclass(frozen=True)
class BaseImages:
    policy: str
    local_prefix: str
    debian_suite: str
    debian_mirror: str
    debian_security_mirror: str
    python_build: str
    python_runtime: str
    mysql: str
    registry: str
    proxy: str


@dataclass(frozen=True)
class Registry:
    address: str
    scheme: str


@dataclass(frozen=True)
class Environment:
    name: str
    overlay: str
    context: str
    namespace: str
    host: str
    ingress_namespace: str
    trusted_proxies: str
    allowed_contexts: tuple[str, ...]


@dataclass(frozen=True)
class Deploy:
    kubectl: str
    migration_timeout_seconds: int
    rollout_timeout_seconds: int
    pushed_record: str
    environments: dict[str, Environment]

    def environment(self, name: str) -> Environment:
        try:
            return self.environments[name]
        except KeyError:
            known = ", ".join(self.environments)
            raise ConfigError(f"unknown environment {name!r}: use one of {known}") from None


@dataclass(frozen=True)
class Settings:
    project_dir: Path
    app: App
    build_clis: tuple[str, ...]
    ca_bundle: Path | None
    repository: str
    moving_tag: str
    budget_mb: float | None  # None until the team sets one
    bases: BaseImages
    registry: Registry
    deploy: Deploy

    @property
    def app_dir(self) -> Path:
        return self.project_dir / self.app.folder

    @property
    def pipfile_dir(self) -> Path:
        return self.project_dir / self.app.pipfile_folder


POLICIES = ("auto", "official", "local")


def with_environment_overrides(raw: dict, environ: Mapping[str, str], path: tuple = ()) -> dict:
    """Each leaf a.b_c can be replaced by INVOKE_A_B_C, as Invoke itself does."""
    merged = {}
    for key, value in raw.items():
        here = (*path, str(key))
        if isinstance(value, dict):
            merged[key] = with_environment_overrides(value, environ, here)
        else:
            merged[key] = environ.get(variable_for(".".join(here)), value)
    return merged


def read_mapping(path: Path) -> dict:
    try:
        raw = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(f"cannot read {path}: {error}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path} must be a mapping of sections")
    return raw


def merged(base: dict, over: dict) -> dict:
    result = dict(base)
    for key, value in over.items():
        nested = isinstance(value, dict) and isinstance(base.get(key), dict)
        result[key] = merged(base[key], value) if nested else value
    return result


def load_raw(project_dir: Path, environ: Mapping[str, str]) -> dict:
    """invoke.yaml, then the file INVOKE_RUNTIME_CONFIG names, then INVOKE_* variables."""
    raw = read_mapping(project_dir / SETTINGS_FILE)
    if runtime_file := environ.get(RUNTIME_FILE_VARIABLE):
        raw = merged(raw, read_mapping(project_dir / runtime_file))
    return with_environment_overrides(raw, environ)


def variable_for(name: str) -> str:
    """The environment variable that overrides a setting: app.port is INVOKE_APP_PORT."""
    return "_".join((ENV_PREFIX, *name.split("."))).upper()


def number(raw: object, name: str, kind: type = int) -> int | float:
    """A positive whole or decimal number from a setting, or one clear line naming it."""
    try:
        value = kind(str(raw).strip())
    except ValueError:
        value = None
    if value is None or value <= 0:
        what = "a positive whole number" if kind is int else "a positive number"
        raise ConfigError(
            f"{name} must be {what}, got {raw!r}: fix {SETTINGS_FILE} or {variable_for(name)}"
        )
    return value


def load_settings(
    project_dir: Path = PROJECT_DIR, environ: Mapping[str, str] | None = None
) -> Settings:
    """Validate and type invoke.yaml, with the environment's overrides."""
    raw = load_raw(project_dir, os.environ if environ is None else environ)
    try:
        return typed(project_dir, raw)
    except KeyError as missing:
        raise ConfigError(f"{SETTINGS_FILE} is missing the setting {missing}: restore it") from None


def typed(project_dir: Path, raw: dict) -> Settings:
    docker, image, bases = raw["docker"], raw["image"], raw["bases"]
    build_clis = tuple(str(docker["build_clis"]).split())
    ca_bundle = str(docker["ca_bundle"] or "").strip()
    base_images = BaseImages(**{key: str(bases[key]) for key in BaseImages.__annotations__})
    registry = Registry(str(raw["registry"]["address"]), str(raw["registry"]["scheme"]))
    if base_images.policy not in POLICIES:
        raise ConfigError(
            f"bases.policy must be one of {', '.join(POLICIES)}, got {base_images.policy!r}: "
            f"fix {SETTINGS_FILE} or INVOKE_BASES_POLICY"
        )
    if registry.scheme not in ("http", "https"):
        raise ConfigError(f"registry.scheme must be http or https, got {registry.scheme!r}")
    if not build_clis:
        raise ConfigError("docker.build_clis is empty: name at least one docker CLI")
    return Settings(
        project_dir=project_dir,
        app=app_settings(raw["app"]),
        build_clis=build_clis,
        ca_bundle=Path(ca_bundle) if ca_bundle else None,
        repository=str(image["repository"]),
        moving_tag=str(image["moving_tag"]),
        budget_mb=(
            number(image["budget_mb"], "image.budget_mb", float)
            if str(image["budget_mb"] or "").strip()
            else None
        ),
        bases=base_images,
        registry=registry,
        deploy=deploy_settings(raw["deploy"]),
    )


def app_settings(raw: dict) -> App:
    return App(
        folder=str(raw["folder"]),
        settings_module=str(raw["settings_module"]),
        asgi_application=str(raw["asgi_application"]),
        pipfile_folder=str(raw["pipfile_folder"]),
        port=number(raw["port"], "app.port"),
        build_environment=assignments(raw["build_environment"], "app.build_environment"),
        build_commands=str(raw["build_commands"] or ""),
        runtime_packages=tuple(str(raw["runtime_packages"] or "").split()),
        test_environment=assignments(raw["test_environment"], "app.test_environment"),
        processes=tuple(process(name, entry) for name, entry in (raw["processes"] or {}).items()),
    )


PROCESS_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?$")


def process(name: str, entry: object) -> Process:
    where = f"app.processes.{name}"
    if not PROCESS_NAME.match(str(name)):
        raise ConfigError(f"{where}: a process name is lower-case letters, digits and dashes")
    if not isinstance(entry, dict) or not str(entry.get("command") or "").strip():
        raise ConfigError(f"{where} needs a command, e.g. command: python manage.py my_worker")
    schedule = str(entry.get("schedule") or "").strip() or None
    if schedule is not None and len(schedule.split()) != 5:
        raise ConfigError(f"{where}.schedule must be a cron schedule of 5 fields, got {schedule!r}")
    return Process(str(name), tuple(shlex.split(str(entry["command"]))), schedule)


def assignments(raw: object, name: str) -> dict[str, str]:
    """NAME=value pairs, space-separated, shell-quoted where a value has spaces."""
    pairs = {}
    for word in shlex.split(str(raw or "")):
        key, equals, value = word.partition("=")
        if not equals or not key.isidentifier():
            raise ConfigError(
                f"{name} must be NAME=value pairs separated by spaces, got {word!r}: fix "
                f"{SETTINGS_FILE} or {variable_for(name)}"
            )
        pairs[key] = value
    return pairs


def trusted_proxies(value: str, environment: str) -> str:
    """Address ranges whose forwarded headers are believed; everyone ("*") is refused."""
    setting = f"deploy.environments.{environment}.trusted_proxies"
    try:
        ranges = [ipaddress.ip_network(part.strip()) for part in value.split(",") if part.strip()]
    except ValueError as error:
        raise ConfigError(f"{setting}: {error}: give CIDR ranges such as 10.0.0.0/8") from None
    if not ranges:
        raise ConfigError(
            f"{setting} must name the ingress controller's address range, not {value!r}"
        )
    return ",".join(str(network) for network in ranges)


def deploy_settings(raw: dict) -> Deploy:
    environments = {
        str(name): Environment(
            name=str(name),
            overlay=str(entry["overlay"]),
            context=str(entry["context"]),
            namespace=str(entry["namespace"]),
            host=str(entry["host"]),
            ingress_namespace=str(entry["ingress_namespace"]),
            trusted_proxies=trusted_proxies(str(entry["trusted_proxies"]), str(name)),
            allowed_contexts=tuple(str(entry["allowed_contexts"] or "").split()),
        )
        for name, entry in raw["environments"].items()
    }
    if not environments:
        raise ConfigError("deploy.environments is empty: name at least one environment")
    return Deploy(
        kubectl=str(raw["kubectl"]),
        migration_timeout_seconds=number(
            raw["migration_timeout_seconds"], "deploy.migration_timeout_seconds"
        ),
        rollout_timeout_seconds=number(
            raw["rollout_timeout_seconds"], "deploy.rollout_timeout_seconds"
        ),
        pushed_record=str(raw["pushed_record"]),
        environments=environments,
    )
