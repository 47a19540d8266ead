"""The consents service: consents and powers of attorney, with their history kept as evidence."""
