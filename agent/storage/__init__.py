"""Storage: the PostgreSQL pool, versioned migrations, and the call log with its disk spool.

Wiring in the app::

    db = Database(settings.database.url)          # never blocks; the DB may be down
    await db.open()
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
    CallEventRecord,
    CallOp,
    CallRecord,
    CallStarted,
)
from .database import Database, DatabaseUnavailable, redact_url
from .migrations import Migration, MigrationError, SchemaTooNew, load_migrations, migrate
from .spool import SpoolError

__all__ = [
    "CallAnswered",
    "CallEnded",
    "CallEvent",
    "CallEventRecord",
    "CallLog",
    "CallLogStats",
    "CallOp",
    "CallRecord",
    "CallStarted",
    "Database",
    "DatabaseUnavailable",
    "Migration",
    "MigrationError",
    "SchemaTooNew",
    "SpoolError",
    "load_migrations",
    "migrate",
    "redact_url",
]
