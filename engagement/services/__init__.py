"""Writes, by topic: consultations.py (authoring, publishing), responses.py (responding), emails.py (outbox)."""
