"""Reads, by topic: consultations.py, responses.py."""
