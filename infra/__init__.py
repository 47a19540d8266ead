"""Scripts and local stand-ins for the infrastructure the platform talks to."""
