"""Masked calls: set one up (guardrails first, then the provider), take in the call records
the provider pushes (each call once, whatever the order or repetition), log the outcome of an
answered call, and release bindings after the call or on expiry."""

import logging
import zoneinfo
from datetime import datetime, time, timedelta

from celery import current_app
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from outreach import guardrails
from outreach.guardrails import GuardrailError
from outreach.models import Channel, ContactAttempt, Outcome, PlannedContact, PlanState, Playbook
from outreach.services import contact_log, review_record_agreement
from reviews.models import Review

from .aliyun_pls import Client, PlsError
from .models import AgentPhone, CallAccount, CallMode, CallRecord, MaskedCall

logger = logging.getLogger(__name__)

# The provider's times ("2021-08-25 20:11:41") are Beijing time.
PROVIDER_TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
# calls.tasks registers the task under this name (services never import tasks).
UNBIND_TASK = "calls.tasks.call_unbind_task"


def client_for(account: CallAccount) -> Client:
    return Client(access_key_id=account.access_key_id, access_key_secret=account.access_key_secret)


def account_for(shop) -> CallAccount | None:
    """The shop's masked-calling account when it is on, else None (the manual path)."""
    return CallAccount.objects.enabled().filter(shop=shop).first()


def calls_masked(shop) -> bool:
    """Whether the shop calls through privacy numbers (settings.OUTREACH_CALLS_MASKED): then
    no page shows a buyer's real number."""
    return CallAccount.objects.enabled().filter(shop=shop).exists()


def _pending_calls_today(buyer, now: datetime) -> int:
    """Calls set up for the buyer today that have not yet become a contact attempt (still to
    be dialled, ringing, or answered and awaiting the outcome): the caps count them too. A
    binding that expired without a single call was never a call."""
    day = now.astimezone(buyer.tz).date()
    start = datetime.combine(day, time(0), tzinfo=buyer.tz)
    return (
        MaskedCall.objects.filter(
            buyer=buyer, created_at__gte=start, created_at__lt=start + timedelta(days=1)
        )
        .exclude(records__attempt__isnull=False)
        .exclude(expires_at__lte=now, records__isnull=True)
        .distinct()
        .count()
    )


def check_call_allowed(*, review: Review, now: datetime) -> None:
    """The rules a call keeps today, checked before anything is set up: the buyer may be
    contacted, it is not the buyer's quiet hours, and the day's call cap has room."""
    buyer = review.buyer
    guardrails.check_contactable(buyer)
    if not buyer.phone:
        raise GuardrailError("no_phone", _("The buyer's phone number is not known."))
    playbook = Playbook.objects.for_shop(review.shop)
    if guardrails.is_quiet(now, playbook=playbook, buyer_tz=buyer.tz):
        raise GuardrailError(
            "quiet_hours",
            _("It is the buyer's quiet time (%(start)s–%(end)s, the buyer's time): no calls now.")
            % {"start": f"{playbook.quiet_start:%H:%M}", "end": f"{playbook.quiet_end:%H:%M}"},
        )
    used = guardrails.contacts_on_day(buyer, now, call=True) + _pending_calls_today(buyer, now)
    if used >= playbook.max_calls_per_day:
        raise GuardrailError(
            "call_cap",
            _("The buyer has already had %(cap)d calls today, the most the playbook allows.")
            % {"cap": playbook.max_calls_per_day},
        )


def _due_call(review: Review) -> PlannedContact | None:
    """The planned call this one carries out (its id goes to the provider as OutId)."""
    return (
        review.planned_contacts.filter(
            channel=Channel.PHONE,
            state__in=[PlanState.DUE, PlanState.MISSED, PlanState.PLANNED],
        )
        .order_by("due_at")
        .first()
    )


def call_setup(*, review: Review, agent, now: datetime | None = None) -> MaskedCall:
    """Set up a masked call from `agent` to the review's buyer. Raises GuardrailError when the
    rules refuse it (nothing is sent to the provider then) and PlsError when the provider does."""
    now = now or timezone.now()
    account = account_for(review.shop)
    if account is None:
        raise GuardrailError("off", _("Masked calling is not on for this shop."))
    check_call_allowed(review=review, now=now)
    phone_a = AgentPhone.objects.filter(user=agent).values_list("phone", flat=True).first()
    if not phone_a:
        raise GuardrailError(
            "no_agent_phone",
            _("Your own phone number is not set: ask a team lead to add it (masked calling)."),
        )
    planned = _due_call(review)
    out_id = str(planned.id) if planned else ""
    client = client_for(account)
    expires_at = now + account.binding_lifetime
    call = MaskedCall(
        shop=review.shop,
        review=review,
        buyer=review.buyer,
        agent=agent,
        planned_contact=planned,
        mode=account.mode,
        expires_at=expires_at,
        created_at=now,
    )
    if account.mode == CallMode.AXB:
        numbers = account.x_numbers
        binding = client.bind_axb(
            pool_key=account.pool_key,
            phone_a=phone_a,
            phone_b=review.buyer.phone,
            phone_x=numbers[0] if len(numbers) == 1 else "",
            expiration=expires_at.astimezone(PROVIDER_TZ).strftime("%Y-%m-%d %H:%M:%S"),
            out_id=out_id,
            recording=account.recording,
        )
        call.subs_id, call.secret_no, call.extension = (
            binding.subs_id,
            binding.secret_no,
            binding.extension,
        )
    else:
        numbers = account.x_numbers
        if not numbers:
            raise PlsError("no_show_number", "no number to show")
        call.provider_call_id = client.click_to_dial(
            show_number=numbers[0],
            caller=phone_a,
            called=review.buyer.phone,
            out_id=out_id,
            recording=account.recording,
        )
        call.secret_no = numbers[0]
        call.unbound_at = now  # nothing held at the provider
    call.save()
    return call


# Call records.


def _when(value) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S").replace(tzinfo=PROVIDER_TZ)
    except ValueError:
        return None


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _find_call(account: CallAccount, item: dict) -> MaskedCall | None:
    calls = MaskedCall.objects.filter(shop_id=account.shop_id).select_related("review", "agent")
    sub_id = str(item.get("sub_id") or "")
    if sub_id:
        found = calls.filter(subs_id=sub_id).order_by("-created_at").first()
        if found:
            return found
    return (
        calls.filter(provider_call_id=str(item.get("call_id") or "")).first()
        if item.get("call_id")
        else None
    )


def records_receive(*, account: CallAccount, items: list) -> int:
    """Take in pushed call records (SecretStartReport or SecretReport items: a release report
    carries release_time; VoiceReport items for click-to-call). Returns how many changed something; duplicates, a start after its
    release and records of subscriptions we do not know change nothing."""
    changed = 0
    for item in items:
        if not isinstance(item, dict) or not str(item.get("call_id") or "").strip():
            logger.warning("call record without a call_id ignored (shop %s)", account.shop_id)
            continue
        call = _find_call(account, item)
        if call is None:
            logger.warning(
                "call record %s for an unknown subscription (sub_id %s, shop %s) ignored",
                item.get("call_id"),
                item.get("sub_id"),
                account.shop_id,
            )
            continue
        if "status_code" in item:
            changed += record_release(call=call, item=from_voice_report(item))
        elif item.get("release_time"):
            changed += record_release(call=call, item=item)
        else:
            changed += record_start(call=call, item=item)
    return changed


def from_voice_report(item: dict) -> dict:
    """A click-to-call's record comes from the voice service (VoiceReport: always the final
    one, with originate_time, the b leg's — the buyer's — start and end, empty when not
    connected) in SecretReport's shape."""
    # The b leg when the record has one (the a leg, the agent, always answers first).
    leg = "b_" if "b_start_time" in item else ""
    start = item.get(f"{leg}start_time") or ""
    end = item.get(f"{leg}end_time") or ""
    return {
        "call_id": item["call_id"],
        "call_time": item.get("originate_time") or "",
        "start_time": start,
        "release_time": end if start else "",
        "unconnected_cause": 0 if start else None,
    }


def _record_defaults(call: MaskedCall) -> dict:
    return {
        "shop_id": call.shop_id,
        "masked_call": call,
        "review_id": call.review_id,
        "agent": call.agent,
    }


def record_start(*, call: MaskedCall, item: dict) -> bool:
    """The call began: remembered once; after its release report it changes nothing."""
    _record, created = CallRecord.objects.get_or_create(
        call_id=str(item["call_id"]),
        defaults={
            **_record_defaults(call),
            "call_time": _when(item.get("call_time")),
            "started_reported_at": timezone.now(),
        },
    )
    return created


@transaction.atomic
def record_release(*, call: MaskedCall, item: dict) -> bool:
    """The call ended. Exactly once per call_id (the row is locked, and a released one is
    never released again): unanswered → a "no answer" attempt and the playbook's next try, as
    a manual "no answer" would; answered → it waits for the agent's outcome. The binding is
    released once this commits."""
    record, _created = CallRecord.objects.select_for_update().get_or_create(
        call_id=str(item["call_id"]), defaults=_record_defaults(call)
    )
    if record.released_at is not None:
        return False
    now = timezone.now()
    start, release = _when(item.get("start_time")), _when(item.get("release_time"))
    talk = max(int((release - start).total_seconds()), 0) if start and release else 0
    record.call_time = record.call_time or _when(item.get("call_time"))
    record.start_time, record.talk_seconds = start, talk
    record.release_time = release or record.call_time
    record.release_dir = _int(item.get("release_dir"))
    record.release_cause = _int(item.get("release_cause"))
    record.unconnected_cause = _int(item.get("unconnected_cause"))
    url = str(item.get("record_url") or "")
    record.record_url = url if url.startswith("https://") else ""
    record.released_at = now
    if not record.answered:
        record.attempt = contact_log(
            review=Review.objects.select_related("shop", "buyer").get(id=call.review_id),
            agent=call.agent,
            channel=Channel.PHONE,
            outcome=Outcome.NO_ANSWER,
        )
    record.save()
    if call.unbound_at is None:
        transaction.on_commit(lambda: _enqueue_unbind(call.id))
    return True


def _enqueue_unbind(call_id: int) -> None:
    try:
        current_app.send_task(UNBIND_TASK, args=(call_id,), retry=False)
    except Exception:  # noqa: BLE001 - a broker outage: the expiry sweep releases it later
        logger.warning("unbind of masked call %s not enqueued; the sweep will do it", call_id)


@transaction.atomic
def record_outcome(
    *, record: CallRecord, agent, outcome: str, note: str = "", when: datetime | None = None
) -> ContactAttempt:
    """The agent's outcome of an answered call: logged like a manual one (the playbook plans
    the next step), once."""
    record = CallRecord.objects.select_for_update().get(id=record.id)
    if record.attempt_id is not None:
        raise GuardrailError("logged", _("This call's outcome is already logged."))
    review = Review.objects.select_related("shop", "buyer").get(id=record.review_id)
    minutes, seconds = divmod(record.talk_seconds or 0, 60)
    prefix = str(_("Masked call of %(duration)s.") % {"duration": f"{minutes}:{seconds:02d}"})
    attempt = contact_log(
        review=review,
        agent=agent,
        channel=Channel.PHONE,
        outcome=outcome,
        note=f"{prefix} {note}".strip(),
    )
    if outcome == Outcome.AGREED and when is not None:
        review_record_agreement(review=review, agent=agent, when=when)
    record.attempt = attempt
    record.save(update_fields=["attempt"])
    return attempt


# Releasing bindings.


def call_unbind(*, call: MaskedCall) -> bool:
    """Release the call's binding at the provider, once: claimed by a conditional update
    before the request; on failure the claim is undone and the sweep tries again."""
    now = timezone.now()
    if MaskedCall.objects.filter(id=call.id, unbound_at__isnull=True).update(unbound_at=now) != 1:
        return False
    account = CallAccount.objects.filter(shop_id=call.shop_id).first()
    if account is None or not call.subs_id:
        return True
    try:
        client_for(account).unbind(
            pool_key=account.pool_key, subs_id=call.subs_id, secret_no=call.secret_no
        )
    except PlsError as exc:
        if exc.code in ("isv.NO_SUBS_EXIST", "isv.SUBS_NOT_EXIST"):
            return True  # already gone at the provider (expired there)
        MaskedCall.objects.filter(id=call.id).update(unbound_at=None, unbind_error=str(exc)[:200])
        return False
    return True


def calls_unbind_expired(*, now: datetime | None = None) -> int:
    """Bindings past their expiry still held here (their call never came, or its release
    enqueue was lost): release each."""
    now = now or timezone.now()
    done = 0
    for call in MaskedCall.objects.filter(unbound_at__isnull=True, expires_at__lte=now)[:200]:
        done += call_unbind(call=call)
    return done
