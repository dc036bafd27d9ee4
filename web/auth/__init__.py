"""Sign-in, accounts and invitations. The blueprint is created in routes.py; the
package joins the modules that add pages to it (they import routes, never the reverse)."""
from . import routes, invitation  # noqa: F401  (invitation: the page of an account invitation)
