"""Credentials at rest: stored encrypted, read back in plain text, still readable after a key
rotation done with CREDENTIALS_KEY_FALLBACKS, and a development key when none is set."""

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import SimpleTestCase, TestCase, override_settings

from outreach.models import LeadAlertSettings
from reviews import crypto
from reviews.models import Platform, Shop

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


def stored_secret() -> str:
    with connection.cursor() as cursor:
        cursor.execute("select robot_secret from outreach_leadalertsettings")
        return cursor.fetchone()[0]


class EncryptedFieldTestCase(TestCase):
    def setUp(self):
        self.shop = Shop.objects.create(name="店", slug="s", platform=Platform.TAOBAO)

    def save_secret(self, value: str) -> None:
        LeadAlertSettings.objects.update_or_create(
            shop=self.shop, defaults={"robot": "dingtalk", "robot_secret": value}
        )

    def test_it_stores_ciphertext_and_reads_plain_text(self):
        self.save_secret("SECabc")
        self.assertTrue(stored_secret().startswith("fernet:"))
        self.assertNotIn("SECabc", stored_secret())
        self.assertEqual(LeadAlertSettings.objects.get().robot_secret, "SECabc")

    def test_blank_stays_blank_so_is_it_set_needs_no_key(self):
        self.save_secret("")
        self.assertEqual(stored_secret(), "")
        self.assertEqual(LeadAlertSettings.objects.get().robot_secret, "")

    def test_values_written_under_the_old_key_open_during_a_rotation(self):
        with override_settings(CREDENTIALS_KEY=OLD_KEY):
            self.save_secret("SECold")
        with override_settings(CREDENTIALS_KEY=NEW_KEY, CREDENTIALS_KEY_FALLBACKS=[OLD_KEY]):
            self.assertEqual(LeadAlertSettings.objects.get().robot_secret, "SECold")
        with (
            override_settings(CREDENTIALS_KEY=NEW_KEY),
            self.assertLogs("reviews.crypto", "ERROR"),
        ):
            # Without the old key the value reads as not set (the lead pastes it again).
            self.assertEqual(LeadAlertSettings.objects.get().robot_secret, "")


class DevelopmentKeyTestCase(SimpleTestCase):
    @override_settings(
        DEBUG=True, CREDENTIALS_KEY="", SECRET_KEY="dev-only-x", CREDENTIALS_KEY_FALLBACKS=[]
    )
    def test_without_a_key_it_derives_one_from_secret_key_and_warns(self):
        with self.assertLogs("reviews.crypto", "WARNING") as logs:
            token = crypto.encrypt("x")
        self.assertIn("CREDENTIALS_KEY is not set", logs.output[0])
        plain = Fernet(crypto.derived_key("dev-only-x").encode()).decrypt(
            token.removeprefix("fernet:").encode()
        )
        self.assertEqual(plain, b"x")

    @override_settings(DEBUG=False, CREDENTIALS_KEY="", CREDENTIALS_KEY_FALLBACKS=[])
    def test_in_production_without_a_key_nothing_is_encrypted_or_read(self):
        # Never a key derived from SECRET_KEY in production: refused before any use.
        with self.assertRaisesMessage(ImproperlyConfigured, "CREDENTIALS_KEY"):
            crypto.encrypt("x")
        errors = [m.id for m in crypto.check_credentials_key()]
        self.assertEqual(errors, ["reviews.E102"])

    @override_settings(DEBUG=True, CREDENTIALS_KEY="", CREDENTIALS_KEY_FALLBACKS=[])
    def test_with_debug_a_missing_key_is_no_error(self):
        self.assertEqual(crypto.check_credentials_key(), [])
