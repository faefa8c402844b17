"""A test-only SMS client with the constructor and answers of outreach.sms.base, standing for
a provider whose replies are pulled (as Tencent Cloud's PullSmsReplyStatus is): it proves a
provider plugs in by the import string in OUTREACH_SMS["PROVIDERS"] alone."""

from outreach.sms.base import BadCallback, SendResult

CREDENTIAL_FIELDS = ("secret_id", "secret_key", "sdk_app_id", "region")
SENT: list[dict] = []  # what it was asked to send
INBOX: list = []  # the InboundReply objects its next pull answers


class PullingClient:
    def __init__(self, credentials, *, endpoint=None, timeout=5.0) -> None:
        self.credentials = credentials

    def send(self, *, phone, sign_name, template_code, params, out_id) -> SendResult:
        SENT.append({"phone": phone, "template": template_code, "params": params, "out": out_id})
        return SendResult(provider_id=f"serial-{out_id}")

    def query_status(self, *, phone, out_id, provider_id, sent_on) -> list:
        return []

    def parse_receipts(self, body, headers) -> list:
        raise BadCallback("this provider's receipts are pulled")

    def parse_replies(self, body, headers) -> list:
        raise BadCallback("this provider's replies are pulled")

    def fetch_replies(self, since) -> list:
        replies, INBOX[:] = list(INBOX), []
        return replies


CLIENT = PullingClient
