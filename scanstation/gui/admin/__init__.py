"""The administrator's screens: operators and roles, settings, the audit trail."""
