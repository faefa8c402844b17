"""Outreach: the playbook, planned contacts, messages and public replies (see issue 5)."""
