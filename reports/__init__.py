"""The manager's reports: daily roll-ups kept current in the background, the figures read from
them, the page with its exports and drill-down, and spike alerts.

Depends on `reviews` and `outreach`; neither of them imports anything from here.
"""
