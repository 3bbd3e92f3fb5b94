"""The ``ptce dashboard`` command (registered as a ``ptce.commands`` entry point)."""

from __future__ import annotations

from typing import Annotated

import typer

from experiments.cli.common import err


def register(app: typer.Typer) -> None:
    """Add ``dashboard`` to the ``ptce`` command line."""

    @app.command()
    def dashboard(
        db: Annotated[str | None, typer.Option(
            help="Results database URL to read (default: $PTCE_DB or "
                 "sqlite:///runs/ptce.sqlite).", show_default=False)] = None,
        host: Annotated[str, typer.Option(help="Address to bind; localhost unless told.")] = (
            "127.0.0.1"),
        port: Annotated[int, typer.Option(min=1, max=65535, help="Port.")] = 8765,
    ) -> None:
        """Open the dashboard (Explore, Compare, Calibration, Optimise; French by default)."""
        from dashboards.server import serve

        err.print(f"Serving the dashboard on http://{host}:{port}/ (Ctrl-C to stop)")
        raise typer.Exit(serve(db, host, port))
