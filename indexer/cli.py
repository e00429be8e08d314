"""`python -m indexer`: load collection bundles into Elasticsearch."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import elasticsearch
import typer
from elasticsearch import Elasticsearch

from evidence.settings import get_settings
from indexer.bundle import BundleError
from indexer.load import load_bundle

cli = typer.Typer(
    help=__doc__, no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False
)


@cli.callback()
def main() -> None:
    """Load collection bundles (see docs/ingest-format.md) into the evidence index."""


@cli.command("load")
def load_command(
    bundle: Annotated[Path, typer.Argument(exists=True, file_okay=False, help="Bundle folder.")],
    report: Annotated[Path, typer.Option(help="Where to write rejected records (NDJSON).")] = Path(
        "reports/rejections.ndjson"
    ),
    tolerate_rejections: Annotated[
        bool, typer.Option(help="Exit 0 even when records were rejected.")
    ] = False,
) -> None:
    """Validate and index a bundle; rejected records go to the report, never nowhere."""
    settings = get_settings()
    es = Elasticsearch(settings.es_url, request_timeout=settings.request_timeout)
    try:
        result = load_bundle(es, settings.index_prefix, bundle)
    except BundleError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from error
    except (elasticsearch.ConnectionError, elasticsearch.ConnectionTimeout) as error:
        typer.echo(f"error: Elasticsearch at {settings.es_url} is unreachable: {error}", err=True)
        raise typer.Exit(3) from error
    finally:
        es.close()
    for warning in result.warnings:
        typer.echo(f"warning: {warning}", err=True)
    result.write_ndjson(report)
    typer.echo(
        f"{bundle}: read {result.read}, indexed {result.indexed}, rejected {result.rejected}"
        + (f" (details in {report})" if result.rejected else "")
    )
    if not result.reconciles:
        typer.echo("error: counts do not reconcile; this is a bug, please report it", err=True)
        raise typer.Exit(4)
    if result.rejected and not tolerate_rejections:
        raise typer.Exit(1)
