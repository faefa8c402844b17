"""What the 「发布到平台」 tests share: a shop with its people, an approved reply, the click."""

from django.utils import timezone
from django.utils.translation import gettext

from outreach.models import Reply, ReplyState
from reviews.models import EventKind, Review, Role, Shop

from ..base import BaseTestCase

HTMX = {"HX-Request": "true"}
TEXT = "亲，非常抱歉给您带来了不好的体验，我们已经为您处理，欢迎随时联系客服主管。"


class PublishWorld(BaseTestCase):
    """Helpers over BaseTestCase: a platform shop with an agent, a lead and a manager."""

    def people(self, shop: Shop) -> None:
        self.shop_agent = self.make_user(f"{shop.slug}-agent", shop, Role.AGENT)
        self.shop_lead = self.make_user(f"{shop.slug}-lead", shop, Role.LEAD)
        self.shop_manager = self.make_user(f"{shop.slug}-manager", shop, Role.MANAGER)

    def approved(self, review: Review, text: str = TEXT) -> Reply:
        now = timezone.now()
        return Reply.objects.create(
            review=review,
            shop=review.shop,
            text=text,
            state=ReplyState.APPROVED,
            drafted_by=self.shop_agent,
            submitted_at=now,
            decided_by=self.shop_lead,
            decided_at=now,
        )

    def publish(self, reply: Reply, user=None):
        from django.urls import reverse

        self.client.force_login(user or self.shop_lead)
        return self.client.post(reverse("reply_publish", args=[reply.pk]), headers=HTMX)

    def page(self, review: Review, user=None):
        from django.urls import reverse

        self.client.force_login(user or self.shop_lead)
        return self.client.get(reverse("review_detail", args=[review.pk]))

    def reply_events(self, review: Review) -> list[str]:
        return [
            e.data.get("state")
            for e in review.events.filter(kind=EventKind.REPLY).order_by("created_at", "id")
        ]


def said(msgid: str, **values) -> str:
    """A message as the page shows it (in the page's language), for assertContains."""
    from django.utils.html import escape

    return escape(gettext(msgid) % values)
