"""The team lead's board (assign, auto-assign, move an absent agent's work, answer a missed
slot, decide compensation) and the shop's playbook page."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from reviews.access import shops_for
from reviews.models import Membership, Review, Role, Shop
from reviews.models.load import open_figures
from reviews.params import whole
from reviews.services import audit_record

from .. import services, workcalendar
from ..board import board_outreach_context, workload
from ..forms import PlaybookForm
from ..guardrails import GuardrailError
from ..models import Channel, ContactAttempt, LocalDay, PlannedContact, Playbook

UNASSIGNED_PAGE_SIZE = 50
# Deeper than this, the lead filters the queue's Unassigned lane instead (its pages are keyset).
MAX_UNASSIGNED_PAGE = 200
UNASSIGNED_FIELDS = ("id", "severity", "subcause", "text", "reviewed_at", "buyer__nick")


def _board_shop(request: HttpRequest) -> Shop:
    shops = shops_for(request, Role.LEAD)
    slug = request.POST.get("shop") or request.GET.get("shop")
    if slug:
        return get_object_or_404(shops, slug=slug)
    return shops.first()


@login_required
def board(request: HttpRequest) -> HttpResponse:
    shop = _board_shop(request)
    shops = Shop.objects.for_user(request.user, Role.LEAD)
    # The tiles from the counters the review triggers keep (reviews.models.OpenLoad).
    tiles = open_figures([shop.pk])
    # The unassigned list, serious first then oldest, a page at a time (its own index).
    page = min(whole(request.GET.get("page", "")) or 1, MAX_UNASSIGNED_PAGE)
    start = (page - 1) * UNASSIGNED_PAGE_SIZE
    unassigned = list(
        Review.objects.filter(shop=shop)
        .open()
        .filter(assigned_to=None)
        .select_related("buyer")
        # What a row shows (outreach.board_rows), not the review's JSON and raw payloads.
        .only(*UNASSIGNED_FIELDS)
        .order_by("-severity", "reviewed_at", "id")[start : start + UNASSIGNED_PAGE_SIZE + 1]
    )
    return render(
        request,
        "outreach/board.html",
        {
            "shop": shop,
            "shops": shops,
            "tiles": tiles,
            "unassigned": unassigned[:UNASSIGNED_PAGE_SIZE],
            "unassigned_page": page,
            "unassigned_more": len(unassigned) > UNASSIGNED_PAGE_SIZE
            and page < MAX_UNASSIGNED_PAGE,
            "workload": workload(Shop.objects.filter(pk=shop.pk)),
            **board_outreach_context(shop),
            "agents": Membership.objects.on_duty_agents(shop),
            "all_agents": Membership.objects.filter(shop=shop, role=Role.AGENT).select_related(
                "user"
            ),
        },
    )


def _shop_agent(shop: Shop, user_id: str) -> User:
    return get_object_or_404(
        User,
        pk=whole(str(user_id)) or 0,
        memberships__shop=shop,
        memberships__role__in=[Role.AGENT, Role.LEAD],
    )


@login_required
@require_POST
def board_assign(request: HttpRequest) -> HttpResponse:
    shop = _board_shop(request)
    agent = _shop_agent(shop, request.POST.get("agent", ""))
    ids = [n for n in (whole(i) for i in request.POST.getlist("review")) if n is not None]
    reviews = Review.objects.filter(shop=shop, pk__in=ids)
    n = services.reviews_bulk_assign(reviews=reviews, assignee=agent, by=request.user)
    if n:
        messages.success(
            request,
            _("%(n)d reviews assigned to %(agent)s.")
            % {"n": n, "agent": agent.get_full_name() or agent.username},
        )
    else:
        messages.warning(request, _("Tick the reviews to assign first."))
    return redirect(f"{reverse('board')}?shop={shop.slug}")


@login_required
@require_POST
def board_auto_assign(request: HttpRequest) -> HttpResponse:
    shop = _board_shop(request)
    strategy = request.POST.get("strategy", "least_loaded")
    if strategy not in ("least_loaded", "round_robin"):
        return HttpResponseBadRequest(_("Unknown strategy."))
    n = services.reviews_auto_assign(shop=shop, by=request.user, strategy=strategy)
    messages.success(request, _("%(n)d reviews assigned automatically.") % {"n": n})
    return redirect(f"{reverse('board')}?shop={shop.slug}")


@login_required
@require_POST
def board_reassign_followup(request: HttpRequest) -> HttpResponse:
    """A missed slot goes to another agent in one action (the escalation's answer)."""
    shop = _board_shop(request)
    planned_id = whole(request.POST.get("planned", ""))
    if planned_id is None:
        return HttpResponseBadRequest(_("Choose the follow-up to give to another agent."))
    planned = get_object_or_404(PlannedContact, shop=shop, pk=planned_id)
    agent = _shop_agent(shop, request.POST.get("agent", ""))
    services.plannedcontact_reassign(planned_contact=planned, to=agent, by=request.user)
    messages.success(
        request,
        _("Follow-up given to %(agent)s.") % {"agent": agent.get_full_name() or agent.username},
    )
    return redirect(f"{reverse('board')}?shop={shop.slug}")


@login_required
@require_POST
def board_reassign(request: HttpRequest) -> HttpResponse:
    shop = _board_shop(request)
    absent = _shop_agent(shop, request.POST.get("absent", ""))
    n = services.agent_reassign_all(shop=shop, absent=absent, by=request.user)
    name = absent.get_full_name() or absent.username
    messages.success(
        request,
        _("%(n)d open reviews of %(agent)s re-assigned; %(agent)s is marked off duty.")
        % {"n": n, "agent": name},
    )
    left = Review.objects.filter(shop=shop, assigned_to=absent).open().count()
    if left:
        # Nobody on duty had room (capacity, or a shift that misses an agreed time).
        messages.warning(
            request,
            _(
                "%(n)d open reviews stay with %(agent)s: no agent on duty has room for them. "
                "Raise a capacity or put someone on duty, then assign them."
            )
            % {"n": left, "agent": name},
        )
    return redirect(f"{reverse('board')}?shop={shop.slug}")


@login_required
@require_http_methods(["GET", "POST"])
def playbook(request: HttpRequest) -> HttpResponse:
    """The shop's playbook, tuned by its team lead (the admin's PlaybookAdmin does the same
    for staff); every save leaves a settings_changed line in the shop's audit log."""
    shop = _board_shop(request)
    book = Playbook.objects.for_shop(shop)
    # Read before the form binds: is_valid() writes the posted values onto the instance.
    before = {name: getattr(book, name) for name in PlaybookForm._meta.fields}
    before_templates = dict(book.templates or {})
    form = PlaybookForm(request.POST or None, instance=book)
    if request.method == "POST" and form.is_valid():
        changes = [name for name, old in before.items() if form.cleaned_data[name] != old]
        changes += [
            f"templates.{key}"
            for key in sorted(set(before_templates) | set(book.templates))
            if before_templates.get(key) != book.templates.get(key)
        ]
        if changes:
            with transaction.atomic():
                form.save()
                audit_record(
                    actor=request.user,
                    action="settings_changed",
                    shop=shop,
                    target=f"playbook:{book.pk}",
                    object=str(book),
                    changes=changes,
                )
            messages.success(request, _("Saved."))
        else:
            messages.info(request, _("Nothing changed."))
        return redirect(f"{reverse('playbook')}?shop={shop.slug}")
    return render(
        request,
        "outreach/playbook.html",
        {
            "shop": shop,
            "shops": Shop.objects.for_user(request.user, Role.LEAD),
            "form": form,
            **_calendar_context(book),
            "schedule": [
                (step.get("after_hours"), Channel(step["channel"]).label)
                if step.get("channel") in Channel.values
                else (step.get("after_hours"), step.get("channel"))
                for step in book.persistence_schedule or []
            ],
        },
        status=400 if form.errors else 200,
    )


CALENDAR_DAYS_SHOWN = 60


def _calendar_context(book: Playbook) -> dict:
    """The coming days off and extra working days, as the planner will see them, and the years
    the national calendar does not know yet (the shop's local days must fill them)."""
    today = timezone.localdate(timezone=book.shop.tz)
    calendar = book.working_calendar(since=today)
    last = today + timedelta(days=CALENDAR_DAYS_SHOWN)
    notes = dict(LocalDay.objects.filter(shop=book.shop, day__gte=today).values_list("day", "note"))
    return {
        "calendar_days": [
            (on, info.working, workcalendar.day_label(info), notes.get(on, ""))
            for on, info in workcalendar.off_days(calendar, today, CALENDAR_DAYS_SHOWN)
            if info.why != workcalendar.WEEKEND  # the weekend setting above says those
        ],
        "calendar_unknown_years": sorted(
            {y for y in (today.year, last.year) if not workcalendar.national_calendar_known(y)}
        ),
    }


@login_required
@require_POST
def compensation_decide(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = get_object_or_404(
        ContactAttempt.objects.filter(
            review__shop__in=Shop.objects.for_user(request.user)
        ).select_related("review__shop"),
        pk=pk,
    )
    approve = request.POST.get("decision") == "approve"
    try:
        services.compensation_decide(attempt=attempt, user=request.user, approve=approve)
    except GuardrailError as exc:
        if exc.code == "not_lead":
            raise PermissionDenied(str(exc.message)) from None
        messages.warning(request, str(exc.message))
    else:
        messages.success(
            request, _("Compensation approved.") if approve else _("Compensation refused.")
        )
    return redirect(f"{reverse('board')}?shop={attempt.review.shop.slug}")
