from datetime import UTC, datetime, timedelta

from django.test import SimpleTestCase

from outreach.platforms import (
    PLATFORM_RULES,
    reply_deadline,
    revision_deadline,
    rules_for,
)
from outreach.replies import check_reply

REVIEWED = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


class PlatformRulesTestCase(SimpleTestCase):
    def test_it_lets_taobao_buyers_revise(self):
        self.assertTrue(rules_for("taobao").can_revise)

    def test_it_knows_tmall_and_jd_reviews_cannot_be_revised(self):
        self.assertFalse(rules_for("tmall").can_revise)
        self.assertFalse(rules_for("jd").can_revise)

    def test_it_limits_taobao_and_tmall_replies_to_500_characters(self):
        for platform in ("taobao", "tmall"):
            self.assertEqual(rules_for(platform).reply_max_chars, 500)
            codes = [p.code for p in check_reply("好" * 501, platform=platform)]
            self.assertEqual(codes, ["too_long"])
            self.assertEqual(check_reply("好" * 500, platform=platform), [])

    def test_it_closes_the_taobao_reply_after_30_days(self):
        deadline = reply_deadline("taobao", reviewed_at=REVIEWED)
        self.assertEqual(deadline, REVIEWED + timedelta(days=30))

    def test_it_closes_the_taobao_reply_at_the_buyers_followup_review(self):
        followup = REVIEWED + timedelta(days=3)
        self.assertEqual(
            reply_deadline("taobao", reviewed_at=REVIEWED, followup_at=followup), followup
        )

    def test_it_has_no_reply_window_on_jd(self):
        self.assertIsNone(reply_deadline("jd", reviewed_at=REVIEWED))

    def test_it_closes_the_kuaishou_reply_after_30_days_but_not_at_a_followup(self):
        rules = rules_for("kuaishou")
        self.assertFalse(rules.can_revise)
        self.assertIsNot(rules, rules_for("other"))
        later = REVIEWED + timedelta(days=2)
        for followup in (None, later):
            self.assertEqual(
                reply_deadline("kuaishou", reviewed_at=REVIEWED, followup_at=followup),
                REVIEWED + timedelta(days=30),
            )

    def test_it_requires_a_person_to_post_ebay_replies(self):
        self.assertTrue(rules_for("ebay").reply_needs_person)
        self.assertFalse(rules_for("taobao").reply_needs_person)

    def test_it_falls_back_to_other_for_unknown_platforms(self):
        self.assertEqual(rules_for("pinduoduo"), rules_for("other"))

    def test_it_allows_one_ebay_revision_request_within_30_days(self):
        rules = rules_for("ebay")
        self.assertEqual((rules.revision_window_days, rules.revision_requests_max), (30, 1))
        self.assertEqual(
            revision_deadline("ebay", reviewed_at=REVIEWED), REVIEWED + timedelta(days=30)
        )

    def test_it_sets_no_revision_limits_elsewhere(self):
        for platform in PLATFORM_RULES:
            if platform in ("ebay", "taobao"):
                continue
            rules = rules_for(platform)
            self.assertIsNone(rules.revision_window_days, platform)
            self.assertIsNone(rules.revision_requests_max, platform)
            self.assertIsNone(revision_deadline(platform, reviewed_at=REVIEWED), platform)
