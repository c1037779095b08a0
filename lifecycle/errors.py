"""Errors a user can cause or fix; tasks and sessions turn them into one clear line."""


class LifecycleError(Exception):
    """Something the user can fix; the message says what is wrong and what to do."""

    def one_line(self) -> str:
        return f"error: {self}"


class ConfigError(LifecycleError):
    """A setting in invoke.yaml or the environment is missing or malformed."""


class EngineUnavailable(LifecycleError):
    """The Docker daemon cannot be reached."""


class BuildKitUnavailable(LifecycleError):
    """No configured docker CLI can build with BuildKit."""


class OverBudget(LifecycleError):
    """The image is larger than its size budget."""
