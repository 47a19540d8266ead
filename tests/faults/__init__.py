"""Fault tests on the real stack (Kafka, PostgreSQL) with private servers."""
