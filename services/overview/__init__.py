"""Mit Overblik connector: case events become Sags- og Dokumentindeks and Ydelsesindeks records."""
