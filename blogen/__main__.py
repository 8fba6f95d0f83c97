"""``python -m blogen`` runs the same command line as the ``blogen`` script."""

from blogen.cli import main

raise SystemExit(main())
