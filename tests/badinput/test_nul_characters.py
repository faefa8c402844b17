"""A NUL character in a query parameter or a form field: PostgreSQL stores none and psycopg
refuses to send one, so a view that filters or saves it would answer 500. Every request that
holds one is refused with 400 and says why, before any view sees it."""

from django.urls import reverse

from tests.base import BaseTestCase

MESSAGE = "The request contains a NUL character"
EN = {"Accept-Language": "en"}


class NulCharacterTestCase(BaseTestCase):
    def test_it_refuses_a_nul_in_a_query_parameter(self):
        self.login(self.agent)
        response = self.client.get(reverse("queue"), {"q": "a\x00b"}, headers=EN)
        self.assertContains(response, MESSAGE, status_code=400)

    def test_it_refuses_a_nul_in_a_form_field(self):
        self.login(self.lead)
        response = self.client.post(
            reverse("board_assign"), {"shop": "alpha\x00", "agent": self.agent.pk}, headers=EN
        )
        self.assertContains(response, MESSAGE, status_code=400)

    def test_it_refuses_a_nul_in_a_parameters_name(self):
        self.login(self.manager)
        response = self.client.get(reverse("reports_reviews") + "?product%00=x", headers=EN)
        self.assertContains(response, MESSAGE, status_code=400)

    def test_it_lets_other_requests_through(self):
        self.login(self.agent)
        self.assertEqual(self.client.get(reverse("queue"), {"q": "破了"}).status_code, 200)
