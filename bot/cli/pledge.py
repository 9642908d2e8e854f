"""`flask --app bot pledge …`: pledge documents and their versions (indicator 1.2)."""
from __future__ import annotations

import csv
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from bot.cli import options
from models import pledge as pledges

group = AppGroup("pledge", help="Pledge documents (indicator 1.2).")


@group.command("publish")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--title", help="The document's title; the file's first line when omitted. "
                              "An existing title gets a new version that everyone acknowledges again.")
def publish(file: Path, title: str | None) -> None:
    """Publish a pledge document (UTF-8 text) or a new version of one."""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise click.ClickException(f"{file} is not UTF-8 text; save it as UTF-8 and try again") from None
    body = text.strip()
    if not title:
        title, body = pledges.split_title(text)
    with options.session() as db:
        try:
            version = pledges.publish(db, title, body)
        except pledges.PledgeError as exc:
            raise click.ClickException(f"{file}: {exc}") from None
        click.echo(f"published '{version.title}' version {version.version}"
                   + ("; everyone is asked to acknowledge it again" if version.version > 1 else ""))


@group.command("list")
def list_() -> None:
    """Every document, its current version and how many have acknowledged it."""
    with options.session() as db:
        current = {v.document_id: v for v in pledges.current_versions(db)}
        for document in pledges.documents(db):
            version = current.get(document.id)
            if version is None:
                click.echo(f"[retired] {document.title}")
                continue
            done = pledges.progress(db, version)
            click.echo(f"{document.title} (version {version.version}): {done.done}/{done.total} "
                       f"({done.percent}%)")


@group.command("retire")
@click.argument("title")
def retire(title: str) -> None:
    """Stop asking for acknowledgment of a document (its history is kept)."""
    with options.session() as db:
        try:
            pledges.retire(db, title)
        except pledges.PledgeError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"retired '{title}'")


@group.command("pending")
def pending() -> None:
    """CSV of everyone who has not acknowledged the current version of each document."""
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["document", "version", "code", "name", "unit", "registered"])
    with options.session() as db:
        for version in pledges.current_versions(db):
            for p in pledges.pending(db, version):
                out.writerow([version.title, version.version, p.code, p.name, p.unit,
                              "yes" if p.line_user_id else "no"])
