"""`python -m indexer`: validate, load and rebuild collection bundles; review what they
withhold; run the job queue's worker and look after its jobs; make demo data; verify
court packages."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import elasticsearch
import typer
from elasticsearch import Elasticsearch
from redis import Redis
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from evidence.clients import loader_client
from evidence.indices import (
    RECORD_TYPES,
    MappingOutdated,
    all_alias,
    retired_generations,
    type_alias,
)
from evidence.jobqueue import connect, enqueue_load, enqueue_rebuild
from evidence.package_verify import Unreadable
from evidence.package_verify import verify as verify_package
from evidence.settings import Settings, get_settings
from indexer.backup import REPOSITORY, BackupError, list_snapshots, restore, snapshot
from indexer.bulk import GaveUp
from indexer.bundle import BundleError
from indexer.demo import SCALES, generate
from indexer.jobs_cli import (
    QueuedJobFailed,
    jobs,
    queue_errors,
    wait_for_report,
    worker_command,
)
from indexer.load import (
    LoadOptions,
    load_bundle,
    rebuild,
    registered_bundles,
    registry_id,
    validate_bundle,
)
from indexer.locks import WritersBusy
from indexer.parts import reports_index
from indexer.report import LoadReport
from indexer.review import by_rule, review_rows, stored_review, write_rows
from indexer.watching import watches_due

cli = typer.Typer(
    help=__doc__, no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False
)
err = Console(stderr=True, soft_wrap=True)  # a message stays one line, for logs and grep
cli.command("worker")(worker_command)
cli.add_typer(jobs, name="jobs")

BundlesArg = Annotated[
    list[Path], typer.Argument(exists=True, file_okay=False, help="Bundle folders.")
]
ReportOpt = Annotated[
    Path,
    typer.Option(help="Rejected records, NDJSON (or CSV if it ends in .csv)."),
]
TolerateOpt = Annotated[bool, typer.Option(help="Exit 0 even when records were rejected.")]


@contextmanager
def _progress(label: str) -> Iterator[Callable[..., None] | None]:
    """A live count of records, on a terminal only: `show()` counts one more record,
    `show(n)` says n were read (by queued jobs) so far."""
    if not sys.stderr.isatty():
        yield None
        return
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description} {task.completed:,} records"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task(label)

        def show(read: int | None = None) -> None:
            if read is None:
                progress.advance(task)
            else:
                progress.update(task, completed=read)

        yield show


@contextmanager
def _client() -> Iterator[Elasticsearch]:
    settings = get_settings()
    es = loader_client(settings, request_timeout=60)
    try:
        yield es
    except (elasticsearch.ConnectionError, elasticsearch.ConnectionTimeout) as error:
        err.print(f"error: Elasticsearch at {settings.es_url} is unreachable: {error}")
        raise typer.Exit(3) from error
    except GaveUp as error:
        err.print(f"error: {error}")
        raise typer.Exit(3) from error
    finally:
        es.close()


@contextmanager
def _bundle_errors() -> Iterator[None]:
    """An unreadable bundle, indices older than the mappings, or another writer in the
    way stop with exit status 2."""
    try:
        yield
    except (BundleError, MappingOutdated, WritersBusy) as error:
        err.print(f"error: {error}")
        raise typer.Exit(2) from error


def _finish(report: LoadReport, report_path: Path, started: float, tolerate: bool) -> None:
    for warning in report.warnings:
        err.print(f"warning: {warning}")
    report.write(report_path)
    seconds = time.monotonic() - started
    rate = report.read / seconds if seconds else 0.0
    typer.echo(f"{report.summary()} in {seconds:.1f}s ({rate:,.0f} records/s)")
    if report.rejected:
        typer.echo(f"rejections: {report_path}")
    if not report.reconciles:
        err.print("error: counts do not reconcile; this is a bug, please report it")
        raise typer.Exit(4)
    if report.rejected and not tolerate:
        raise typer.Exit(1)


@cli.command("validate")
def validate_command(
    bundles: BundlesArg,
    report: ReportOpt = Path("reports/rejections.ndjson"),
    tolerate_rejections: TolerateOpt = False,
) -> None:
    """Check bundles without indexing; report what would be rejected."""
    workers = get_settings().indexer_workers
    started, total = time.monotonic(), LoadReport()
    with _progress("validating") as tick, _bundle_errors():
        for bundle in bundles:
            total.merge(validate_bundle(bundle, tick, workers))
    _finish(total, report, started, tolerate_rejections)


QueueOpt = Annotated[
    bool,
    typer.Option(
        "--queue",
        help="Run it as jobs of `python -m indexer worker`, on any machine that shares "
        "Redis, Elasticsearch and the bundles' folders; a large bundle is split across "
        "workers.",
    ),
]
WaitOpt = Annotated[
    bool,
    typer.Option(help="With --queue: wait for the report, or print the job ids and return."),
]


OcrOpt = Annotated[
    bool | None,
    typer.Option(
        "--ocr/--no-ocr",
        help="Read scanned documents with Tesseract (default: EVIDENCE_OCR). Queued jobs "
        "follow their workers' EVIDENCE_OCR.",
    ),
]


def _load_options(settings: Settings, ocr: bool | None, queue: bool) -> LoadOptions:
    """The load's options, with `--ocr/--no-ocr` over `EVIDENCE_OCR`."""
    if queue and ocr is not None:
        err.print("error: --ocr/--no-ocr applies to this process; set EVIDENCE_OCR for workers")
        raise typer.Exit(2)
    if ocr is not None:
        settings = settings.model_copy(update={"ocr": ocr})
    return LoadOptions.from_settings(settings)


def _queued(
    es: Elasticsearch, job_ids: list[str], label: str
) -> list[tuple[LoadReport, dict[str, Any]]]:
    """Wait for the queued jobs' reports; a job that failed, or could not do its work,
    stops with exit status 2."""
    settings = get_settings()
    done = []
    with queue_errors(), _progress(label) as shown:
        for job_id in job_ids:
            try:
                report, extra = wait_for_report(es, settings, job_id, shown)
            except QueuedJobFailed as error:
                err.print(f"error: {job_id}: {error}")
                raise typer.Exit(2) from error
            if extra.get("error"):
                err.print(f"error: {job_id}: {extra['error']}")
                raise typer.Exit(2)
            done.append((report, extra))
    return done


def _enqueue(enqueue: Callable[[Redis], list[str]]) -> list[str]:
    settings = get_settings()
    with queue_errors():
        connection = connect(settings)
        try:
            job_ids = enqueue(connection)
        finally:
            connection.close()
    for job_id in job_ids:
        typer.echo(f"queued {job_id}")
    return job_ids


@cli.command("load")
def load_command(
    bundles: BundlesArg,
    report: ReportOpt = Path("reports/rejections.ndjson"),
    tolerate_rejections: TolerateOpt = False,
    queue: QueueOpt = False,
    wait: WaitOpt = True,
    ocr: OcrOpt = None,
) -> None:
    """Validate and index bundles; rejected records go to the report, never nowhere."""
    settings = get_settings()
    started, total = time.monotonic(), LoadReport()
    options = _load_options(settings, ocr, queue)
    if queue:
        with _client() as es:
            reports_index(es, settings.index_prefix)
            job_ids = _enqueue(
                lambda redis: [enqueue_load(settings, redis, str(b.resolve())) for b in bundles]
            )
            if not wait:
                return
            for done, _ in _queued(es, job_ids, "loading"):
                total.merge(done)
            for bundle in bundles:
                _review_changes(es, settings.index_prefix, bundle.resolve())
        _finish(total, report, started, tolerate_rejections)
        return
    with _client() as es, _progress("loading") as tick, _bundle_errors():
        for bundle in bundles:
            total.merge(load_bundle(es, settings.index_prefix, bundle, tick, options))
        for bundle in bundles:
            _review_changes(es, settings.index_prefix, bundle)
    watches_due(settings)
    _finish(total, report, started, tolerate_rejections)


_CHANGE_LINES = 20  # per kind of change; the admin page and the stored review have all


def _row_text(row: dict[str, Any]) -> str:
    page = f" page {row['page']}" if row["page"] is not None else ""
    return (
        f"{row['file']} {row['local_id']} {row['field']}{page} at {row['offset']}: "
        f"{row['form']!r} ({row['rule']}; {row['protected_field']})"
    )


def _review_changes(es: Elasticsearch, prefix: str, bundle: Path) -> None:
    """What the load changed in the bundle's redaction review, from the review it kept."""
    review = stored_review(es, prefix, registry_id(bundle))
    if review is None:
        return
    counts = f"{review['withheld']} spans withheld, {review['near_misses']} near misses"
    changes = review["changes"]
    if changes is None:
        typer.echo(f"redactions in {bundle}: {counts} (first review of this bundle)")
        return
    changed = changes["counts"]
    typer.echo(
        f"redactions in {bundle}: {counts}; since the load of {review['previous_loaded_at']}: "
        + ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in changed.items())
    )
    for kind in changes["counts"]:
        for item in changes[kind][:_CHANGE_LINES]:
            if kind == "near_misses_withheld":
                miss, span = item["near_miss"], item["withheld"]
                typer.echo(f"  near miss now withheld: {miss['form']!r} -> {_row_text(span)}")
            else:
                typer.echo(f"  {kind.replace('_', ' ')}: {_row_text(item)}")


@cli.command("rebuild")
def rebuild_command(
    bundles: Annotated[
        list[Path] | None,
        typer.Argument(help="Bundle folders; default: every bundle loaded so far."),
    ] = None,
    report: ReportOpt = Path("reports/rejections.ndjson"),
    tolerate_rejections: TolerateOpt = False,
    queue: QueueOpt = False,
    wait: WaitOpt = True,
    ocr: OcrOpt = None,
) -> None:
    """Build fresh versioned indices from the sources, then swap the aliases atomically."""
    settings = get_settings()
    started = time.monotonic()
    options = _load_options(settings, ocr, queue)
    if queue:
        paths = [str(bundle.resolve()) for bundle in bundles or []]
        with _client() as es:
            reports_index(es, settings.index_prefix)
            job_ids = _enqueue(lambda redis: [enqueue_rebuild(settings, redis, paths)])
            if not wait:
                return
            [(done_report, extra)] = _queued(es, job_ids, "rebuilding")
            for root in extra["bundles"]:
                _review_changes(es, settings.index_prefix, Path(root))
        _swapped(extra["deleted"], extra["kept"])
        _finish(done_report, report, started, tolerate_rejections)
        return
    with _client() as es, _progress("rebuilding") as tick:
        roots = bundles or [
            Path(str(b["path"])) for b in registered_bundles(es, settings.index_prefix)
        ]
        missing = [str(root) for root in roots if not root.is_dir()]
        if missing:
            err.print(f"error: bundle folders are gone: {', '.join(missing)}")
            raise typer.Exit(2)
        if not roots:
            err.print("error: no bundles loaded yet; name the bundles to rebuild from")
            raise typer.Exit(2)
        with _bundle_errors():
            done = rebuild(es, settings.index_prefix, roots, tick, options)
        for root in roots:
            _review_changes(es, settings.index_prefix, root)
    _swapped(done.deleted, done.kept)
    watches_due(settings)
    _finish(done.report, report, started, tolerate_rejections)


def _swapped(deleted: list[str], kept: list[str]) -> None:
    typer.echo(f"aliases swapped; removed old indices: {', '.join(deleted) or 'none'}")
    if kept:
        typer.echo(
            f"kept while searches still read them: {', '.join(kept)} "
            "(the next load or rebuild removes them)"
        )


@cli.command("redactions")
def redactions_command(
    bundles: BundlesArg,
    report: Annotated[
        Path,
        typer.Option(
            help="Every withheld span and near miss: NDJSON (CSV if it ends in .csv; "
            "`-`: standard output). Names protected people: keep it with the bundle."
        ),
    ] = Path("reports/redactions.ndjson"),
) -> None:
    """Review what a bundle withholds from public text, and its near misses; no
    Elasticsearch needed."""
    workers = get_settings().indexer_workers
    total = LoadReport()
    with _progress("reviewing") as tick, _bundle_errors():
        for bundle in bundles:
            total.merge(validate_bundle(bundle, tick, workers))
    to_stdout = str(report) == "-"
    write_rows(total, None if to_stdout else report)

    def echo(line: str) -> None:
        typer.echo(line, err=to_stdout)  # the rows own standard output then

    rules = by_rule(review_rows(total))
    withheld = sum(count for _, count in rules)
    echo(
        f"records: read {total.read}, reviewed {total.indexed}, rejected {total.rejected} "
        "(rejected records are not reviewed; `validate` lists them)"
    )
    echo(f"spans withheld: {withheld}")
    for rule, count in rules:
        echo(f"  {rule}: {count}")
    echo(f"near misses: {len(total.review) - withheld} (for a person to confirm)")
    if not to_stdout:
        echo(f"rows: {report}")


@cli.command("status")
def status_command() -> None:
    """Indices behind each alias, their document counts, and the loaded bundles."""
    settings = get_settings()
    prefix = settings.index_prefix
    with _client() as es:
        for alias in [*(type_alias(prefix, t) for t in RECORD_TYPES), all_alias(prefix)]:
            if not es.indices.exists_alias(name=alias):
                typer.echo(f"{alias}: (no index yet)")
                continue
            indices = sorted(es.indices.get_alias(name=alias).body)
            count = es.count(index=alias)["count"]
            typer.echo(f"{alias}: {count:,} records in {', '.join(indices)}")
        retired = retired_generations(es, prefix)
        if retired:
            typer.echo(f"old indices kept until no search reads them: {', '.join(retired)}")
        for bundle in registered_bundles(es, prefix):
            typer.echo(
                f"bundle {bundle['collection']}: {bundle['path']} loaded {bundle['loaded_at']} "
                f"(read {bundle['read']}, indexed {bundle['indexed']}, "
                f"unchanged {bundle['unchanged']}, rejected {bundle['rejected']})"
            )


@cli.command("snapshot")
def snapshot_command(
    name: Annotated[str | None, typer.Option(help="Default: PREFIX-YYYYMMDD-HHMMSS.")] = None,
) -> None:
    """Back up every index of this installation to the snapshot repository."""
    settings = get_settings()
    with _client() as es, _backup_errors():
        done = snapshot(es, settings.index_prefix, settings.snapshot_location, name)
    typer.echo(f"snapshot {done} written to repository {REPOSITORY}")


@cli.command("snapshots")
def snapshots_command() -> None:
    """List the snapshots in the repository."""
    settings = get_settings()
    with _client() as es, _backup_errors():
        for found in list_snapshots(es, settings.snapshot_location):
            typer.echo(
                f"{found['name']}\t{found['state']}\t{found['started']}\t{found['indices']} indices"
            )


@cli.command("restore")
def restore_command(
    name: Annotated[str, typer.Argument(help="Snapshot name, from `snapshots`.")],
    replace: Annotated[
        bool, typer.Option(help="Delete this installation's indices first (not the audit log).")
    ] = False,
) -> None:
    """Restore a snapshot's indices and aliases; the live audit log is kept."""
    settings = get_settings()
    with _client() as es, _backup_errors():
        restored = restore(
            es, settings.index_prefix, settings.snapshot_location, name, replace=replace
        )
    typer.echo(f"restored {len(restored.indices)} indices from {name}")
    if restored.kept_live_audit:
        typer.echo("the live audit log was kept; the snapshot's copy was not restored over it")


@contextmanager
def _backup_errors() -> Iterator[None]:
    try:
        yield
    except BackupError as error:
        err.print(f"error: {error}")
        raise typer.Exit(2) from error
    except elasticsearch.ApiError as error:
        err.print(f"error: Elasticsearch refused: {error.message} {error.info}")
        raise typer.Exit(2) from error


@cli.command("demo-data")
def demo_data_command(
    out: Annotated[Path, typer.Argument(file_okay=False, help="Folder for the bundles.")],
    scale: Annotated[str, typer.Option(help=f"One of: {', '.join(SCALES)}.")] = "small",
    seed: Annotated[int, typer.Option(help="Same seed, same bytes.")] = 7,
) -> None:
    """Write the SYNTHETIC demo bundles (Caesar, Atlas, testimonies, filings)."""
    if scale not in SCALES:
        err.print(f"error: unknown scale {scale!r}; expected one of {', '.join(SCALES)}")
        raise typer.Exit(2)
    started = time.monotonic()
    try:
        counts = generate(out, scale=scale, seed=seed)
    except FileExistsError as error:
        err.print(f"error: {out} is not empty; choose a new folder so the output stays exact")
        raise typer.Exit(2) from error
    typer.echo(
        f"wrote {counts.total:,} SYNTHETIC records to {out} in {time.monotonic() - started:.1f}s"
    )


@cli.command("verify-package")
def verify_package_command(
    package: Annotated[Path, typer.Argument(dir_okay=False, help="The package's zip.")],
    key: Annotated[
        Path | None,
        typer.Option(help="The archive's public key (PEM) or its /api/keys JSON."),
    ] = None,
) -> None:
    """Check a court package: signature, every file's hash and size, nothing missing or
    added, each original against its custody. Exits 1 on any mismatch, 2 if unreadable."""
    try:
        report = verify_package(package, key)
    except (Unreadable, OSError, ValueError, KeyError) as error:
        err.print(f"error: cannot verify: {error}")
        raise typer.Exit(2) from error
    typer.echo(report.text())
    if not report.ok:
        raise typer.Exit(1)
