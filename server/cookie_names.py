"""The cookies' names: set by the HTTP side, read again by the socket's admission."""

SESSION_COOKIE = "kring_session"
PARTICIPANT_COOKIE = "kring_participant"
