"""Candidates' faces: the public page of an open call, the applicant's own candidacies
(draft, files, submission, status), the restricted view of a site's call for a sponsor or a
candidate organisation, and the committee members' reviewer view."""
