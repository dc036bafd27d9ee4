"""Import every model module so that ``Base.metadata`` knows every table (Alembic,
tests and ``init`` rely on it). A new feature adds its import here."""
from .sites import models as sites_models  # noqa: F401
from .team import models as team_models  # noqa: F401
from .committees import models as committees_models  # noqa: F401
from .documents import models as documents_models  # noqa: F401
from .reminders import models as reminders_models  # noqa: F401
from .db import Base

metadata = Base.metadata
