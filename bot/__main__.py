"""Allow ``python -m bot`` as an alias of the ``footbot`` command."""

from bot.cli import main

raise SystemExit(main())
