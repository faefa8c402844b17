from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from outreach import services as outreach_services
from outreach.forms import PlaybookForm
from outreach.models import Channel, PlannedContact, Playbook
from outreach.work import board_outreach_context, review_work_context

from . import assignment, services
from .access import get_review_for_user, shops_for
from .audit import client_ip
from .models import (
    SUBCAUSES_BY_CAUSE,
    Cause,
    Heartbeat,
    Membership,
    Review,
    Role,
    Severity,
    Shop,
    Status,
    SubCause,
)
from .selectors import BUYER_GROUPS, LANES, QueueQuery, lane_counts, queue_page


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and compose: the database answers; when did a worker last run?"""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    beat = Heartbeat.objects.filter(name="worker").values_list("seen_at", flat=True).first()
    age = round((timezone.now() - beat).total_seconds()) if beat else None
    return JsonResponse({"ok": True, "worker_seen_s_ago": age})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    roles = set(Membership.objects.for_user(request.user).values_list("role", flat=True))
    if Role.AGENT in roles:
        return redirect("queue")
    if Role.LEAD in roles:
        return redirect("board")
    if Role.MANAGER in roles:
        return redirect("reports")
    return render(request, "reviews/no_shop.html", status=403)


CHANNELS = Channel.choices


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    # Evaluated once: the selectors and the template share the list.
    shops = list(Shop.objects.for_user(request.user, Role.AGENT, Role.LEAD))
    if not shops:
        raise PermissionDenied
    query = QueueQuery.from_get(request.GET)
    reviews, next_cursor = queue_page(request.user, shops, query)
    context = {
        "reviews": reviews,
        "next_cursor": next_cursor,
        "query": query,
        "counts": lane_counts(request.user, shops),
        "lanes": LANES,
        "groups": {key: label for key, (label, _q) in BUYER_GROUPS.items()},
        "shops": shops,
        "causes": Cause.choices,
        "subcauses": SubCause.choices,
        "severities": Severity.choices,
        "statuses": Status.choices,
        "channels": CHANNELS,
    }
    template = "reviews/queue.html"
    if request.htmx and request.htmx.target == "queue-results":
        template += "#queue-results"
    return render(request, template, context)


def _client_ip(request: HttpRequest) -> str | None:
    return client_ip(request)


@login_required
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_review_for_user(request, pk)
    return render(
        request, "reviews/review_detail.html", review_work_context(review, user=request.user)
    )


@login_required
@require_POST
def review_reveal_phone(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_review_for_user(request, pk)
    phone = services.buyer_reveal_phone(review=review, user=request.user, ip=_client_ip(request))
    return render(
        request,
        "reviews/review_detail.html#buyer-phone",
        {"review": review, "revealed_phone": phone},
    )


@login_required
@require_POST
def review_correct(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_review_for_user(request, pk)
    subcause = request.POST.get("subcause", review.subcause)
    severity = request.POST.get("severity", review.severity)
    cause = next((c for c, subs in SUBCAUSES_BY_CAUSE.items() if subcause in subs), None)
    if cause is None or severity not in Severity.values:
        context = review_work_context(
            review,
            user=request.user,
            correction_error=_("Choose a sub-cause and a severity from the lists."),
        )
        return render(request, "reviews/review_detail.html#classification", context, status=400)
    services.review_correct(
        review=review, user=request.user, cause=cause, subcause=subcause, severity=severity
    )
    review.refresh_from_db()
    context = review_work_context(review, user=request.user, corrected=True)
    if request.htmx:
        return render(request, "reviews/review_detail.html#classification", context)
    return redirect("review_detail", pk=review.pk)


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
    open_reviews = Review.objects.filter(shop=shop).open()
    tiles = open_reviews.aggregate(
        unassigned=Count("id", filter=Q(assigned_to=None)),
        open_total=Count("id"),
        triage=Count("id", filter=Q(needs_triage=True)),
        serious_unassigned=Count("id", filter=Q(assigned_to=None, severity=Severity.SERIOUS)),
    )
    unassigned = (
        open_reviews.filter(assigned_to=None)
        .select_related("buyer")
        .order_by("-severity", "reviewed_at", "id")[:50]
    )
    return render(
        request,
        "reviews/board.html",
        {
            "shop": shop,
            "shops": shops,
            "tiles": tiles,
            "unassigned": unassigned,
            "workload": assignment.workload(Shop.objects.filter(pk=shop.pk)),
            **board_outreach_context(shop),
            "agents": assignment.on_duty_agents(shop),
            "all_agents": Membership.objects.filter(shop=shop, role=Role.AGENT).select_related(
                "user"
            ),
        },
    )


def _shop_agent(shop: Shop, user_id: str) -> User:
    return get_object_or_404(
        User,
        pk=user_id if str(user_id).isdigit() else 0,
        memberships__shop=shop,
        memberships__role__in=[Role.AGENT, Role.LEAD],
    )


@login_required
@require_POST
def board_assign(request: HttpRequest) -> HttpResponse:
    shop = _board_shop(request)
    agent = _shop_agent(shop, request.POST.get("agent", ""))
    ids = [int(i) for i in request.POST.getlist("review") if i.isdigit()]
    reviews = Review.objects.filter(shop=shop, pk__in=ids)
    n = assignment.reviews_bulk_assign(reviews=reviews, assignee=agent, by=request.user)
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
    n = assignment.reviews_auto_assign(shop=shop, by=request.user, strategy=strategy)
    messages.success(request, _("%(n)d reviews assigned automatically.") % {"n": n})
    return redirect(f"{reverse('board')}?shop={shop.slug}")


@login_required
@require_POST
def board_reassign_followup(request: HttpRequest) -> HttpResponse:
    """A missed slot goes to another agent in one action (the escalation's answer)."""
    shop = _board_shop(request)
    planned = get_object_or_404(PlannedContact, shop=shop, pk=request.POST.get("planned", "0") or 0)
    agent = _shop_agent(shop, request.POST.get("agent", ""))
    outreach_services.plannedcontact_reassign(planned_contact=planned, to=agent, by=request.user)
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
    n = assignment.agent_reassign_all(shop=shop, absent=absent, by=request.user)
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
                services.audit_record(
                    actor=request.user,
                    action="settings_changed",
                    shop=shop,
                    target=f"playbook:{book.pk}",
                    ip=_client_ip(request),
                    object=str(book),
                    changes=changes,
                )
            messages.success(request, _("Saved."))
        else:
            messages.info(request, _("Nothing changed."))
        return redirect(f"{reverse('playbook')}?shop={shop.slug}")
    return render(
        request,
        "reviews/playbook.html",
        {
            "shop": shop,
            "shops": Shop.objects.for_user(request.user, Role.LEAD),
            "form": form,
            "schedule": [
                (step.get("after_hours"), Channel(step["channel"]).label)
                if step.get("channel") in Channel.values
                else (step.get("after_hours"), step.get("channel"))
                for step in book.persistence_schedule or []
            ],
        },
        status=400 if form.errors else 200,
    )
