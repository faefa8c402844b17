"""The RPC signature as Aliyun documents it, and the client's answers to the provider's
documented refusals."""

from django.test import SimpleTestCase

from calls.aliyun_pls import Client, PlsError, rpc_signature
from outreach.sms.aliyun import percent_encode

from .fake_aliyun_pls import BUSINESS_LIMIT, NO_AVAILABLE_NUMBER, THROTTLED, FakePls


class SignatureTestCase(SimpleTestCase):
    def test_it_encodes_as_aliyun_does(self):
        self.assertEqual(percent_encode("a b*c~d/é"), "a%20b%2Ac~d%2F%C3%A9")

    def test_it_signs_the_documented_example(self):
        # The worked example of Aliyun's RPC signature page (DescribeRegions, testid/testsecret).
        params = {
            "AccessKeyId": "testid",
            "Action": "DescribeRegions",
            "Format": "XML",
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
            "SignatureVersion": "1.0",
            "Timestamp": "2016-02-23T12:46:24Z",
            "Version": "2014-05-26",
        }
        self.assertEqual(rpc_signature(params, "testsecret", "GET"), "OLeaidS1JvxuMvnyHOwuJ+uX5qY=")


class ClientTestCase(SimpleTestCase):
    def bind(self, client: Client):
        return client.bind_axb(
            pool_key="FC100000123",
            phone_a="13700007777",
            phone_b="13812345678",
            expiration="2099-01-01 12:00:00",
            out_id="42",
        )

    def test_it_binds_and_unbinds(self):
        with FakePls() as fake:
            client = Client(access_key_id=fake.key_id, access_key_secret=fake.secret)
            binding = self.bind(client)
            self.assertEqual(binding.secret_no, "17100001111")
            self.assertIn(binding.subs_id, fake.bindings)
            self.assertEqual(fake.bindings[binding.subs_id]["OutId"], "42")
            client.unbind(pool_key="FC100000123", subs_id=binding.subs_id, secret_no="17100001111")
            self.assertEqual(fake.bindings, {})

    def test_a_wrong_secret_is_a_signature_mismatch(self):
        with FakePls() as fake:
            client = Client(access_key_id=fake.key_id, access_key_secret="not-the-secret")
            with self.assertRaises(PlsError) as caught:
                self.bind(client)
            self.assertEqual(caught.exception.code, "SignatureDoesNotMatch")
            self.assertIn("AccessKey", caught.exception.agent_message)
            self.assertEqual(fake.bindings, {})

    def test_documented_refusals_become_messages_for_the_agent(self):
        answers = [NO_AVAILABLE_NUMBER, BUSINESS_LIMIT, THROTTLED]
        with FakePls(answers=answers) as fake:
            client = Client(access_key_id=fake.key_id, access_key_secret=fake.secret)
            seen = []
            for _answer in answers:
                with self.assertRaises(PlsError) as caught:
                    self.bind(client)
                seen.append((caught.exception.code, caught.exception.agent_message))
        codes = [code for code, _message in seen]
        self.assertEqual(
            codes, ["isv.NO_AVAILABLE_NUMBER", "isv.BUSINESS_LIMIT_CONTROL", "Throttling.User"]
        )
        # Three different explanations, none of them the generic one.
        self.assertEqual(len({message for _code, message in seen}), 3)
        self.assertFalse(any(code in message for code, message in seen))

    def test_click_to_dial_returns_the_call_id(self):
        with FakePls() as fake:
            client = Client(access_key_id=fake.key_id, access_key_secret=fake.secret)
            call_id = client.click_to_dial(
                show_number="17100001111", caller="13700007777", called="13812345678", out_id="7"
            )
            self.assertTrue(call_id)
            self.assertEqual(fake.received[0]["CalledNumber"], "13812345678")
