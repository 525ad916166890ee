"""The cookies' names: set by the HTTP side, read again by the socket's admission."""

SESSION_COOKIE = "kring_session"
PARTICIPANT_COOKIE = "kring_participant"
# The language chosen in this browser session (html_shell sets it, leaving and logging out clear it).
LANGUAGE_COOKIE = "kring_lang"
# A network member's link to their plan between meetings (server.meetings.http.planlinks).
PLAN_COOKIE = "kring_plan"
