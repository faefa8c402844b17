"""The writes of outreach, a module per job:

- planning: what the playbook plans for a review, and when (the hand-off's planner);
- actions: what agents and team leads do on a review (contacts, agreement, messages, closing,
  do-not-contact, compensation, corrections, re-assigning one follow-up);
- assignment: who works which review;
- arrival: assignment on arrival (a new review to an on-duty agent with room);
- dispatch: the scheduler that makes planned items fall due exactly once;
- delivery: the outbox of messages to buyers;
- public_reply: the public reply from draft to posted.

Every write is a keyword-only `<entity>_<verb>` function that records its events on the
review's timeline (reviews.timeline); they are all importable from here.
"""

from .actions import (
    buyer_set_do_not_contact,
    classification_correct,
    compensation_decide,
    contact_log,
    message_now_or_later,
    message_send,
    plannedcontact_reassign,
    review_close,
    review_record_agreement,
    review_reopen,
)
from .arrival import plannedcontacts_assign_when_due, reviews_assign_on_arrival
from .assignment import (
    NotAnAgentOfShop,
    agent_reassign_all,
    review_assign,
    reviews_auto_assign,
    reviews_bulk_assign,
)
from .delivery import message_create, message_deliver, message_sweep
from .dispatch import (
    outreach_tick,
    plannedcontact_dispatch_due,
    plannedcontact_escalate_missed,
    plannedcontact_fire,
    plannedcontact_reap,
)
from .planning import review_plan, review_replan_for_severity
from .public_reply import ReplyRefused, reply_decide, reply_mark_posted, reply_save

__all__ = [
    "NotAnAgentOfShop",
    "ReplyRefused",
    "agent_reassign_all",
    "buyer_set_do_not_contact",
    "classification_correct",
    "compensation_decide",
    "contact_log",
    "message_create",
    "message_deliver",
    "message_now_or_later",
    "message_send",
    "message_sweep",
    "outreach_tick",
    "plannedcontact_dispatch_due",
    "plannedcontact_escalate_missed",
    "plannedcontact_fire",
    "plannedcontact_reap",
    "plannedcontact_reassign",
    "plannedcontacts_assign_when_due",
    "reply_decide",
    "reply_mark_posted",
    "reply_save",
    "review_assign",
    "review_close",
    "review_plan",
    "review_record_agreement",
    "review_reopen",
    "review_replan_for_severity",
    "reviews_assign_on_arrival",
    "reviews_auto_assign",
    "reviews_bulk_assign",
]
