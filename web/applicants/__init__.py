"""Candidates' faces: the public page of an open call, the applicant's own candidacies
(draft, files, submission, status), the restricted view of a site's call for a sponsor or a
candidate organisation, and the committee members' reviewer view."""
from flask import request

from setupflow.calls.files import MAX_BYTES

from .reviews import bp as reviews_bp
from .routes import UPLOAD_ENDPOINTS, bp


def register(app) -> None:
    """The blueprints (the candidacies and the reviewers' view), and the upload limit of the
    candidacy files (before the CSRF check, which reads the body)."""
    app.register_blueprint(bp)
    app.register_blueprint(reviews_bp)

    def _upload_limit():
        if request.endpoint in UPLOAD_ENDPOINTS:
            request.max_content_length = MAX_BYTES + 256 * 1024

    app.before_request_funcs.setdefault(None, []).insert(0, _upload_limit)
