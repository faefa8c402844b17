"""The writes of outreach, a module per job:

- planning: what the playbook plans for a review, and when (the hand-off's planner);
- actions: what agents and team leads do on a review (contacts, agreement, messages, closing,
  do-not-contact, compensation, corrections, re-assigning one follow-up);
- assignment: who works which review;
- dispatch: the scheduler that makes planned items fall due exactly once;
- delivery: the outbox of messages to buyers;
- public_reply: the public reply from draft to posted;
- revision: the buyer changed the review (an agent saw it, or an import): what stops at once.

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
from .revision import review_mark_revised, reviews_stop_revised

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
    "reply_decide",
    "reply_mark_posted",
    "reply_save",
    "review_assign",
    "review_close",
    "review_mark_revised",
    "review_plan",
    "review_record_agreement",
    "review_reopen",
    "review_replan_for_severity",
    "reviews_auto_assign",
    "reviews_bulk_assign",
    "reviews_stop_revised",
]
