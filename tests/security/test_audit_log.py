"""The audit log: every sensitive action leaves a line (who, what, when, from where), the
shop's managers read it on /audit/, and nobody changes or deletes a line."""

import ast
import json
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import time_machine
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from outreach.models import ContactAttempt, PlannedContact, Playbook, Reply
from reviews.audit import ACTIONS
from reviews.models import AppendOnlyError, AuditLog, ImportBatch, ImportRowError, Membership, Role
from reviews.services import audit_record

from ..base import BaseTestCase

IP = "203.0.113.9"


class AuditedActionsTestCase(BaseTestCase):
    """Each action over HTTP, as the person who may do it, from a known address."""

    def setUp(self):
        self.review = self.make_review(self.shop, assigned_to=self.agent)

    def post(self, user, name, data=None, **kwargs):
        self.client.force_login(user)
        url = reverse(name, kwargs=kwargs) if kwargs else reverse(name)
        return self.client.post(url, data or {}, REMOTE_ADDR=IP)

    def assertAudited(self, action, actor, target=None):
        line = AuditLog.objects.get(action=action)
        self.assertEqual((line.actor, line.shop, str(line.ip)), (actor, self.shop, IP), action)
        if target is not None:
            self.assertEqual(line.target, target)
        return line

    def test_it_records_a_phone_reveal(self):
        self.post(self.agent, "review_reveal_phone", pk=self.review.pk)
        line = self.assertAudited("phone_revealed", self.agent, f"buyer:{self.review.buyer_id}")
        self.assertNotIn("13812345678", str(line.data))

    def test_it_records_assignments_and_follow_up_reassignments(self):
        bob = self.make_user("bob", self.shop, Role.AGENT)
        self.post(
            self.lead,
            "board_assign",
            {"shop": "alpha", "agent": bob.pk, "review": [self.review.pk]},
        )
        self.assertAudited("review_assigned", self.lead, f"review:{self.review.pk}")
        missed = PlannedContact.objects.create(
            shop=self.shop,
            review=self.review,
            buyer=self.review.buyer,
            kind="revise_followup",
            channel="phone",
            due_at=timezone.now(),
            state="missed",
            assigned_to=self.agent,
            fired_at=timezone.now(),
            escalated_at=timezone.now(),
        )
        self.post(
            self.lead,
            "board_reassign_followup",
            {"shop": "alpha", "planned": missed.pk, "agent": bob.pk},
        )
        line = self.assertAudited("followup_reassigned", self.lead, f"review:{self.review.pk}")
        self.assertEqual(line.data["to"], bob.pk)

    def test_it_records_a_classification_correction(self):
        self.post(
            self.agent,
            "review_correct",
            {"subcause": "courier_speed", "severity": "minor"},
            pk=self.review.pk,
        )
        line = self.assertAudited(
            "classification_corrected", self.agent, f"review:{self.review.pk}"
        )
        self.assertEqual(line.data["subcause"], "courier_speed")

    def test_it_records_reply_and_compensation_approvals(self):
        reply = Reply.objects.create(
            shop=self.shop, review=self.review, text="抱歉", state="pending"
        )
        self.post(
            self.lead,
            "reply_decide",
            {"decision": "approve", "text_digest": reply.text_digest},
            pk=reply.pk,
        )
        self.assertAudited("reply_approved", self.lead, f"review:{self.review.pk}")
        attempt = ContactAttempt.objects.create(
            review=self.review,
            buyer=self.review.buyer,
            agent=self.agent,
            channel="phone",
            outcome="solved",
            resolution="full_refund",
            compensation_amount=Decimal("99.00"),
            approval="pending",
        )
        self.post(self.lead, "compensation_decide", {"decision": "approve"}, pk=attempt.pk)
        line = self.assertAudited("compensation_approved", self.lead, f"review:{self.review.pk}")
        self.assertEqual(line.data, {"attempt": attempt.pk, "amount": "99.00"})

    def test_it_records_do_not_contact(self):
        self.post(self.agent, "review_do_not_contact", pk=self.review.pk)
        self.assertAudited("buyer_do_not_contact", self.agent, f"buyer:{self.review.buyer_id}")

    def test_it_records_exports(self):
        self.client.force_login(self.manager)
        self.client.get(reverse("reports"), {"export": "csv", "table": "causes"}, REMOTE_ADDR=IP)
        self.assertAudited("report_exported", self.manager, "report:causes")
        batch = ImportBatch.objects.create(shop=self.shop, source="file", platform="taobao")
        ImportRowError.objects.create(
            batch=batch, row=2, column="rating", reason="bad", raw="差评,13812345678,北京"
        )
        response = self.client.get(reverse("import_batch_errors", args=[batch.pk]), REMOTE_ADDR=IP)
        body = b"".join(response.streaming_content).decode("utf-8-sig")
        self.assertIn("138****5678", body)
        self.assertNotIn("13812345678", body)
        self.assertAudited("import_errors_exported", self.manager, f"import:{batch.pk}")

    def test_it_records_webhook_secret_rotation(self):
        self.post(self.manager, "shop_webhook_rotate", slug="alpha")
        self.assertAudited("webhook_secret_rotated", self.manager, "alpha")

    def test_it_trusts_the_forwarded_address_only_from_a_trusted_proxy(self):
        with self.settings(TRUSTED_PROXIES=["10.0.0.2"]):
            self.client.force_login(self.agent)
            self.client.post(
                reverse("review_reveal_phone", args=[self.review.pk]),
                REMOTE_ADDR="10.0.0.2",
                HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7",
            )
        self.assertEqual(AuditLog.objects.get().ip, "198.51.100.7")

    def test_it_never_stores_a_phone_number(self):
        line = audit_record(
            actor=self.agent,
            action="phone_revealed",
            shop=self.shop,
            target="buyer 13812345678",
            note="called 13912345678",
            nested={"numbers": ["15000000000"]},
        )
        line.refresh_from_db()
        self.assertEqual(line.target, "buyer 138****5678")
        self.assertEqual(
            line.data, {"note": "called 139****5678", "nested": {"numbers": ["150****0000"]}}
        )


def admin_form_data(response) -> dict:
    """The admin change form's current values, as the browser would post them back."""
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, dict | list):
            data[name] = json.dumps(value)
        else:
            data[name] = "" if value is None else str(value)
    return data


class AdminSettingsAuditTestCase(BaseTestCase):
    """Shop settings edited in the Django admin land in the shop's audit log."""

    def setUp(self):
        self.admin = User.objects.create_superuser("root", password="x")
        self.client.force_login(self.admin)

    def test_it_records_a_shop_change_with_the_fields_changed(self):
        url = reverse("admin:reviews_shop_change", args=[self.shop.pk])
        form = {
            "name": self.shop.name,
            "slug": "alpha",
            "platform": "taobao",
            "timezone": "Asia/Shanghai",
            "high_value_threshold": "800",
            "revision_link_template": "",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        }
        response = self.client.post(url, form, REMOTE_ADDR=IP)
        self.assertEqual(
            response.status_code,
            302,
            getattr(response, "context", None) and response.context["errors"],
        )
        line = AuditLog.objects.get(action="settings_changed")
        self.assertEqual(
            (line.actor, line.shop, line.target, line.ip),
            (self.admin, self.shop, f"shop:{self.shop.pk}", IP),
        )
        self.assertIn("high", str(line.data["changes"]).lower())

    def test_it_records_playbook_edits_and_membership_changes(self):
        playbook = Playbook.objects.for_shop(self.shop)
        url = reverse("admin:outreach_playbook_change", args=[playbook.pk])
        form = admin_form_data(self.client.get(url))
        form["max_calls_per_day"] = "1"
        response = self.client.post(url, form, REMOTE_ADDR=IP)
        self.assertEqual(response.status_code, 302)
        line = AuditLog.objects.get(action="settings_changed")
        self.assertEqual(
            (line.actor, line.shop, line.target, line.ip),
            (self.admin, self.shop, f"playbook:{playbook.pk}", IP),
        )

        bob = User.objects.create_user("bob")
        self.client.post(
            reverse("admin:reviews_membership_add"),
            {
                "user": bob.pk,
                "shop": self.shop.pk,
                "role": "agent",
                "on_duty": "on",
                "capacity": 40,
            },
        )
        membership = Membership.objects.get(user=bob)
        self.assertEqual(AuditLog.objects.get(action="settings_added").shop, self.shop)
        self.client.post(
            reverse("admin:reviews_membership_delete", args=[membership.pk]), {"post": "yes"}
        )
        self.assertFalse(Membership.objects.filter(user=bob).exists())
        line = AuditLog.objects.get(action="settings_deleted")
        self.assertEqual((line.shop, line.target), (self.shop, f"membership:{membership.pk}"))

    def test_account_changes_reach_the_audit_log_of_the_persons_shops(self):
        # The agent is given superuser rights, then her password is reset, in the admin.
        url = reverse("admin:auth_user_change", args=[self.agent.pk])
        joined = timezone.localtime(self.agent.date_joined)
        form = {
            "username": "alice",
            "is_active": "on",
            "is_superuser": "on",
            "date_joined_0": f"{joined:%Y-%m-%d}",
            "date_joined_1": f"{joined:%H:%M:%S}",
        }
        response = self.client.post(url, form, REMOTE_ADDR=IP)
        self.assertEqual(response.status_code, 302, response.content[:3000])
        self.agent.refresh_from_db()
        self.assertTrue(self.agent.is_superuser)
        line = AuditLog.objects.get(action="user_changed")
        self.assertEqual(
            (line.actor, line.shop, line.target, line.ip),
            (self.admin, self.shop, f"user:{self.agent.pk}", IP),
        )
        self.assertIn("Superuser status", str(line.data["changes"]))

        response = self.client.post(
            reverse("admin:auth_user_password_change", args=[self.agent.pk]),
            {
                "password1": "a-new-Passw0rd!",
                "password2": "a-new-Passw0rd!",
                "usable_password": "true",
            },
            REMOTE_ADDR=IP,
        )
        self.assertEqual(response.status_code, 302)
        reset = AuditLog.objects.filter(action="user_changed").order_by("id").last()
        self.assertIn("password", str(reset.data["changes"]).lower())
        self.assertNotIn("a-new-Passw0rd!", json.dumps(reset.data))
        # The shop's manager reads both on the audit page.
        self.client.force_login(self.manager)
        page = self.client.get(reverse("audit_log"), {"shop": self.shop.slug})
        self.assertContains(page, f"user:{self.agent.pk}", count=2)

    def test_an_account_in_no_shop_is_audited_without_a_shop_and_deletion_before_it_happens(self):
        response = self.client.post(
            reverse("admin:auth_user_add"),
            {"username": "carol", "password1": "", "password2": "", "usable_password": "false"},
            REMOTE_ADDR=IP,
        )
        self.assertEqual(response.status_code, 302)
        carol = User.objects.get(username="carol")
        line = AuditLog.objects.get(action="user_added")
        self.assertEqual((line.shop, line.target), (None, f"user:{carol.pk}"))

        self.client.post(reverse("admin:auth_user_delete", args=[self.agent.pk]), {"post": "yes"})
        self.assertFalse(User.objects.filter(pk=self.agent.pk).exists())
        line = AuditLog.objects.get(action="user_deleted")
        self.assertEqual((line.shop, line.data["object"]), (self.shop, "alice"))

    def test_the_admin_refuses_a_template_the_planner_would_crash_on(self):
        """The lead's form and the admin share one check (Playbook.clean): a template with an
        unknown placeholder, or without the link the buyer needs, is never saved."""
        playbook = Playbook.objects.for_shop(self.shop)
        url = reverse("admin:outreach_playbook_change", args=[playbook.pk])
        for template, problem in (
            ("亲{foo}，记得修改哦 {link}", "{foo}"),
            ("亲，记得修改哦", "{link}"),
        ):
            with self.subTest(template):
                form = admin_form_data(self.client.get(url))
                form["templates"] = json.dumps({"reminder": template}, ensure_ascii=False)
                response = self.client.post(url, form, REMOTE_ADDR=IP)
                self.assertEqual(response.status_code, 200)  # the form again, with the error
                self.assertContains(response, problem)
                playbook.refresh_from_db()
                self.assertEqual(playbook.templates, {})
        self.assertFalse(AuditLog.objects.filter(action="settings_changed").exists())

    def test_the_admin_cannot_change_or_delete_audit_lines(self):
        line = audit_record(actor=self.manager, action="report_exported", shop=self.shop)
        for name in ("change", "delete"):
            url = reverse(f"admin:reviews_auditlog_{name}", args=[line.pk])
            self.client.post(url, {"action": "x", "post": "yes"})
        self.assertEqual(AuditLog.objects.get().action, "report_exported")
        self.assertNotContains(
            self.client.get(reverse("admin:reviews_auditlog_changelist")),
            'name="action" value="delete_selected"',
        )


class AppendOnlyTestCase(BaseTestCase):
    def setUp(self):
        self.line = audit_record(actor=self.manager, action="report_exported", shop=self.shop)

    def test_the_orm_refuses_to_change_or_delete_a_line(self):
        self.line.action = "nothing_happened"
        with self.assertRaises(AppendOnlyError):
            self.line.save()
        with self.assertRaises(AppendOnlyError):
            self.line.delete()
        with self.assertRaises(AppendOnlyError):
            AuditLog.objects.filter(pk=self.line.pk).update(action="nothing_happened")
        with self.assertRaises(AppendOnlyError):
            AuditLog.objects.all().delete()
        self.assertEqual(AuditLog.objects.get().action, "report_exported")

    def test_the_database_refuses_it_too_on_postgresql(self):
        if connection.vendor != "postgresql":
            self.skipTest("the trigger exists on PostgreSQL only")
        for sql in (
            "UPDATE reviews_auditlog SET action = 'nothing_happened'",
            # Blanking the actor is the cascade of a deleted user, and only that.
            "UPDATE reviews_auditlog SET actor_id = NULL, target = 'rewritten'",
            "DELETE FROM reviews_auditlog",
        ):
            with (
                self.subTest(sql=sql),
                self.assertRaises(IntegrityError),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(sql)
        self.assertEqual(AuditLog.objects.get().action, "report_exported")

    def test_a_deleted_user_leaves_the_line_in_place(self):
        self.manager.delete()
        line = AuditLog.objects.get()
        self.assertIsNone(line.actor)
        self.assertEqual((line.action, line.shop), ("report_exported", self.shop))


class AuditPageTestCase(BaseTestCase):
    def setUp(self):
        self.client.force_login(self.manager)

    def line(self, action="phone_revealed", actor=None, shop=None, **fields):
        return audit_record(
            actor=actor or self.agent, action=action, shop=shop or self.shop, ip=IP, **fields
        )

    def test_it_is_for_managers_only(self):
        for user in (self.agent, self.lead):
            self.client.force_login(user)
            self.assertEqual(self.client.get(reverse("audit_log")).status_code, 403)
        self.client.force_login(self.manager)
        page = self.client.get(reverse("audit_log")).content.decode()
        self.assertIn(f'href="{reverse("audit_log")}"', page)  # in the manager's navigation
        self.client.force_login(self.lead)
        self.assertNotIn(
            f'href="{reverse("audit_log")}"', self.client.get(reverse("board")).content.decode()
        )

    def test_it_shows_who_what_when_where_and_the_target_of_this_managers_shops_only(self):
        review = self.make_review(self.shop)
        self.line(target=f"review:{review.pk}")
        bravo_agent = User.objects.get(username="oscar")
        audit_record(
            actor=bravo_agent, action="phone_revealed", shop=self.other_shop, target="bravo-secret"
        )
        response = self.client.get(reverse("audit_log"))
        self.assertContains(response, "alice")
        self.assertContains(response, "查看手机号")
        self.assertContains(response, IP)
        self.assertContains(response, f'href="{reverse("review_detail", args=[review.pk])}"')
        self.assertNotContains(response, "bravo-secret")
        self.assertNotContains(response, "oscar")

    def test_it_filters_by_action_person_and_dates_in_the_url(self):
        self.line("phone_revealed", actor=self.agent, target="a")
        self.line("review_assigned", actor=self.lead, target="b")
        with time_machine.travel(timezone.now() - timedelta(days=10)):
            self.line("report_exported", actor=self.manager, target="c")
        self.assertEqual(self.targets(action="review_assigned"), ["b"])
        self.assertEqual(self.targets(user=self.agent.pk), ["a"])
        today = timezone.localdate(timezone=self.shop.tz)
        self.assertEqual(self.targets(**{"from": today.isoformat()}), ["b", "a"])
        self.assertEqual(self.targets(to=(today - timedelta(days=1)).isoformat()), ["c"])
        ten_days_ago = (today - timedelta(days=10)).isoformat()
        self.assertEqual(self.targets(**{"from": ten_days_ago, "to": ten_days_ago}), ["c"])
        self.assertEqual(self.targets(**{"from": (today + timedelta(days=1)).isoformat()}), [])

    def test_it_says_which_filter_it_could_not_use(self):
        self.line(target="a")
        response = self.client.get(
            reverse("audit_log"), {"action": "drop_table", "from": "yesterday", "user": "999"}
        )
        self.assertContains(response, "drop_table")
        self.assertContains(response, "yesterday")
        self.assertContains(response, "999")
        self.assertEqual([e.target for e in response.context["entries"]], ["a"])

    def test_it_pages_by_keyset_without_gaps_or_repeats(self):
        for n in range(57):
            self.line(target=f"t{n}")
        first = self.client.get(reverse("audit_log"), {"action": "phone_revealed"})
        seen = [e.target for e in first.context["entries"]]
        self.assertEqual(len(seen), 50)
        next_url = first.context["next_url"]
        self.assertIn("action=phone_revealed", next_url)
        second = self.client.get(reverse("audit_log") + next_url)
        seen += [e.target for e in second.context["entries"]]
        self.assertEqual(second.context["next_url"], "")
        self.assertEqual(sorted(seen), sorted(f"t{n}" for n in range(57)))
        self.assertEqual(seen[0], "t56")  # newest first

    def test_it_runs_a_fixed_number_of_queries(self):
        for n in range(20):
            self.line(target=f"t{n}", actor=[self.agent, self.lead][n % 2])
        with self.assertNumQueries(7):
            self.client.get(reverse("audit_log"))

    def targets(self, **params):
        response = self.client.get(reverse("audit_log"), params)
        self.assertEqual(response.status_code, 200)
        return [e.target for e in response.context["entries"]]


def _written_actions() -> tuple[set[str], set[str]]:
    """Every audit action the code writes: the literal `action=` of each audit_record call and
    the literal actions handed to the admin's audit helper (exact names), and the f-string
    actions as patterns (`f"reply_{state}"` → `reply_.+`)."""
    root = Path(__file__).resolve().parents[2]
    exact, patterns = set(), set()
    for path in root.glob("*/**/*.py"):
        parts = path.relative_to(root).parts
        if parts[0] in ("tests", ".venv", "var") or "migrations" in parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name == "audit_record":
                values = [k.value for k in node.keywords if k.arg == "action"]
            elif name == "_audit":
                values = node.args[2:3]
            else:
                continue
            for value in values:
                if isinstance(value, ast.Constant):
                    exact.add(value.value)
                elif isinstance(value, ast.JoinedStr):
                    patterns.add(
                        "".join(
                            re.escape(v.value) if isinstance(v, ast.Constant) else ".+"
                            for v in value.values
                        )
                    )
    return exact, patterns


class AuditActionsKnownTestCase(BaseTestCase):
    def test_the_audit_page_can_filter_every_action_the_code_writes(self):
        exact, patterns = _written_actions()
        self.assertGreaterEqual(len(exact), 12)  # the scan finds the writers
        self.assertIn("spike_acknowledged", exact)
        self.assertEqual(exact - set(ACTIONS), set())
        for pattern in patterns:
            self.assertTrue([a for a in ACTIONS if re.fullmatch(pattern, a)], pattern)
        self.client.force_login(self.manager)
        offered = {
            action for action, _label in self.client.get(reverse("audit_log")).context["actions"]
        }
        self.assertEqual(exact - offered, set())

    def test_it_filters_spike_acknowledgements(self):
        audit_record(actor=self.manager, action="spike_acknowledged", shop=self.shop, target="s")
        audit_record(actor=self.manager, action="report_exported", shop=self.shop, target="r")
        self.client.force_login(self.manager)
        response = self.client.get(reverse("audit_log"), {"action": "spike_acknowledged"})
        self.assertEqual(response.context["query"].problems, [])
        self.assertEqual([e.target for e in response.context["entries"]], ["s"])

    def test_an_action_the_page_does_not_know_is_never_written(self):
        with self.assertRaises(ValueError):
            audit_record(actor=self.manager, action="nothing_happened", shop=self.shop)
        self.assertFalse(AuditLog.objects.exists())
