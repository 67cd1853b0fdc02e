"""`vidbench configs` and `vidbench init`: what ships with vidbench, and a copy to start from."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from vidbench.cli.views import console


def configs() -> None:
    """The bundled configs and suites; any command that takes a file also takes these names."""
    from vidbench.core.config.bundled import bundled_files

    files = bundled_files()
    width = max(len(f.name) for f in files)
    for kind, title in (("config", "configs"), ("suite", "suites")):
        console.print(f"{title}:", highlight=False)
        for item in (f for f in files if f.kind == kind):
            console.print(f"  {item.name:<{width}}  {item.summary}", markup=False, highlight=False)
    console.print(
        "use a name in place of a file (vidbench plan demo, --suite smoke), or copy one to edit:"
        " vidbench init NAME [DIR]",
        markup=False,
        highlight=False,
    )


def init(
    name: Annotated[str, typer.Argument(help="A bundled config (vidbench configs).")] = "demo",
    directory: Annotated[
        Path, typer.Argument(help="Folder to write into (created if missing).")
    ] = Path("."),
    force: Annotated[bool, typer.Option("--force", help="Overwrite files already there.")] = False,
) -> None:
    """Copy a bundled config with its suite and assets into a folder, ready to edit and run."""
    from vidbench.core.config.bundled import init_folder

    written = init_folder(name, directory, overwrite=force)
    config = written[0]
    console.print(f"wrote {config}", markup=False, highlight=False)
    for path in written[1:]:
        console.print(f"wrote {path}{'/' if path.is_dir() else ''}", markup=False, highlight=False)
    where = "" if directory == Path(".") else f"cd {directory} && "
    console.print(
        f"next: {where}vidbench plan {config.name}, then vidbench run {config.name}",
        markup=False,
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Add `configs` and `init` to `app`."""
    for command in (configs, init):
        app.command()(command)
