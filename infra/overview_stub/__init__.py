"""A stand-in for KOMBIT's Sags- og Dokumentindeks and Ydelsesindeks, for `make run` and tests.

    python -m infra.overview_stub --port 8300

It validates every payload strictly, keeps what it accepted in memory, shows what the citizen
would see on borger.dk, and can be told to fail, time out or slow down (see app.py).
"""
