"""``llm install`` / ``llm uninstall``: pip, run in the interpreter that runs llm.

Environments made by uv have no pip; there we fall back to ``uv pip`` pointed at
this interpreter, so plugins still land next to llm.
"""

from __future__ import annotations

import sys

import click

# pip flag -> uv pip spelling, where they differ.
_UV_FLAGS = {"--force-reinstall": "--reinstall", "--no-cache-dir": "--no-cache"}


def pip_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("pip") is not None


def pip_command(action: str, args: list[str]) -> list[str]:
    """The argv that runs ``pip <action> <args>`` against ``sys.executable``."""
    import shutil

    if pip_available():
        return [sys.executable, "-m", "pip", action, *args]
    uv = shutil.which("uv")
    if uv is None:
        raise click.ClickException(
            f"pip is not installed in the environment of {sys.executable} and uv was not found"
        )
    uv_args = [_UV_FLAGS.get(arg, arg) for arg in args if arg != "-y"]
    return [uv, "pip", action, "--python", sys.executable, *uv_args]


def _run(argv: list[str]) -> None:
    import subprocess

    code = subprocess.run(argv, check=False).returncode
    if code:
        sys.exit(code)


def register(cli: click.Group) -> None:
    @cli.command()
    @click.argument("packages", nargs=-1, required=False)
    @click.option("-U", "--upgrade", is_flag=True, help="Upgrade packages to latest version")
    @click.option("-e", "--editable", help="Install a project in editable mode from this path")
    @click.option(
        "--force-reinstall",
        is_flag=True,
        help="Reinstall all packages even if they are already up-to-date",
    )
    @click.option("--no-cache-dir", is_flag=True, help="Disable the cache")
    def install(
        packages: tuple[str, ...],
        upgrade: bool,
        editable: str | None,
        force_reinstall: bool,
        no_cache_dir: bool,
    ) -> None:
        "Install packages from PyPI into the same environment as LLM"
        if not packages and not editable:
            raise click.UsageError("Specify packages to install, or -e PATH")
        args: list[str] = []
        if upgrade:
            args.append("--upgrade")
        if editable:
            args += ["--editable", editable]
        if force_reinstall:
            args.append("--force-reinstall")
        if no_cache_dir:
            args.append("--no-cache-dir")
        _run(pip_command("install", args + list(packages)))

    @cli.command()
    @click.argument("packages", nargs=-1, required=True)
    @click.option("-y", "--yes", is_flag=True, help="Don't ask for confirmation")
    def uninstall(packages: tuple[str, ...], yes: bool) -> None:
        "Uninstall Python packages from the LLM environment"
        _run(pip_command("uninstall", list(packages) + (["-y"] if yes else [])))
