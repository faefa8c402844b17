"""`manage.py erase_buyer <shop> (--nick NICK | --buyer-id ID) [--dry-run]`: erase one buyer's
personal data on request, keeping the anonymised statistics (outreach.erasure says what goes and what stays)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from outreach import erasure
from reviews import search
from reviews.erasure import erased_before
from reviews.models import Buyer, Shop


class Command(BaseCommand):
    help = "Erase a buyer's personal data (nick, phone, details in texts), keeping statistics."

    def add_arguments(self, parser) -> None:
        parser.add_argument("shop", help="the shop's slug")
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--nick", help="the buyer's nick, exactly as the platform shows it")
        who.add_argument("--buyer-id", type=int, help="the buyer's id (as in the admin)")
        parser.add_argument(
            "--reason", default="", help="the request's reference, for the audit log"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would be erased, change nothing"
        )

    def handle(self, *args, **options) -> None:
        try:
            shop = Shop.objects.get(slug=options["shop"])
        except Shop.DoesNotExist:
            raise CommandError(
                _("No shop with slug “%(slug)s”.") % {"slug": options["shop"]}
            ) from None
        buyer = self._buyer(shop, options["nick"], options["buyer_id"])
        if buyer is None:
            return
        result = erasure.buyer_erase(
            buyer=buyer, dry_run=options["dry_run"], reason=options["reason"]
        )
        if not result.changed:
            self.stdout.write(
                _("Buyer #%(id)s of %(shop)s holds no personal data any more: nothing to do.")
                % {"id": buyer.pk, "shop": shop.slug}
            )
            return
        lines = ", ".join(
            f"{erasure.LABELS.get(name, name)} {n}" for name, n in result.changed.items()
        )
        if options["dry_run"]:
            message = _("Dry run, nothing changed. Erasing buyer #%(id)s would change: %(lines)s.")
        else:
            message = _("Erased buyer #%(id)s (now “%(pseudonym)s”); changed: %(lines)s.")
        self.stdout.write(message % {"id": buyer.pk, "pseudonym": result.pseudonym, "lines": lines})

    def _buyer(self, shop: Shop, nick: str | None, buyer_id: int | None) -> Buyer | None:
        if buyer_id is not None:
            buyer = Buyer.objects.filter(pk=buyer_id).select_related("shop").first()
            if buyer is None:
                raise CommandError(_("No buyer #%(id)s.") % {"id": buyer_id})
            if buyer.shop_id != shop.pk:
                raise CommandError(
                    _("Buyer #%(id)s belongs to shop “%(other)s”, not “%(shop)s”: nothing erased.")
                    % {"id": buyer_id, "other": buyer.shop.slug, "shop": shop.slug}
                )
            return buyer
        if not nick or not nick.strip():
            raise CommandError(_("Give the buyer's nick (it cannot be empty)."))
        buyer = Buyer.objects.filter(shop=shop, nick=nick).first()
        if buyer is not None:
            return buyer
        earlier = erased_before(shop.pk, nick)
        if earlier is not None:
            self.stdout.write(
                _(
                    "That buyer of %(shop)s was already erased on %(when)s (%(target)s): nothing to do."
                )
                % {
                    "shop": shop.slug,
                    "when": f"{earlier.created_at:%Y-%m-%d %H:%M}",
                    "target": earlier.target,
                }
            )
            return None
        # Never guess: a nick that only nearly matches is refused, with what it resembles.
        similar = (
            list(
                Buyer.objects.filter(shop=shop, nick__iexact=nick.strip()).values_list("pk", "nick")
            )
            or list(
                Buyer.objects.filter(shop=shop)
                .filter(search.contains("nick", nick.strip()))  # from the nicks' indexes
                .values_list("pk", "nick")[:10]
            )
        )
        if similar:
            names = "; ".join(f"#{pk} “{found}”" for pk, found in similar)
            raise CommandError(
                _(
                    "No buyer of %(shop)s has exactly the nick “%(nick)s”. Similar: %(names)s. Run again with the exact nick or --buyer-id; nothing erased."
                )
                % {"shop": shop.slug, "nick": nick, "names": names}
            )
        raise CommandError(
            _("No buyer of %(shop)s has the nick “%(nick)s”: nothing erased.")
            % {"shop": shop.slug, "nick": nick}
        )
