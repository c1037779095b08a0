"""What every step needs, made once and only when first needed: the settings, the Docker
client and the docker CLI that builds with BuildKit."""

from functools import cached_property

import docker

from lifecycle.adapters.buildkit import BuildCli, find_build_cli
from lifecycle.adapters.engine import connect
from lifecycle.settings import Settings, load_settings


class Toolchain:
    def __init__(self, settings: Settings | None = None) -> None:
        if settings is not None:
            self.__dict__["settings"] = settings

    @cached_property
    def settings(self) -> Settings:
        return load_settings()

    @cached_property
    def docker(self) -> docker.DockerClient:
        return connect()

    @cached_property
    def build_cli(self) -> BuildCli:
        return find_build_cli(self.settings.build_clis)

    def with_settings(self, settings: Settings) -> "Toolchain":
        """Other settings, with whatever engine client and build CLI this one has made."""
        other = Toolchain(settings)
        for made in ("docker", "build_cli"):
            if made in self.__dict__:
                other.__dict__[made] = self.__dict__[made]
        return other
