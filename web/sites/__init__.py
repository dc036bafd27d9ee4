"""The site page and its management. The blueprint is created in routes.py; the package
joins the modules that add pages to it (they import routes, never the reverse)."""
from . import routes, manage, emails, replan  # noqa: F401  (manage: site creation and lead accounts; emails: the site's e-mails before they leave; replan: moving the target opening)
