"""The small shared runtime every service stands on: config, logging, db, bus, outbox, inbox."""
