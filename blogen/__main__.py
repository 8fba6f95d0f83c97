"""``python -m blogen`` runs the same command line as the ``blogen`` script."""

from blogen.cli.commands import main

raise SystemExit(main())
