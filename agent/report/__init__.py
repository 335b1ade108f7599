"""The owner's daily and weekly report: what the assistant did, by e-mail.

:mod:`.figures` counts a period from rufbereit's own records, :mod:`.chart` draws the
calls per hour, :mod:`.render` writes the HTML and the plain-text part, :mod:`.mail`
sends it through the configured SMTP server, :mod:`.job` sends it every day (and week)
with APScheduler, :mod:`.cli` is ``rufbereit report``.
"""
