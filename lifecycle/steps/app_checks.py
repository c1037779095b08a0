"""The app settings in invoke.yaml checked against the project before any build work: the
folder, the settings module, the ASGI application and the lock, each one clear line."""

import ast
from pathlib import Path

from lifecycle.adapters.pipenv import check_lock_is_current
from lifecycle.errors import ConfigError
from lifecycle.settings import Settings, variable_for


def module_file(app_dir: Path, module: str) -> Path | None:
    """The file that defines a dotted module inside the app folder, if there is one."""
    base = app_dir.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def parsed(path: Path, setting: str) -> ast.Module:
    try:
        return ast.parse(path.read_text(), str(path))
    except SyntaxError as error:
        raise ConfigError(
            f"{setting} names {path}, which does not compile: {error.msg} at line {error.lineno}"
        ) from None


def defined_names(tree: ast.Module) -> set[str]:
    """Names a module binds at top level (assignments, functions, classes, imports)."""
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Assign):
            names |= {target.id for target in node.targets if isinstance(target, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    return names


def importable_module(app_dir: Path, module: str, setting: str) -> ast.Module:
    path = module_file(app_dir, module)
    if path is None:
        raise ConfigError(
            f"{setting} is {module!r}, which is no module in {app_dir}: "
            f"fix invoke.yaml or {variable_for(setting)}"
        )
    return parsed(path, setting)


def check_app(settings: Settings) -> None:
    app = settings.app
    if not (settings.app_dir / "manage.py").is_file():
        raise ConfigError(
            f"app.folder {app.folder!r} holds no manage.py (looked in {settings.app_dir}): "
            f"fix invoke.yaml or {variable_for('app.folder')}"
        )
    importable_module(settings.app_dir, app.settings_module, "app.settings_module")
    module, colon, attribute = app.asgi_application.partition(":")
    if not colon or not attribute.isidentifier():
        raise ConfigError(
            f"app.asgi_application must be module:attribute, got {app.asgi_application!r}"
        )
    tree = importable_module(settings.app_dir, module, "app.asgi_application")
    if attribute not in defined_names(tree):
        raise ConfigError(
            f"app.asgi_application is {app.asgi_application!r}, but {module} defines no "
            f"{attribute!r}: fix invoke.yaml or {variable_for('app.asgi_application')}"
        )
    check_lock_is_current(settings.pipfile_dir)
