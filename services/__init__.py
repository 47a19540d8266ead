"""The platform's services; each owns its database and speaks to the others through events."""
