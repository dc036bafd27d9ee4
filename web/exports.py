"""CSV downloads on the web: the engine's one writer (``setupflow.csvfile``), in the form
the person chose on the export button (``?form=people``, the default, or ``?form=machine``)."""
from __future__ import annotations

from flask import Response, g, request, stream_with_context

from setupflow.csvfile import MIMETYPE, PEOPLE, form_named, stream_csv, write_csv

from .inputs import content_disposition


def csv_response(header, rows, filename: str) -> Response:
    form = form_named(request.args.get("form"), PEOPLE)
    stem = filename.removesuffix(".csv")
    name = f"{stem}.csv" if form is PEOPLE else f"{stem}-{form.name}.csv"
    return Response(write_csv(header, rows, form), mimetype=MIMETYPE,
                    headers={"Content-Disposition": content_disposition(name)})


def csv_stream_response(header, rows, filename: str) -> Response:
    """``csv_response`` for many rows: ``rows`` (an iterator) is written and sent in chunks
    while the request's context (and its database session) stays open."""
    form = form_named(request.args.get("form"), PEOPLE)
    stem = filename.removesuffix(".csv")
    name = f"{stem}.csv" if form is PEOPLE else f"{stem}-{form.name}.csv"
    return Response(stream_with_context(_closing(stream_csv(header, rows, form), g.get("db_session"))),
                    mimetype=MIMETYPE, headers={"Content-Disposition": content_disposition(name)})


def _closing(chunks, session):
    """``chunks``, then the request's session closed again: the rows are read after the
    request's teardown closed it (Flask 3.1 pushes the context again to stream, without a
    second teardown), so reading them opened a new transaction, and its connection would
    stay out of the pool until the garbage collector found it (a server's pool of 15 ran
    dry after a few downloads)."""
    try:
        yield from chunks
    finally:
        if session is not None:
            session.close()
