"""Prefect tasks grouped by concern: small, retryable, idempotent; they do the I/O the flows orchestrate."""
