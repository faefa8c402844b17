"""What each URL reads, for the walks: its path parameters, the query parameters and form
fields the view reads, a realistic value of each, and which roles may use it.

Values are templates filled with a shop's ids ("{review}", "{slug}"…): with the attacker's
own ids they make a valid request; the walks then put the victim's ids in one place at a
time. tests/isolation/test_walk.py fails when a URL pattern has no entry here, and when a
view reads a parameter its entry does not list.
"""

from dataclasses import dataclass, field

ALL = frozenset({"agent", "lead", "manager"})


@dataclass(frozen=True)
class Spec:
    roles: frozenset[str]  # the roles of the object's shop allowed to use it
    methods: frozenset[str]  # the methods the view answers
    path: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    form: dict[str, object] = field(default_factory=dict)
    # Fields that name an object: the victim's id there must be refused (403/404, or 400).
    lookups: frozenset[str] = frozenset()


GET = frozenset({"get"})
POST = frozenset({"post"})
BOTH = frozenset({"get", "post"})
LEAD = frozenset({"lead"})
MANAGER = frozenset({"manager"})

REVIEW = {"pk": "{review}"}
CONTACT_FORM = {
    "channel": "phone",
    "outcome": "agreed",
    "resolution": "red_packet",
    "agreed_at": "明天晚上8点",
    # The minute the preview showed for that phrase (none here: the phrase is parsed).
    "agreed_shown": "",
    "agreed_shown_for": "明天晚上8点",
    "version": "{version}",
    "note": "买家同意修改",
    "refund_percent": "30",
    "compensation_amount": "20",
}
PLAYBOOK_FORM = {
    "shop": "{slug}",
    "assign_on_arrival": "on",
    "quiet_start": "21:30",
    "quiet_end": "09:00",
    "work_start": "09:00",
    "work_end": "21:30",
    "works_weekends": "on",
    "observes_public_holidays": "on",
    "max_calls_per_day": "2",
    "max_messages_per_day": "3",
    "cooling_off_hours": "24",
    "historical_days": "30",
    "invitation_only_days": "180",
    "revise_grace_minutes": "120",
    "missed_after_minutes": "15",
    "reply_lead_days": "5",
    "care_call_start": "18:00",
    "care_call_end": "19:00",
    "compensation_approval_above": "100",
    "promotion_link": "https://example.com/new",
    "template_revision_instructions": "",
    "template_reminder": "",
    "template_apology": "",
    "template_invitation": "",
    "template_persistence": "",
    "template_explanatory_followup": "",
}
REPORT_QUERY = {"shop": "{slug}", "preset": "30", "from": "2026-01-01", "to": "2026-01-31"}
REPORT_QUERY |= {"grain": "day"}
DRILL = {
    "product": "{product}",
    "courier": "{courier}",
    "subcause": "quality",
    "cause": "product",
    "severity": "serious",
    "status": "new",
    "named_agent": "{agent_alias}",
    "named_courier": "{courier}",
    "agent": "{agent}",
    "after": "{cursor}",
}

# "{upload}" is a fresh CSV export per request.
SPECS: dict[str, Spec] = {
    "home": Spec(ALL, BOTH),
    "audit_log": Spec(
        MANAGER,
        GET,
        query={
            "action": "phone_revealed",
            "user": "{manager}",
            "shop": "{slug}",
            "from": "2026-01-01",
            "to": "2030-01-01",
            "after": "{cursor}",
        },
    ),
    "imports": Spec(
        frozenset({"lead", "manager"}),
        BOTH,
        form={"shop": "{shop}", "platform": "", "file": "{upload}"},
        lookups=frozenset({"shop"}),
    ),
    "import_batch": Spec(frozenset({"lead", "manager"}), GET, path={"pk": "{batch}"}),
    "import_batch_errors": Spec(frozenset({"lead", "manager"}), GET, path={"pk": "{batch}"}),
    "order_import": Spec(
        frozenset({"lead", "manager"}),
        BOTH,
        form={"shop": "{shop}", "file": "{upload}"},
        lookups=frozenset({"shop"}),
    ),
    "order_detail": Spec(frozenset({"agent", "lead"}), GET, path={"pk": "{order}"}),
    "order_phone": Spec(frozenset({"agent", "lead"}), POST, path={"pk": "{order}"}),
    "order_care_call_log": Spec(
        frozenset({"agent", "lead"}),
        POST,
        path={"pk": "{order}"},
        form={"outcome": "all_well", "note": "买家说一切都好"},
    ),
    "shop_webhook": Spec(MANAGER, GET, path={"slug": "{slug}"}),
    "shop_webhook_rotate": Spec(MANAGER, POST, path={"slug": "{slug}"}),
    "queue": Spec(
        frozenset({"agent", "lead"}),
        BOTH,
        query={
            "lane": "mine",
            "shop": "{slug}",
            "cause": "product",
            "subcause": "quality",
            "severity": "serious",
            "status": "new",
            "group": "negative",
            "channel": "phone",
            "q": "{order_id}",
            "after": "{cursor}",
        },
    ),
    "due_count": Spec(ALL, GET),
    "attention": Spec(ALL, GET),
    "review_detail": Spec(ALL, BOTH, path=REVIEW),
    "outbox": Spec(frozenset({"agent", "lead"}), GET),
    "outbox_count": Spec(ALL, GET),
    "message_sent_by_hand": Spec(
        frozenset({"agent", "lead"}),
        POST,
        path={"pk": "{message}"},
        form={"channel": "phone", "next": "/outbox/"},
    ),
    "message_failed_by_hand": Spec(
        frozenset({"agent", "lead"}),
        POST,
        path={"pk": "{message}"},
        form={"reason": "买家旺旺已屏蔽", "next": "/outbox/"},
    ),
    "message_unknown_settle": Spec(
        frozenset({"agent", "lead"}),
        POST,
        path={"pk": "{message}"},
        form={"action": "resend", "confirm": "yes"},
    ),
    "review_reveal_phone": Spec(ALL, POST, path=REVIEW),
    "call_dial": Spec(frozenset({"agent", "lead"}), POST, path=REVIEW),
    "call_outcome": Spec(
        frozenset({"agent", "lead"}),
        POST,
        path={"pk": "{call_record}"},
        form={"outcome": "agreed", "agreed_at": "明天晚上8点", "note": "买家同意修改"},
    ),
    "review_correct": Spec(
        ALL, POST, path=REVIEW, form={"subcause": "courier_slow", "severity": "minor"}
    ),
    "review_contact": Spec(ALL, POST, path=REVIEW, form=CONTACT_FORM),
    "review_agreed_preview": Spec(ALL, GET, path=REVIEW, query={"agreed_at": "明天晚上8点"}),
    "review_message": Spec(ALL, POST, path=REVIEW, form={"channel": "im", "body": "您好，打扰了"}),
    "review_do_not_contact": Spec(ALL, POST, path=REVIEW),
    "review_close": Spec(
        ALL,
        POST,
        path=REVIEW,
        form={"reason": "other", "note": "买家已退货", "version": "{version}"},
    ),
    "review_reopen": Spec(LEAD, POST, path={"pk": "{closed_review}"}),
    "review_revised": Spec(
        frozenset({"agent", "lead"}),
        POST,
        path=REVIEW,
        form={"rating": "positive", "version": "{version}"},
    ),
    "review_reply": Spec(
        ALL,
        POST,
        path=REVIEW,
        form={
            "text": "亲，非常抱歉给您带来了不好的体验。",
            "situation": "solved",
            "action": "submit",
        },
    ),
    "review_reply_suggest": Spec(
        ALL, GET, path=REVIEW, query={"situation": "unreachable", "variant": "1"}
    ),
    "reply_decide": Spec(
        LEAD,
        POST,
        path={"pk": "{reply}"},
        form={"decision": "approve", "note": "好", "next": "board", "text_digest": "{digest}"},
    ),
    "reply_posted": Spec(ALL, POST, path={"pk": "{approved_reply}"}),
    "reply_export": Spec(ALL, GET, path={"pk": "{approved_reply}"}),
    "board": Spec(LEAD, BOTH, query={"shop": "{slug}", "page": "2"}, lookups=frozenset({"shop"})),
    "board_assign": Spec(
        LEAD,
        POST,
        form={"shop": "{slug}", "agent": "{agent}", "review": "{unassigned_review}"},
        lookups=frozenset({"shop", "agent"}),
    ),
    "board_auto_assign": Spec(
        LEAD, POST, form={"shop": "{slug}", "strategy": "round_robin"}, lookups=frozenset({"shop"})
    ),
    "board_reassign": Spec(
        LEAD,
        POST,
        form={"shop": "{slug}", "absent": "{agent}"},
        lookups=frozenset({"shop", "absent"}),
    ),
    "board_reassign_followup": Spec(
        LEAD,
        POST,
        form={"shop": "{slug}", "planned": "{planned}", "agent": "{lead}"},
        lookups=frozenset({"shop", "planned", "agent"}),
    ),
    "playbook": Spec(
        LEAD,
        BOTH,
        query={"shop": "{slug}"},
        form=PLAYBOOK_FORM,
        lookups=frozenset({"shop"}),
    ),
    "lead_alerts": Spec(
        LEAD,
        BOTH,
        query={"shop": "{slug}"},
        form={
            "shop": "{slug}",
            "email": "on",
            "robot": "dingtalk",
            "robot_webhook": "https://oapi.dingtalk.com/robot/send?access_token=t0k",
            "robot_secret": "SEC0123",
            "clear_robot": "",
        },
        lookups=frozenset({"shop"}),
    ),
    "lead_alerts_test": Spec(LEAD, POST, form={"shop": "{slug}"}, lookups=frozenset({"shop"})),
    "connector_page": Spec(LEAD, GET, path={"slug": "{slug}"}),
    "connector_test": Spec(LEAD, POST, path={"slug": "{slug}"}),
    # Secrets left blank: the shops have no connection, so the form refuses before any call
    # to a platform (the walk must not reach the internet).
    "connector_connect": Spec(
        LEAD,
        POST,
        path={"slug": "{slug}"},
        form={
            "app_key": "23456789",
            "app_secret": "",
            "session_key": "",
            "token_expires_at": "2027-01-31T10:00",
            "seller_nick": "",
        },
    ),
    # 「发布到平台」: the shop's agents and leads (as 「标记已发布」), not its managers.
    "reply_publish": Spec(frozenset({"agent", "lead"}), POST, path={"pk": "{approved_reply}"}),
    "classifier_models": Spec(LEAD, GET, query={"shop": "{slug}"}, lookups=frozenset({"shop"})),
    "classifier_activate": Spec(
        LEAD, POST, form={"shop": "{slug}", "version": ""}, lookups=frozenset({"shop"})
    ),
    "compensation_decide": Spec(LEAD, POST, path={"pk": "{attempt}"}, form={"decision": "approve"}),
    "reports": Spec(
        MANAGER,
        GET,
        query=REPORT_QUERY | {"export": "csv", "table": "good_rate"},
        lookups=frozenset({"shop"}),
    ),
    "reports_reviews": Spec(MANAGER, GET, query=REPORT_QUERY | DRILL, lookups=frozenset({"shop"})),
    "spike_acknowledge": Spec(MANAGER, POST, path={"pk": "{alert}"}, form={"back": "preset=30"}),
}

# URL names that need no scope check (public or framework pages).
PUBLIC = {
    "login",
    "logout",
    "healthz",
    "set_language",
    "api_openapi",
    # The webhook authenticates each call by the shop's HMAC signature, not by a session
    # (tests/reviews/test_webhook.py covers forged, stale and foreign-shop calls).
    "api_shop_reviews",
    # The SMS providers' callbacks authenticate by the account's secret token in the path, not
    # by a session (tests/outreach/test_sms_callbacks.py covers forged tokens and providers).
    "sms_receipts",
    "sms_replies",
    # Aliyun's call records authenticate by the shop's secret token in the path, not by a
    # session (tests/calls/test_call_records.py covers forged tokens and other shops' paths).
    "call_records",
    # Kuaishou's push authenticates by the shop's message key that encrypts it, not by a
    # session; it only queues an early pull (tests/connectors/test_kuaishou_push.py covers
    # unknown shops, forged bodies and another app's messages).
    "kuaishou_push",
}
