"""Outreach's screens, a module per screen: the agent's queue, the review page, the public
reply, the team lead's board and playbook."""
