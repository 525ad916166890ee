"""Meetings as people meet: facilitators, cases, split rooms, joining by phone, the audit log."""
