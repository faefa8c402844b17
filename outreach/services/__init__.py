"""The writes of outreach, a module per job:

- planning: what the playbook plans for a review, and when (the hand-off's planner);
- care_calls: the care call of a high-value order on its delivery day (the order import's
  planner);
- actions: what agents and team leads do on a review (contacts, agreement, messages, closing,
  do-not-contact, corrections, re-assigning one follow-up);
- compensation: a lead's decision on compensation that waited, and what it releases;
- assignment: who works which review;
- arrival: assignment on arrival (a new review to an on-duty agent with room);
- dispatch: the scheduler that makes planned items fall due exactly once;
- delivery: the outbox of messages to buyers;
- by_hand: a person confirms a message no provider could send was sent by hand, or failed;
- public_reply: the public reply from draft to posted;
- lead_alerts: telling a shop's leads by e-mail and chat robot (missed follow-ups…).
- sms_status: an SMS's receipt, its status query, a person's decision on an unknown outcome,
  and the buyer's SMS answers;
- revision: the buyer changed the review (an agent saw it, or an import): what stops at once.

Every write is a keyword-only `<entity>_<verb>` function that records its events on the
review's timeline (reviews.timeline); they are all importable from here.
"""

from .actions import (
    buyer_set_do_not_contact,
    classification_correct,
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
from .by_hand import message_confirm_sent_by_hand, message_fail_by_hand
from .care_calls import carecall_log, order_plan_care_call
from .compensation import compensation_decide
from .delivery import message_create, message_deliver, message_sweep
from .dispatch import (
    outreach_tick,
    plannedcontact_dispatch_due,
    plannedcontact_escalate_missed,
    plannedcontact_fire,
    plannedcontact_reap,
)
from .first_plan import review_plan, reviews_plan
from .lead_alerts import leadalert_deliver, leadalert_sweep, leadalert_test, shop_leads_alert
from .planning import review_replan_for_severity
from .public_reply import (
    ReplyRefused,
    reply_decide,
    reply_mark_posted,
    reply_publish_claim,
    reply_publish_failed,
    reply_publish_posted,
    reply_save,
)
from .revision import review_mark_revised, reviews_stop_revised

__all__ = [
    "NotAnAgentOfShop",
    "ReplyRefused",
    "agent_reassign_all",
    "buyer_set_do_not_contact",
    "carecall_log",
    "message_confirm_sent_by_hand",
    "message_fail_by_hand",
    "classification_correct",
    "compensation_decide",
    "contact_log",
    "leadalert_deliver",
    "leadalert_sweep",
    "leadalert_test",
    "message_create",
    "message_deliver",
    "message_now_or_later",
    "message_send",
    "message_sweep",
    "order_plan_care_call",
    "outreach_tick",
    "plannedcontact_dispatch_due",
    "plannedcontact_escalate_missed",
    "plannedcontact_fire",
    "plannedcontact_reap",
    "plannedcontact_reassign",
    "plannedcontacts_assign_when_due",
    "reply_decide",
    "reply_mark_posted",
    "reply_publish_claim",
    "reply_publish_failed",
    "reply_publish_posted",
    "reply_save",
    "review_assign",
    "review_close",
    "review_mark_revised",
    "review_plan",
    "reviews_plan",
    "review_record_agreement",
    "review_reopen",
    "review_replan_for_severity",
    "reviews_assign_on_arrival",
    "reviews_auto_assign",
    "reviews_bulk_assign",
    "shop_leads_alert",
    "reviews_stop_revised",
]
