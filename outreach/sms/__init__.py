"""SMS providers: one protocol client per provider (Aliyun, Tencent Cloud), each speaking
the provider's documented HTTP API with its signature, and the shapes they all answer in
(outreach.sms.base), so the backend, the receipt endpoints and the reply handling never look
at a provider's own payloads."""
