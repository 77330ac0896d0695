"""Domain package of the value-creation campaign orchestrator (pure rules, models, CLI)."""
