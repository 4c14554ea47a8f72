"""Who may do what, checked where it runs: log-in, operators, the audit trail and settings changes, all audited."""
