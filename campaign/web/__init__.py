"""The enterprise portal: sign-in by personal link, deliverables, templates, uploads, results.

`links` (tokens and the portal_link table) is imported by the notification sender too, so it stays
free of FastAPI; the application itself is built in `campaign.web.app`.
"""
