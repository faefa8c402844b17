"""The review's timeline: each kind of event has its writer and its line on the review page, in
the reader's language; the stored data holds codes, never sentences."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from reviews import timeline
from reviews.classifier import Classification
from reviews.models import EventKind, ReviewEvent

from ..base import BaseTestCase

SH = ZoneInfo("Asia/Shanghai")
AT = datetime(2026, 12, 3, 20, 15, tzinfo=SH)


class TimelineTestCase(BaseTestCase):
    def setUp(self):
        self.review = self.make_review(self.shop, assigned_to=self.agent)
        for user, name in ((self.agent, "小王"), (self.lead, "李组长")):
            user.first_name = name
            user.save(update_fields=["first_name"])

    def write_one_of_each(self) -> None:
        r, agent = self.review, self.agent
        result = Classification("logistics", "courier_speed", "minor", 0.91, [], ["快递"], "m1")
        timeline.imported(r, batch=7, source="import")
        changes = {"text": ["差", "很差"], "rating": ["neutral", "negative"]}
        timeline.updated(r, batch=8, changes=changes, reclassified=True)
        timeline.classified(r, result=result)
        previous = {"cause": "logistics", "subcause": "courier_speed", "severity": "minor"}
        timeline.corrected(
            r, actor=agent, cause="product_service", subcause="quality", severity="serious",
            previous=previous,
        )  # fmt: skip
        timeline.status_changed(r, old="new", new="contacting", actor=agent)
        timeline.status_changed(r, old="agreed", new="revised", batch=9)
        timeline.assigned(r, actor=self.lead, old=None, new=agent, plans=2)
        for why in timeline.AUTO_ASSIGN_WHY:
            name = agent if why.startswith("on_shift") else None
            timeline.auto_assigned(
                r, why=why, to=name, room=12, due_at=datetime(2026, 12, 3, 20, 15, tzinfo=SH)
            )
        timeline.phone_revealed(r, actor=agent)
        timeline.buyer_erased(r, erased_on=date(2026, 11, 1))
        timeline.do_not_contact(r, actor=agent)
        timeline.revised(r, old="negative", new="neutral", actor=agent)
        timeline.revised(r, old="neutral", new="positive", actor=agent)
        timeline.closed(r, actor=agent, reason="other", note="重复评价")
        timeline.reopened(r, actor=self.lead)
        timeline.planned(r, plan_id=1, kind="first_call", due_at=AT)
        timeline.moved(r, plan_id=1, kind="first_call", due_at=AT, why=timeline.QUIET_HOURS)
        timeline.moved(
            r, plan_id=1, kind="first_call", due_at=AT, why=timeline.SEVERITY,
            severity=("minor", "serious"),
        )  # fmt: skip
        for reason in timeline.CANCEL_REASONS:
            timeline.cancelled(r, plan_id=1, kind="reminder_sms", reason=reason)
        timeline.due(r, plan_id=1, kind="revise_followup")
        timeline.missed(r, plan_id=1, kind="revise_followup", assigned_to=agent.pk)
        timeline.reassigned(r, plan_id=1, kind="revise_followup", to=self.lead, actor=self.lead)
        for code in timeline.NOT_PLANNED:
            timeline.not_planned(r, code=code)
        timeline.not_planned(r, code="compliance", reason="以奖励换取评价（违反平台规则）。")
        timeline.contact(
            r, actor=agent, attempt_id=1, channel="phone", outcome="solved",
            resolution="partial_refund",
        )  # fmt: skip
        for state in (timeline.QUEUED, timeline.SENT):
            timeline.message(r, message_id=1, kind="reminder_sms", channel="sms", state=state)
        timeline.message(
            r, message_id=1, kind="reminder_sms", channel="sms", state=timeline.HELD, until=AT
        )
        timeline.message(
            r, message_id=1, kind="reminder_sms", channel="sms", state=timeline.FAILED,
            error="HTTP 500",
        )  # fmt: skip
        for state in timeline.REPLY_STATES:
            timeline.reply(r, actor=self.lead, state=state, note="语气再缓和些")
        for decision in timeline.COMPENSATION:
            timeline.compensation(r, actor=self.lead, attempt_id=1, decision=decision)
        timeline.compensation(
            r, actor=agent, attempt_id=1, decision="pending", reason=timeline.WITH_REVISION
        )

    def test_every_kind_has_a_writer_that_this_test_calls(self):
        self.write_one_of_each()
        written = set(self.review.events.values_list("kind", flat=True))
        # A free note has no writer of its own: it is what lines older than the kinds became.
        self.assertEqual(written, set(EventKind.values) - {EventKind.NOTE})

    def test_the_stored_data_holds_codes_not_sentences(self):
        self.write_one_of_each()
        self.assertFalse(self.review.events.exclude(message="").exists())
        cancelled = self.review.events.filter(kind=EventKind.CANCELLED).first()
        self.assertEqual(
            cancelled.data,
            {"planned_contact": 1, "kind": "reminder_sms", "reason": "review_revised"},
        )

    @override_settings(LANGUAGE_CODE="zh-hans")
    def test_the_review_page_reads_every_line_in_chinese(self):
        self.write_one_of_each()
        self.login(self.agent)
        with translation.override("zh-hans"):
            page = self.client.get(reverse("review_detail", args=[self.review.pk]))
        lines = page.context["events"]
        self.assertEqual(len(lines), self.review.events.count())
        for event, text in lines:
            with self.subTest(kind=event.kind, data=event.data):
                self.assertTrue(text)
                # English words would mean a line the reader's language does not cover (the
                # codes a provider or a model gives, like "HTTP", stay as they are).
                english = set(re.findall(r"[A-Za-z]{3,}", text)) - {"HTTP"}
                self.assertEqual(english, set(), text)
        self.assertContains(page, "首次致电改到 12-03 20:15：严重程度 轻微 → 严重")
        self.assertContains(page, "提醒已取消：评价已修改")
        self.assertContains(page, "已导入（批次 #7）")
        self.assertContains(page, "重新分类：")
        self.assertContains(page, "约定时间回访已转给李组长")

    def test_an_old_free_note_still_reads_as_written(self):
        ReviewEvent.objects.create(
            review=self.review, kind=EventKind.NOTE, message="买家说周末再联系"
        )
        self.login(self.agent)
        page = self.client.get(reverse("review_detail", args=[self.review.pk]))
        self.assertContains(page, "买家说周末再联系")
