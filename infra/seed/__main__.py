"""`python -m infra.seed`: seed a running platform (see infra/seed/__init__.py)."""

from infra.seed import main

raise SystemExit(main())
