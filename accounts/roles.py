"""The portal's roles. Each is a Django group created by a data migration; predicates live in permissions.py."""

STAFF = "Staff"
PMO = "PMO"
CONSULTATION_MANAGER = "Consultation manager"

ALL_ROLES = (STAFF, PMO, CONSULTATION_MANAGER)
