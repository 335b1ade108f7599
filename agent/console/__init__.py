"""The owner's and the office's web console: calls with their transcripts, the work to
do (leads, orders, appointments, messages, privacy requests), escalations, the on-call
rota, the profile's facts and opening hours, and the report.

Server-rendered pages (Starlette, Jinja2, htmx) behind a log-in: users with argon2
password hashes and roles, sessions kept in PostgreSQL, CSRF tokens, and a lock-out
after failed log-ins. ``rufbereit web`` serves it alone; ``rufbereit run`` serves it too
(``console.bind``, 127.0.0.1:8080 by default).
"""
