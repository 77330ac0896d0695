"""Intake: identify, check, store and record files returned by enterprises (no Prefect here)."""
