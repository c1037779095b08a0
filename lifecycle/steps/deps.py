"""Install the locked dependencies, app and tooling, after checking the lock is current."""

from lifecycle.adapters.commands import run
from lifecycle.adapters.pipenv import check_lock_is_current
from lifecycle.toolchain import Toolchain


def sync(tools: Toolchain) -> None:
    check_lock_is_current(tools.settings.project_dir)
    run(["pipenv", "sync", "--dev"], cwd=tools.settings.project_dir)
