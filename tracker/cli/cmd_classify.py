"""Commands for relevance: classify, evaluate."""
from __future__ import annotations


import click

from tracker.cli import _existing_db, cli, db_option
from tracker.store import db as tracker_db
from tracker.classify import commitment_scan, linking, passages, tagging


@cli.command()
@db_option
@click.option("--all", "everything", is_flag=True, help="Re-classify every item, not only new or changed ones.")
@click.option("--jsonl", "jsonl", type=click.File("r"), default=None,
              help="Classify JSON lines from FILE (- for stdin) and print results; touches no database. "
                   "A bad line prints {line, error} and the command exits with status 1.")
def classify(db_path, everything, jsonl):
    """Link items to the directorate's priorities (with evidence), or classify JSON lines.

    Then suggests reform links, and for each pending ask in the register the passages of newer documents
    in its reform thread that read most like it (for an editor to accept or dismiss).

    Example: seoc-tracker classify --jsonl items.jsonl
    """
    import json as json_mod

    from tracker.classify.rules import classify_jsonl
    if jsonl is not None:
        lines = bad = 0
        for result in classify_jsonl(jsonl):
            lines += 1
            bad += "error" in result
            click.echo(json_mod.dumps(result, ensure_ascii=False))
        if bad:
            raise click.ClickException(f"{bad} of {lines} lines were bad (see their error lines)")
        return
    database = tracker_db.connect(_existing_db(db_path))
    result = tagging.classify_stored(database, everything=everything,
                                     progress=lambda n: click.echo(f"classified {n} items", err=True))
    links = linking.suggest_links(database, everything=everything)
    asks = passages.suggest(database)
    found = commitment_scan.scan(database)
    click.echo(f"classified {result.classified} items: {result.relevant} relevant, {result.tags_written} tags; "
               f"{links.suggested} reform links suggested; {asks.added} passages suggested for pending asks; "
               f"{found.new_candidates} new candidate commitments")


@cli.command()
@click.argument("labelled", nargs=-1, type=click.File("r"))
@click.option("--part", type=click.Choice(["all", "tune", "heldout"]), default="all", show_default=True,
              help="Evaluate on the files' rows together, or on one part of the project's deterministic split.")
@click.option("--reviewed", is_flag=True,
              help="Also evaluate against reviewers' decisions in the database (confirmed and rejected tags).")
@db_option
@click.option("--export-reviewed", "export", type=click.File("w"), default=None,
              help="With --reviewed: write the reviewed items as labelled JSON lines to FILE (- for stdout), "
                   "to add to a labelled set before re-fitting the phrase rules.")
@click.option("--phrases", is_flag=True,
              help="List the rules behind predicted themes, most often wrong first: where to re-fit.")
@click.option("--commitments", "commitment_file", type=click.File("r"), default=None,
              help="Also evaluate the commitment finder on labelled sentences (JSON lines: id, text, commitment, "
                   "split), each split apart; with --reviewed, also what editors kept and dismissed.")
def evaluate(labelled, part, reviewed, db_path, export, phrases, commitment_file):
    """Print precision, recall and F1 for relevance and themes, beside a keyword baseline.

    Labelled files are read together (ids must be unique across them) and shown to the classifier as
    title, summary, organisation and kind only. --reviewed reads the reviews in the database instead
    of, or as well as, files.

    Example: seoc-tracker evaluate seoc_dev.jsonl seoc_extra.jsonl --part heldout
    Example: seoc-tracker evaluate --commitments commitments.jsonl --reviewed
    """
    from tracker.classify import commitment_eval
    from tracker.classify import evaluate as evaluate_mod
    if not labelled and not reviewed and commitment_file is None:
        raise click.UsageError("give one or more labelled files, --commitments FILE, or --reviewed")
    if export is not None and not reviewed:
        raise click.UsageError("--export-reviewed needs --reviewed")
    out = []
    if labelled:
        rows = evaluate_mod.read_labelled_files(labelled)
        if part != "all":
            tune, heldout = evaluate_mod.split_dev(rows)
            rows = tune if part == "tune" else heldout
        out.append(f"Labelled files ({part}): {', '.join(f.name for f in labelled)}")
        out.append(evaluate_mod.format_report(evaluate_mod.evaluate(rows)))
        if phrases:
            out += ["", evaluate_mod.format_phrase_report(evaluate_mod.phrase_report(rows))]
    if reviewed:
        database = tracker_db.connect(_existing_db(db_path))
        got = evaluate_mod.reviewed_rows(database)
        if out:
            out.append("")
        out.append(f"Reviewed in the database: {len(got.rows)} items ({got.partly_reviewed} partly reviewed items "
                   f"left out); stored tags confirmed {got.confirmed}, rejected {got.rejected}. Items are read as "
                   f"tagging reads them, with their body.")
        if got.rows:
            out.append(evaluate_mod.format_report(evaluate_mod.evaluate(got.rows, evaluate_mod.stored_predict)))
            if phrases:
                counts = evaluate_mod.phrase_report(got.rows, evaluate_mod.STORED_FIELDS)
                out += ["", evaluate_mod.format_phrase_report(counts)]
        if export is not None:
            for row in got.rows:
                export.write(evaluate_mod.labelled_line(row) + "\n")
        if commitment_file is not None:
            out.append(commitment_eval.format_decided(commitment_eval.decided(database.conn)))
    if commitment_file is not None:
        sentences = commitment_eval.read_labelled(commitment_file)
        out.insert(0, "\n".join([f"Commitment finder on {commitment_file.name}:"] + [
            commitment_eval.format_figures(name, figures)
            for name, figures in commitment_eval.by_split(sentences).items()]) + ("\n" if len(out) else ""))
    click.echo("\n".join(out))
