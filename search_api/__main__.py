"""`python -m search_api serve`: run the API with uvicorn on the configured host and port."""

from __future__ import annotations

import typer
import uvicorn

from evidence.settings import get_settings
from search_api.app import create_app

cli = typer.Typer(
    help=__doc__, no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False
)


@cli.callback()
def main() -> None:
    """The evidence index web app and API."""


@cli.command("serve")
def serve() -> None:
    """Serve the web app and the JSON API."""
    settings = get_settings()
    uvicorn.run(create_app(settings), host=settings.api_host, port=settings.api_port)


cli()
