"""Views by audience: consultations.py (public pages), manage.py (consultation managers), respond.py (residents)."""
