"""The public reply: composed with the real call times, checked, approved by a lead, posted."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.urls import reverse
from django.utils.translation import gettext

from outreach.models import ContactAttempt, Kind, PlannedContact, PlanState, Reply, ReplyState
from reviews.models import AuditLog, Status

from ..base import BaseTestCase

SH = ZoneInfo("Asia/Shanghai")
HTMX = {"HX-Request": "true"}


@time_machine.travel(datetime(2026, 11, 12, 9, 0, tzinfo=SH), tick=False)
class ReplyTestCase(BaseTestCase):
    def setUp(self):
        self.review = self.make_review(
            self.shop,
            assigned_to=self.agent,
            status=Status.UNREACHABLE,
            subcause="courier_speed",
            cause="logistics",
            reviewed_at=datetime(2026, 11, 9, 20, 0, tzinfo=SH),
        )
        for moment in (
            datetime(2026, 11, 10, 11, 15, tzinfo=SH),
            datetime(2026, 11, 10, 20, 25, tzinfo=SH),
        ):
            ContactAttempt.objects.create(
                review=self.review,
                buyer=self.review.buyer,
                agent=self.agent,
                channel="phone",
                outcome="no_answer",
                created_at=moment,
            )
        self.login(self.agent)

    def save(self, text, action="submit"):
        return self.client.post(
            reverse("review_reply", args=[self.review.pk]),
            {"text": text, "situation": "unreachable", "action": action},
            headers=HTMX,
        )

    def test_the_composer_cites_the_real_call_times(self):
        response = self.client.get(reverse("review_detail", args=[self.review.pk]))
        self.assertContains(response, "10号11:15、10号晚上20:25")
        self.assertContains(response, "物流速度")

    def test_it_refuses_a_situation_not_in_the_list(self):
        response = self.client.post(
            reverse("review_reply", args=[self.review.pk]),
            {"text": "亲，非常抱歉。", "situation": "x" * 21, "action": "submit"},
            headers=HTMX | {"Accept-Language": "en"},
        )
        self.assertContains(response, "Choose a situation from the list.", status_code=400)
        self.assertFalse(Reply.objects.filter(review=self.review).exists())

    def test_another_wording_changes_the_text(self):
        url = reverse("review_reply_suggest", args=[self.review.pk])
        first = self.client.get(url, {"situation": "unreachable", "variant": 0}, headers=HTMX)
        second = self.client.get(url, {"situation": "unreachable", "variant": 1}, headers=HTMX)
        self.assertTrue(first.content.decode().lstrip().startswith('<div id="reply-composer"'))
        self.assertNotEqual(first.content, second.content)
        self.assertContains(second, "10号晚上20:25")

    def test_a_harsh_reply_is_not_submitted(self):
        response = self.save("呵呵，明明是你自己不在家")
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "语气", status_code=400)
        self.assertFalse(Reply.objects.filter(state=ReplyState.PENDING).exists())

    def test_a_reply_leaking_the_phone_is_not_submitted(self):
        response = self.save("抱歉，请致电13812345678")
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "电话号码", status_code=400)

    def test_a_draft_keeps_whatever_was_typed(self):
        self.assertEqual(self.save("草稿，还没写完！！", action="draft").status_code, 200)
        self.assertEqual(Reply.objects.get().state, ReplyState.DRAFT)

    def test_drafted_approved_and_posted(self):
        PlannedContact.objects.create(
            shop=self.shop,
            review=self.review,
            buyer=self.review.buyer,
            kind=Kind.REPLY_TASK,
            channel="platform",
            due_at=datetime(2026, 11, 12, 9, 0, tzinfo=SH),
            state=PlanState.DUE,
            fired_at=datetime(2026, 11, 12, 9, 0, tzinfo=SH),
        )
        text = "亲，非常抱歉物流速度给您带来了困扰。我们分别在10号11:15、10号晚上20:25给您致电，可惜都没能联系上您。"
        self.assertEqual(self.save(text).status_code, 200)
        reply = Reply.objects.get()
        self.assertEqual(reply.state, ReplyState.PENDING)

        # An agent cannot approve, nor download before approval.
        self.assertEqual(
            self.client.post(
                reverse("reply_decide", args=[reply.pk]), {"decision": "approve"}
            ).status_code,
            403,
        )
        self.assertEqual(self.client.get(reverse("reply_export", args=[reply.pk])).status_code, 404)

        self.login(self.lead)
        response = self.client.post(
            reverse("reply_decide", args=[reply.pk]),
            {"decision": "approve", "text_digest": reply.text_digest},
            headers=HTMX,
        )
        self.assertEqual(response.status_code, 200)
        reply.refresh_from_db()
        self.assertEqual((reply.state, reply.decided_by), (ReplyState.APPROVED, self.lead))
        self.assertTrue(AuditLog.objects.filter(action="reply_approved", actor=self.lead).exists())

        export = self.client.get(reverse("reply_export", args=[reply.pk]))
        self.assertEqual(export.content.decode().strip(), text)

        self.login(self.agent)
        self.client.post(reverse("reply_posted", args=[reply.pk]), headers=HTMX)
        reply.refresh_from_db()
        self.review.refresh_from_db()
        self.assertEqual(reply.state, ReplyState.POSTED)
        self.assertEqual(self.review.status, Status.REPLIED)
        self.assertFalse(
            PlannedContact.objects.filter(
                review=self.review, kind=Kind.REPLY_TASK, state=PlanState.DUE
            ).exists()
        )

    def test_a_lead_sends_it_back_with_a_note(self):
        self.save("亲，非常抱歉给您带来了不好的体验。")
        reply = Reply.objects.get()
        self.login(self.lead)
        self.client.post(
            reverse("reply_decide", args=[reply.pk]),
            {"decision": "reject", "note": "请写明致电时间"},
            headers=HTMX,
        )
        reply.refresh_from_db()
        self.assertEqual(
            (reply.state, reply.rejection_note), (ReplyState.REJECTED, "请写明致电时间")
        )

    def test_after_the_platforms_deadline_nothing_is_submitted(self):
        with time_machine.travel(
            datetime(2026, 11, 9, 20, 0, tzinfo=SH) + timedelta(days=31), tick=False
        ):
            self.login(self.agent)  # a month later: a fresh session
            response = self.save("亲，非常抱歉给您带来了不好的体验。")
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "截止", status_code=400)


@time_machine.travel(datetime(2026, 11, 12, 9, 0, tzinfo=SH), tick=False)
class ApprovalOfTheTextSeenTestCase(BaseTestCase):
    """A lead approves the text they read; a re-submission in between is not approved."""

    @property
    def changed(self) -> str:
        """The refusal in the reader's language (Chinese once the catalogue is compiled)."""
        return gettext(
            "The reply text was changed after you opened it. Read the new text below and "
            "decide again; nothing was approved."
        )

    FIRST = "亲，非常抱歉给您带来了不好的体验。"
    SECOND = "亲，非常抱歉，我们已经为您补发了商品。"

    def setUp(self):
        self.review = self.make_review(
            self.shop,
            assigned_to=self.agent,
            status=Status.UNREACHABLE,
            reviewed_at=datetime(2026, 11, 9, 20, 0, tzinfo=SH),
        )
        self.submit(self.FIRST)

    def submit(self, text):
        self.login(self.agent)
        response = self.client.post(
            reverse("review_reply", args=[self.review.pk]),
            {"text": text, "situation": "unreachable", "action": "submit"},
            headers=HTMX,
        )
        self.assertEqual(response.status_code, 200)

    def digest_on(self, response) -> str:
        """The digest the approval form carries, as the lead's browser would send it back."""
        import re

        found = re.search(r'name="text_digest" value="([0-9a-f]+)"', response.content.decode())
        self.assertIsNotNone(found, "the approval form carries no text digest")
        return found[1]

    def approve(self, digest, **extra):
        self.login(self.lead)
        reply = Reply.objects.get()
        return self.client.post(
            reverse("reply_decide", args=[reply.pk]),
            {"decision": "approve", "text_digest": digest, **extra.pop("data", {})},
            **extra,
        )

    def test_it_approves_the_text_the_lead_read(self):
        self.login(self.lead)
        seen = self.digest_on(self.client.get(reverse("review_detail", args=[self.review.pk])))
        response = self.approve(seen, headers=HTMX)
        self.assertEqual(response.status_code, 200)
        reply = Reply.objects.get()
        self.assertEqual((reply.state, reply.text), (ReplyState.APPROVED, self.FIRST))

    def test_it_refuses_a_text_changed_since_the_review_page_was_read(self):
        self.login(self.lead)
        seen = self.digest_on(self.client.get(reverse("review_detail", args=[self.review.pk])))
        self.submit(self.SECOND)
        for headers in (HTMX, {}):
            with self.subTest(htmx=bool(headers)):
                response = self.approve(seen, headers=headers)
                self.assertContains(response, self.changed, status_code=409)
                self.assertContains(response, self.SECOND, status_code=409)
                self.assertEqual(Reply.objects.get().state, ReplyState.PENDING)
        # The answer carries the new text's digest: approving from it approves the new text.
        self.assertEqual(self.approve(self.digest_on(response)).status_code, 302)
        reply = Reply.objects.get()
        self.assertEqual((reply.state, reply.text), (ReplyState.APPROVED, self.SECOND))

    def test_it_refuses_a_text_changed_since_the_board_was_read(self):
        self.login(self.lead)
        seen = self.digest_on(self.client.get(reverse("board")))
        self.submit(self.SECOND)
        response = self.approve(seen, data={"next": "board"})
        self.assertContains(response, self.changed, status_code=409)
        self.assertContains(response, self.SECOND, status_code=409)
        self.assertEqual(Reply.objects.get().state, ReplyState.PENDING)

    def test_an_approval_without_a_digest_approves_nothing(self):
        response = self.approve("", headers=HTMX)
        self.assertEqual(response.status_code, 409)
        self.assertEqual(Reply.objects.get().state, ReplyState.PENDING)

    def test_sending_back_needs_no_digest(self):
        self.login(self.lead)
        reply = Reply.objects.get()
        response = self.client.post(
            reverse("reply_decide", args=[reply.pk]),
            {"decision": "reject", "note": "再改改"},
            headers=HTMX,
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(Reply.objects.get().state, ReplyState.REJECTED)


class ReplyExportFileNameTestCase(BaseTestCase):
    """The order id comes from an imported file; it reaches the download's header safely."""

    HOSTILE = [
        'A1"; filename="evil.exe',
        "A1\r\nSet-Cookie: sessionid=stolen",
        "订单/../../etc/passwd",
        "A1\\x\x0b\x1b\u2028",
    ]

    def test_it_names_the_file_without_letting_the_order_id_into_the_header(self):
        self.login(self.agent)
        for order_id in self.HOSTILE:
            review = self.make_review(self.shop, assigned_to=self.agent, order_id=order_id)
            reply = Reply.objects.create(
                shop=self.shop, review=review, text="您好", state=ReplyState.APPROVED
            )
            response = self.client.get(reverse("reply_export", args=[reply.pk]))
            self.assertEqual(response.status_code, 200, order_id)
            header = response["Content-Disposition"]
            self.assertNotIn("\n", header)
            self.assertNotIn("\r", header)
            self.assertEqual(header.count('"'), 2, header)  # one quoted fallback, nothing more
            self.assertEqual(header.count("filename="), 1, header)
            self.assertRegex(header, r"""^attachment; filename="[ -~]+"; filename\*=UTF-8''\S+$""")
            self.assertNotIn("/", header.split("filename*=")[1].replace("%2F", ""))
        plain = self.make_review(self.shop, assigned_to=self.agent, order_id="2024001")
        reply = Reply.objects.create(shop=self.shop, review=plain, text="您好", state="approved")
        header = self.client.get(reverse("reply_export", args=[reply.pk]))["Content-Disposition"]
        self.assertEqual(
            header, "attachment; filename=\"reply-2024001.txt\"; filename*=UTF-8''reply-2024001.txt"
        )
