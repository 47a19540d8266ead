"""Process insight: the platform's events as an object-centric event log, analyses, a report."""
