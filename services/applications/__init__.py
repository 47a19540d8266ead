"""The applications service: guided applications, drafts and the case lifecycle."""
