"""Notifications: Apprise channels from config, the outbox:// plugin, Jinja2 message templates."""
