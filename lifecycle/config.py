"""One typed settings object, read from invoke.yaml and INVOKE_* environment overrides."""

from dataclasses import dataclass
from pathlib import Path

import invoke
from invoke.exceptions import UncastableEnvVar

from lifecycle.errors import ConfigError

PROJECT_DIR = Path(__file__).resolve().parent.parent


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
    build_clis: tuple[str, ...]
    ca_bundle: Path | None
    repository: str
    moving_tag: str
    budget_mb: float
    bases: BaseImages
    registry: Registry
    deploy: Deploy


POLICIES = ("auto", "official", "local")


def load_invoke_config() -> invoke.Config:
    """invoke.yaml plus the environment, as Invoke itself would read them for tasks.py."""
    config = invoke.Config(project_location=str(PROJECT_DIR))
    config.load_project()
    try:
        config.load_shell_env()
    except (ValueError, UncastableEnvVar) as error:
        raise ConfigError(
            f"an INVOKE_* environment variable does not fit its setting ({error}): fix or unset it"
        ) from None
    return config


def settings_from(config: invoke.Config | None = None) -> Settings:
    """Validate and type the raw Invoke configuration."""
    config = config if config is not None else load_invoke_config()
    try:
        docker, image, bases = config["docker"], config["image"], config["bases"]
        build_clis = tuple(str(docker["build_clis"]).split())
        ca_bundle = str(docker["ca_bundle"]).strip()
        budget_raw = image["budget_mb"]
        base_images = BaseImages(**{key: str(bases[key]) for key in BaseImages.__annotations__})
        repository, moving_tag = str(image["repository"]), str(image["moving_tag"])
        registry = Registry(str(config["registry"]["address"]), str(config["registry"]["scheme"]))
        deploy = deploy_settings(config["deploy"])
    except KeyError as missing:
        raise ConfigError(f"invoke.yaml is missing the setting {missing}: restore it") from None
    try:
        budget_mb = float(budget_raw)
    except (TypeError, ValueError):
        budget_mb = -1.0
    if budget_mb <= 0:
        raise ConfigError(
            f"image.budget_mb must be a positive number of megabytes, got {budget_raw!r}: "
            "fix invoke.yaml or INVOKE_IMAGE_BUDGET_MB"
        )
    if base_images.policy not in POLICIES:
        raise ConfigError(
            f"bases.policy must be one of {', '.join(POLICIES)}, got {base_images.policy!r}: "
            "fix invoke.yaml or INVOKE_BASES_POLICY"
        )
    if registry.scheme not in ("http", "https"):
        raise ConfigError(f"registry.scheme must be http or https, got {registry.scheme!r}")
    if not build_clis:
        raise ConfigError("docker.build_clis is empty: name at least one docker CLI")
    return Settings(
        project_dir=PROJECT_DIR,
        build_clis=build_clis,
        ca_bundle=Path(ca_bundle) if ca_bundle else None,
        repository=repository,
        moving_tag=moving_tag,
        budget_mb=budget_mb,
        bases=base_images,
        registry=registry,
        deploy=deploy,
    )


ENVIRONMENT_NAMES = ("staging", "production")


def deploy_settings(raw) -> Deploy:
    environments = {
        name: Environment(
            name=name,
            overlay=str(raw[name]["overlay"]),
            context=str(raw[name]["context"]),
            namespace=str(raw[name]["namespace"]),
            allowed_contexts=tuple(str(raw[name]["allowed_contexts"]).split()),
        )
        for name in ENVIRONMENT_NAMES
    }
    return Deploy(
        kubectl=str(raw["kubectl"]),
        migration_timeout_seconds=int(raw["migration_timeout_seconds"]),
        rollout_timeout_seconds=int(raw["rollout_timeout_seconds"]),
        pushed_record=str(raw["pushed_record"]),
        environments=environments,
    )
