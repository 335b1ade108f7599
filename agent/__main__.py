"""`python -m agent` is the same as the `rufbereit` command."""

from agent.cli import main

raise SystemExit(main())
