"""Storage: the PostgreSQL pool, versioned migrations, and the call log with its disk spool.

Wiring in the app::

    db = Database(settings.database.url)          # opens lazily, never blocks; the DB may be down
    call_log = CallLog(db, settings.database.spool_dir)
    await call_log.start()                         # migrates if reachable; raises SchemaTooNew
    ...
    await call_log.close()
    await db.close()
"""

from .call_log import CallLog, CallLogStats
from .call_records import (
    CallAnswered,
    CallEnded,
    CallEvent,
    CallEventRow,
    CallOp,
    CallRow,
    CallStarted,
)
from .database import Database, DatabaseUnavailable, redact_url
from .migrations import (
    Migration,
    MigrationError,
    SchemaTooNew,
    load_migrations,
    migrate,
    pending_migrations,
)
from .spool import SpoolError

__all__ = [
    "CallAnswered",
    "CallEnded",
    "CallEvent",
    "CallEventRow",
    "CallLog",
    "CallLogStats",
    "CallOp",
    "CallRow",
    "CallStarted",
    "Database",
    "DatabaseUnavailable",
    "Migration",
    "MigrationError",
    "SchemaTooNew",
    "SpoolError",
    "load_migrations",
    "migrate",
    "pending_migrations",
    "redact_url",
]
