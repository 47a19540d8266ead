"""The notifications service: the right message on the right channel, exactly once."""
