"""Prefect flows: orchestration only; the rules live in `campaign`, the I/O in `tasks`."""
