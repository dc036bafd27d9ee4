"""Import every model module so that ``Base.metadata`` knows every table (Alembic,
tests and ``init`` rely on it). A new feature adds its import here."""
from .sites import models as sites_models  # noqa: F401
from .team import models as team_models  # noqa: F401
from .committees import models as committees_models  # noqa: F401
from .documents import models as documents_models  # noqa: F401
from .diagnostic import models as diagnostic_models  # noqa: F401
from .calls import models as calls_models  # noqa: F401
from .support import models as support_models  # noqa: F401
from .budget import models as budget_models  # noqa: F401
from .accounts import models as accounts_models  # noqa: F401
from .reminders import models as reminders_models  # noqa: F401
from .audit import models as audit_models  # noqa: F401
from .programmes import models as programmes_models  # noqa: F401
from .after_opening import models as after_opening_models  # noqa: F401
from .applicants import models as applicants_models  # noqa: F401
from .reviews import models as reviews_models  # noqa: F401
from .audit import listener as audit_listener  # noqa: F401
from . import portfolio_summary as portfolio_summary_models  # noqa: F401  (its table and its hooks)
from .db import Base

metadata = Base.metadata
