"""A review's timeline: every step of its life is written here, and only here.

One writer per kind of event, each storing one shape of `data`, and next to it the line the
review page shows for it, in the reader's language (the stored data holds codes and ids,
never sentences). The writers are called by the services that make the change — a status
change, an assignment, a contact logged — inside their transaction.

A writer saves its event and returns it; with `commit=False` it returns a `Pending` event
instead, for the paths that write many at once: `save_all()` for a bulk insert (the
dispatcher firing thousands of items in one minute), `copy_rows()` for the importer's COPY.

The module is long on purpose: every kind lives here, its writer beside its line, so a reader
finds a review's whole history in one place.

`outreach` builds on `reviews`, so its codes (a plan's kind, a channel, an outcome) are
stored here as plain strings and shown with the labels the caller lends `describe()`
(outreach.review_page.TIMELINE_LABELS): the timeline never imports upwards.
"""

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any, NamedTuple

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import CloseReason, EventKind, Rating, Review, ReviewEvent, Status
from .taxonomy import Severity, SubCause

Labels = Mapping[str, Mapping[str, Any]]


class Pending(NamedTuple):
    """An event not yet saved (see save_all and copy_rows)."""

    review_id: int
    kind: str
    actor_id: int | None
    data: dict


def _event(review: Review | int, kind: str, data: dict, *, actor=None, commit: bool = True):
    review_id = review if isinstance(review, int) else review.pk
    if not commit:
        return Pending(review_id, kind, getattr(actor, "pk", actor), data)
    return ReviewEvent.objects.create(review_id=review_id, kind=kind, actor=actor, data=data)


def save_all(events: Iterable[Pending]) -> None:
    ReviewEvent.objects.bulk_create(
        [
            ReviewEvent(review_id=e.review_id, kind=e.kind, actor_id=e.actor_id, data=e.data)
            for e in events
        ],
        batch_size=1000,
    )


# The columns of copy_rows(), for reviews.ingest.copy.insert_values.
COPY_COLUMNS = ["review_id", "kind", "actor_id", "message", "data", "created_at"]


def copy_rows(events: Iterable[Pending], *, at: datetime) -> list[tuple]:
    return [(e.review_id, e.kind, e.actor_id, "", e.data, at) for e in events]


# How each kind reads on the review page: kind -> describe(data, labels, event).
_DESCRIBE: dict[str, Callable[[dict, Labels, ReviewEvent], str]] = {}


def _describes(kind: str):
    def register(describe):
        _DESCRIBE[kind] = describe
        return describe

    return register


def describe(event: ReviewEvent, labels: Labels | None = None) -> str:
    """The event's line on the review page. `labels` names the codes of the apps above
    reviews: {"plan": {code: label}, "channel": …, "outcome": …, "resolution": …}."""
    describer = _DESCRIBE.get(event.kind)
    if describer is None:
        return event.message  # a free note, or a line older than the typed kinds
    return describer(event.data or {}, labels or {}, event)


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "—")


def _lent(labels: Labels, vocabulary: str, code) -> str:
    return str(labels.get(vocabulary, {}).get(code, code or "—"))


def _local(moment: str | None, event: ReviewEvent) -> str:
    when = parse_datetime(moment) if moment else None
    if when is None:
        return moment or ""
    return f"{timezone.localtime(when, event.review.shop.tz):%m-%d %H:%M}"


# Arrival and classification.


def _classification(review: Review) -> dict:
    return {
        "cause": review.cause,
        "subcause": review.subcause,
        "severity": review.severity,
        "confidence": round(review.confidence, 3),
        "model_version": review.model_version,
    }


def imported(review: Review, *, batch: int | None, source: str, commit: bool = True):
    """A new review stored by an import (file, webhook, a platform connector's pull) or the
    demo, as it was classified."""
    data = {"batch": batch, "source": source, "classification": _classification(review)}
    return _event(review, EventKind.IMPORTED, data, commit=commit)


@_describes(EventKind.IMPORTED)
def _imported(data: dict, labels: Labels, event: ReviewEvent) -> str:
    if data.get("batch") and data.get("source") == "connector":
        return _("Pulled from the platform (batch #%(id)s)") % {"id": data["batch"]}
    if data.get("batch"):
        return _("Imported (batch #%(id)s)") % {"id": data["batch"]}
    return _("Demo data") if data.get("source") == "demo" else ""


def updated(
    review: Review, *, batch: int, changes: dict, reclassified: bool = False, commit: bool = True
):
    """A later import changed the review: {field: [old, new]}; with `reclassified`, the new
    words were classified again and the classification they got is kept too."""
    classification = _classification(review) if reclassified else None
    data = {"batch": batch, "changes": changes, "classification": classification}
    return _event(review, EventKind.UPDATED, data, commit=commit)


@_describes(EventKind.UPDATED)
def _updated(data: dict, labels: Labels, event: ReviewEvent) -> str:
    names = []
    for name in sorted(data.get("changes", {})):
        try:
            names.append(str(Review._meta.get_field(name).verbose_name))
        except Exception:  # a field since removed: its name as stored
            names.append(name)
    text = _("Changed: %(fields)s") % {"fields": ", ".join(names)}
    if classification := data.get("classification"):
        text += "; " + _("classified again: %(subcause)s, %(severity)s") % {
            "subcause": _label(SubCause, classification.get("subcause")),
            "severity": _label(Severity, classification.get("severity")),
        }
    return text


def classified(review: Review | int, *, result, commit: bool = True):
    """The classifier's result, with its model version."""
    data = {**result.as_json(), "model_version": result.model_version}
    return _event(review, EventKind.CLASSIFIED, data, commit=commit)


@_describes(EventKind.CLASSIFIED)
def _classified(data: dict, labels: Labels, event: ReviewEvent) -> str:
    return _("%(subcause)s, %(severity)s (confidence %(confidence).2f)") % {
        "subcause": _label(SubCause, data.get("subcause")),
        "severity": _label(Severity, data.get("severity")),
        "confidence": float(data.get("confidence") or 0),
    }


def corrected(review: Review, *, actor, cause: str, subcause: str, severity: str, previous: dict):
    """An agent corrected the classification; `previous` is what it was."""
    data = {"cause": cause, "subcause": subcause, "severity": severity, "previous": previous}
    return _event(review, EventKind.CORRECTED, data, actor=actor)


@_describes(EventKind.CORRECTED)
def _corrected(data: dict, labels: Labels, event: ReviewEvent) -> str:
    previous = data.get("previous") or {}
    return _("%(new)s, %(severity)s (was %(old)s, %(old_severity)s)") % {
        "new": _label(SubCause, data.get("subcause")),
        "severity": _label(Severity, data.get("severity")),
        "old": _label(SubCause, previous.get("subcause")),
        "old_severity": _label(Severity, previous.get("severity")),
    }


# Status, people, personal data.


def status_changed(
    review: Review | int,
    *,
    old: str,
    new: str,
    actor=None,
    batch: int | None = None,
    commit: bool = True,
):
    """The review's status changed; `batch` when an import showed it (a revision)."""
    data = {"from": old, "to": new, "batch": batch}
    return _event(review, EventKind.STATUS, data, actor=actor, commit=commit)


@_describes(EventKind.STATUS)
def _status(data: dict, labels: Labels, event: ReviewEvent) -> str:
    if data.get("batch") and data.get("to") == Status.REVISED:
        return _("Revised to positive by the buyer (seen in batch #%(id)s)") % {"id": data["batch"]}
    return f"{_label(Status, data.get('from'))} → {_label(Status, data.get('to'))}"


def revised(
    review: Review | int,
    *,
    old: str,
    new: str,
    actor=None,
    batch: int | None = None,
    commit: bool = True,
):
    """The buyer changed the rating from `old` to `new` (Rating codes): recorded by an agent
    (`actor`) or seen by an import (`batch`)."""
    data = {"from": old, "to": new, "batch": batch}
    return _event(review, EventKind.REVISED, data, actor=actor, commit=commit)


@_describes(EventKind.REVISED)
def _revised(data: dict, labels: Labels, event: ReviewEvent) -> str:
    change = {"old": _label(Rating, data.get("from")), "new": _label(Rating, data.get("to"))}
    if data.get("to") == Rating.POSITIVE:
        return _("%(old)s → %(new)s: revised, nothing more is sent") % change
    return _("%(old)s → %(new)s: changed, not yet positive") % change


def assigned(review: Review, *, actor, old: int | None, new, plans: int):
    """The review went to `new` (a user, or None: unassigned) with `plans` planned items."""
    name = (new.get_full_name() or new.username) if new is not None else ""
    data = {"from": old, "to": getattr(new, "pk", None), "to_name": name, "plans": plans}
    return _event(review, EventKind.ASSIGNED, data, actor=actor)


@_describes(EventKind.ASSIGNED)
def _assigned(data: dict, labels: Labels, event: ReviewEvent) -> str:
    if not data.get("to"):
        return _("nobody (unassigned)")
    if data.get("plans"):
        return _("%(name)s, with %(n)d planned items") % {
            "name": data.get("to_name"),
            "n": data["plans"],
        }
    return str(data.get("to_name", ""))


# Why assignment on arrival chose as it did (outreach.services.arrival): who got the review,
# or why nobody did. The first two name an agent; the rest leave the review unassigned.
AUTO_ASSIGN_WHY = {
    "on_shift": gettext_lazy("Assigned automatically to %(name)s (on shift, %(room)d left)"),
    "on_shift_when_due": gettext_lazy(
        "Assigned automatically to %(name)s when it fell due (on shift, %(room)d left)"
    ),
    "cooling_off": gettext_lazy(
        "Not assigned yet: it goes to whoever is on shift when the cooling-off ends"
    ),
    "all_full": gettext_lazy("Nobody to assign: the agents on shift are full"),
    "none_on_duty": gettext_lazy("Nobody to assign: no agent is on duty"),
    "no_shift_covers": gettext_lazy("Nobody to assign: no agent's shift covers %(when)s"),
}


def auto_assigned(
    review: Review | int,
    *,
    why: str,
    to=None,
    room: int | None = None,
    due_at: datetime | None = None,
    commit: bool = True,
):
    """Assignment on arrival (or when a cooling-off ends) gave the review to `to`, or to
    nobody; `why` is one of AUTO_ASSIGN_WHY, `room` what is left of their capacity."""
    data = {
        "why": why,
        "to": getattr(to, "pk", None),
        "to_name": (to.get_full_name() or to.username) if to is not None else "",
        "room": room,
        "due_at": due_at.isoformat() if due_at else None,
    }
    return _event(review, EventKind.AUTO_ASSIGNED, data, commit=commit)


@_describes(EventKind.AUTO_ASSIGNED)
def _auto_assigned(data: dict, labels: Labels, event: ReviewEvent) -> str:
    line = AUTO_ASSIGN_WHY.get(data.get("why"))
    if line is None:
        return str(data.get("why", ""))
    return str(line) % {
        "name": data.get("to_name", ""),
        "room": data.get("room") or 0,
        "when": _local(data.get("due_at"), event),
    }


def phone_revealed(review: Review, *, actor):
    """Somebody was shown the buyer's full number (also in the audit log)."""
    return _event(review, EventKind.PHONE_REVEALED, {}, actor=actor)


@_describes(EventKind.PHONE_REVEALED)
def _phone_revealed(data: dict, labels: Labels, event: ReviewEvent) -> str:
    return _("revealed the phone number")


# Lazy: the importer writes no sentence, the page says it in the reader's language.
ERASED_NOTE = gettext_lazy(
    "This buyer had their personal data erased at their request on %(date)s: they are not to be contacted."
)


def buyer_erased(review: Review | int, *, erased_on: date, commit: bool = True):
    """A newer review of a buyer erased on request: nobody may contact them."""
    return _event(
        review, EventKind.BUYER_ERASED, {"erased_on": erased_on.isoformat()}, commit=commit
    )


@_describes(EventKind.BUYER_ERASED)
def _buyer_erased(data: dict, labels: Labels, event: ReviewEvent) -> str:
    return str(ERASED_NOTE % {"date": data.get("erased_on", "")})


def do_not_contact(review: Review, *, actor):
    """The buyer asked not to be contacted (written on each of their reviews)."""
    return _event(review, EventKind.DO_NOT_CONTACT, {}, actor=actor)


@_describes(EventKind.DO_NOT_CONTACT)
def _do_not_contact(data: dict, labels: Labels, event: ReviewEvent) -> str:
    return _("the buyer asked not to be contacted")


def closed(review: Review, *, actor, reason: str, note: str):
    """Closed with nothing more to do, and why (a CloseReason)."""
    return _event(review, EventKind.CLOSED, {"reason": reason, "note": note}, actor=actor)


@_describes(EventKind.CLOSED)
def _closed(data: dict, labels: Labels, event: ReviewEvent) -> str:
    text = _("closed: %(why)s") % {"why": _label(CloseReason, data.get("reason"))}
    return f"{text}（{data['note']}）" if data.get("note") else text


def reopened(review: Review, *, actor):
    return _event(review, EventKind.REOPENED, {}, actor=actor)


@_describes(EventKind.REOPENED)
def _reopened(data: dict, labels: Labels, event: ReviewEvent) -> str:
    return _("reopened")


# Planned outreach (PlannedContact rows of outreach: their id and kind)


def planned(
    review: Review | int,
    *,
    plan_id: int,
    kind: str,
    due_at: datetime,
    actor=None,
    commit: bool = True,
):
    data = {"planned_contact": plan_id, "kind": kind, "due_at": due_at.isoformat()}
    return _event(review, EventKind.PLANNED, data, actor=actor, commit=commit)


@_describes(EventKind.PLANNED)
def _planned(data: dict, labels: Labels, event: ReviewEvent) -> str:
    return _("%(what)s planned for %(when)s") % {
        "what": _lent(labels, "plan", data.get("kind")),
        "when": _local(data.get("due_at"), event),
    }


# Why a planned item moved.
QUIET_HOURS, SEVERITY = "quiet_hours", "severity"


def moved(
    review: Review | int,
    *,
    plan_id: int,
    kind: str,
    due_at: datetime,
    why: str,
    severity: tuple[str, str] | None = None,
    actor=None,
):
    """A planned item moved to `due_at`: out of the buyer's quiet hours, or because a
    correction of the severity changes when the first call is due (then `severity` is
    (old, new))."""
    data = {
        "planned_contact": plan_id,
        "kind": kind,
        "due_at": due_at.isoformat(),
        "why": why,
        "severity": list(severity) if severity else None,
    }
    return _event(review, EventKind.MOVED, data, actor=actor)


@_describes(EventKind.MOVED)
def _moved(data: dict, labels: Labels, event: ReviewEvent) -> str:
    what = _lent(labels, "plan", data.get("kind"))
    when = _local(data.get("due_at"), event)
    if data.get("why") == SEVERITY and data.get("severity"):
        old, new = data["severity"]
        return _("%(what)s moved to %(when)s: severity %(old)s → %(new)s") % {
            "what": what,
            "when": when,
            "old": _label(Severity, old),
            "new": _label(Severity, new),
        }
    return _("%(what)s moved to %(when)s: the buyer's quiet hours") % {
        "what": what,
        "when": when,
    }


# Why planned items were cancelled.
CANCEL_REASONS = {
    "review_revised": gettext_lazy("the review was revised"),
    "review_closed": gettext_lazy("the review was closed"),
    "review_replied": gettext_lazy("the review was answered publicly"),
    "reply_window_closed": gettext_lazy("a public reply is no longer possible on this platform"),
    "agreed": gettext_lazy("the buyer agreed to revise"),
    "declined": gettext_lazy("the buyer declined"),
    "do_not_contact": gettext_lazy("the buyer asked not to be contacted"),
    "stale": gettext_lazy("nothing left to do when it fell due"),
    "revision_window_closed": gettext_lazy(
        "the buyer can no longer change the review on this platform"
    ),
}


def cancelled(review: Review | int, *, plan_id: int, kind: str, reason: str, actor=None):
    """A planned item will not happen; `reason` is one of CANCEL_REASONS."""
    data = {"planned_contact": plan_id, "kind": kind, "reason": reason}
    return _event(review, EventKind.CANCELLED, data, actor=actor)


@_describes(EventKind.CANCELLED)
def _cancelled(data: dict, labels: Labels, event: ReviewEvent) -> str:
    what = _lent(labels, "plan", data.get("kind"))
    why = CANCEL_REASONS.get(data.get("reason", ""))
    if why is None:
        return _("%(what)s cancelled") % {"what": what}
    return _("%(what)s cancelled: %(why)s") % {"what": what, "why": why}


def due(review: Review | int, *, plan_id: int, kind: str, commit: bool = True):
    """A planned item fell due: an agent's task now waits in their queue."""
    data = {"planned_contact": plan_id, "kind": kind}
    return _event(review, EventKind.DUE, data, commit=commit)


@_describes(EventKind.DUE)
def _due(data: dict, labels: Labels, event: ReviewEvent) -> str:
    return _("%(what)s is due") % {"what": _lent(labels, "plan", data.get("kind"))}


def missed(review: Review | int, *, plan_id: int, kind: str, assigned_to: int | None):
    """Its minute passed with nothing logged: escalated to the team lead."""
    data = {"planned_contact": plan_id, "kind": kind, "assigned_to": assigned_to}
    return _event(review, EventKind.MISSED, data)


@_describes(EventKind.MISSED)
def _missed(data: dict, labels: Labels, event: ReviewEvent) -> str:
    return _("%(what)s missed; the team lead is alerted") % {
        "what": _lent(labels, "plan", data.get("kind"))
    }


def reassigned(review: Review | int, *, plan_id: int, kind: str, to, actor):
    """A lead gave one planned item to someone else."""
    data = {
        "planned_contact": plan_id,
        "kind": kind,
        "to": to.pk,
        "to_name": to.get_full_name() or to.username,
    }
    return _event(review, EventKind.REASSIGNED, data, actor=actor)


@_describes(EventKind.REASSIGNED)
def _reassigned(data: dict, labels: Labels, event: ReviewEvent) -> str:
    return _("%(what)s re-assigned to %(name)s") % {
        "what": _lent(labels, "plan", data.get("kind")),
        "name": data.get("to_name", ""),
    }


# Codes of what was not planned, and why.
NOT_PLANNED = {
    "not_contactable": gettext_lazy("no outreach: buyer unknown or asked not to be contacted"),
    "reply_window_closed": gettext_lazy("a public reply is no longer possible on this platform"),
    "revision_limit": gettext_lazy(
        "revision instructions not sent again: the platform allows one revision request"
    ),
    "awaiting_approval": gettext_lazy(
        "revision instructions held until a team lead decides on the compensation given with "
        "the agreement"
    ),
    "compensation_refused": gettext_lazy(
        "revision instructions not sent: the team lead refused the compensation; record the "
        "agreement again once the buyer knows"
    ),
    "revision_window_closed": gettext_lazy(
        "no request to revise: the buyer can no longer change the review on this platform"
    ),
}


def not_planned(
    review: Review | int,
    *,
    code: str,
    kind: str = "",
    reason: str = "",
    actor=None,
    commit: bool = True,
):
    """Something the playbook would do was not planned: `code` is one of NOT_PLANNED, or a
    guardrail's code with its `reason` in words (a template a guardrail refused)."""
    data = {"code": code, "kind": kind, "reason": reason}
    return _event(review, EventKind.NOT_PLANNED, data, actor=actor, commit=commit)


@_describes(EventKind.NOT_PLANNED)
def _not_planned(data: dict, labels: Labels, event: ReviewEvent) -> str:
    known = NOT_PLANNED.get(data.get("code", ""))
    if known is not None:
        return str(known)
    return _("outreach not planned: %(why)s") % {"why": data.get("reason", "")}


# Contacts, messages, replies, compensation.


def contact(review: Review, *, actor, attempt_id: int, channel: str, outcome: str, resolution: str):
    """An agent logged a contact attempt (outreach's ContactAttempt)."""
    data = {
        "attempt": attempt_id,
        "channel": channel,
        "outcome": outcome,
        "resolution": resolution,
    }
    return _event(review, EventKind.CONTACT, data, actor=actor)


@_describes(EventKind.CONTACT)
def _contact(data: dict, labels: Labels, event: ReviewEvent) -> str:
    text = f"{_lent(labels, 'channel', data.get('channel'))}：{_lent(labels, 'outcome', data.get('outcome'))}"
    if data.get("resolution"):
        text += f"（{_lent(labels, 'resolution', data['resolution'])}）"
    return text


# Where a message to the buyer stands (outreach's Message rows).
QUEUED, HELD, SENT, FAILED = "queued", "held", "sent", "failed"
# No provider could send it (`error` says why); a person confirmed sending it by hand (the
# event's actor, by `channel`); a person said sending it by hand failed (actor, `error`).
BY_HAND, SENT_BY_HAND, FAILED_BY_HAND = "by_hand", "sent_by_hand", "failed_by_hand"
# SMS: the provider's receipt (delivered, or not with `error`); a send whose outcome is
# unknown (`error`: the timeout); a person's decision on it (actor; `channel` by hand or
# `resent`); the buyer's SMS answer (`reply`, its text; `error` "opt_out" when it asked to
# hear no more).
DELIVERED, UNDELIVERED, UNKNOWN = "delivered", "undelivered", "unknown"
RESENT, REPLIED = "resent", "replied"


def message(
    review: Review | int,
    *,
    message_id: int,
    kind: str,
    channel: str,
    state: str,
    until: datetime | None = None,
    provider_id: str = "",
    error: str = "",
    reply: str = "",
    actor=None,
):
    """A message to the buyer was queued, held out of quiet hours `until` a minute, accepted
    by the provider (`provider_id`), or not sent (`error`); left to send by hand (`error`:
    why no provider sent it), then confirmed sent by hand by `actor` on `channel`, or said
    by `actor` to have failed (`error`)."""
    data = {
        "message": message_id,
        "kind": kind,
        "channel": channel,
        "state": state,
        "until": until.isoformat() if until else None,
        "provider_id": provider_id,
        "error": error[:300],
    }
    if reply:
        data["reply"] = reply[:500]
    return _event(review, EventKind.MESSAGE, data, actor=actor)


@_describes(EventKind.MESSAGE)
def _message(data: dict, labels: Labels, event: ReviewEvent) -> str:
    what = _lent(labels, "plan", data.get("kind"))
    state = data.get("state")
    if state == HELD:
        return _("%(what)s held until %(when)s (the buyer's quiet hours)") % {
            "what": what,
            "when": _local(data.get("until"), event),
        }
    if state == SENT:
        return _("%(what)s sent by %(channel)s") % {
            "what": what,
            "channel": _lent(labels, "channel", data.get("channel")),
        }
    if state == FAILED:
        return _("%(what)s not sent: %(why)s") % {"what": what, "why": data.get("error", "")}
    if state == BY_HAND:
        # The reason is English marked for translation where it was raised (outreach's
        # backends): translated here, in the reader's language.
        return _("%(what)s to send by hand (%(channel)s): %(why)s") % {
            "what": what,
            "channel": _lent(labels, "channel", data.get("channel")),
            "why": _(data["error"]) if data.get("error") else _("no provider can send it"),
        }
    if state == DELIVERED:
        return _("%(what)s delivered to the buyer's phone") % {"what": what}
    if state == UNDELIVERED:
        return _("%(what)s not delivered: %(why)s") % {"what": what, "why": data.get("error", "")}
    if state == UNKNOWN:
        # The reason is a provider's words, or ours marked for translation where written.
        return _(
            "%(what)s: outcome unknown (%(why)s); the provider is asked, it is not sent again"
        ) % {"what": what, "why": _(data["error"]) if data.get("error") else ""}
    if state == RESENT:
        return _("%(what)s sent again after a person's confirmation") % {"what": what}
    if state == REPLIED:
        if data.get("error") == "opt_out":
            return _("the buyer answered by SMS “%(text)s”: asked to hear no more") % {
                "text": data.get("reply", "")
            }
        return _("the buyer answered by SMS: “%(text)s”") % {"text": data.get("reply", "")}
    if state == SENT_BY_HAND:
        return _("%(what)s sent by hand by %(channel)s") % {
            "what": what,
            "channel": _lent(labels, "channel", data.get("channel")),
        }
    if state == FAILED_BY_HAND:
        return _("%(what)s could not be sent by hand: %(why)s") % {
            "what": what,
            "why": data.get("error", ""),
        }
    return _("%(what)s queued") % {"what": what}


# What happened to the public reply.
REPLY_STATES = {
    "submitted": gettext_lazy("reply submitted for a team lead's approval"),
    "approved": gettext_lazy("reply approved"),
    "rejected": gettext_lazy("reply sent back to the agent"),
    "posted": gettext_lazy("reply posted on the platform"),
    # 「发布到平台」: posted through the platform's API, refused by it, or no answer in time.
    "published": gettext_lazy("reply posted through the platform's API"),
    "publish_refused": gettext_lazy("the platform refused the reply"),
    "publish_unknown": gettext_lazy(
        "the platform did not answer in time: whether the reply was posted is unknown"
    ),
    # A platform connector found the seller's reply on the platform (posted there directly).
    "found": gettext_lazy("the seller's reply was found on the platform"),
}


def reply(review: Review, *, actor, state: str, note: str = ""):
    """The public reply was submitted, approved, sent back (with the lead's note) or posted."""
    return _event(review, EventKind.REPLY, {"state": state, "note": note[:200]}, actor=actor)


@_describes(EventKind.REPLY)
def _reply(data: dict, labels: Labels, event: ReviewEvent) -> str:
    text = str(REPLY_STATES.get(data.get("state", ""), data.get("state", "")))
    return f"{text}（{data['note']}）" if data.get("note") else text


# A compensation's way: waiting for a lead, granted, refused.
COMPENSATION = {
    "pending": gettext_lazy("compensation awaits a team lead's approval"),
    "approved": gettext_lazy("compensation approved"),
    "rejected": gettext_lazy("compensation refused"),
}


# Why a compensation waits for a lead beyond the usual (extortion suspected, the amount): it
# was logged together with the buyer's agreement to revise.
WITH_REVISION = "revision"
COMPENSATION_WITH_REVISION = gettext_lazy(
    "compensation given with an agreement to revise the review awaits a team lead's approval"
)


def compensation(review: Review, *, actor, attempt_id: int | None, decision: str, reason: str = ""):
    data = {"attempt": attempt_id, "decision": decision}
    if reason:
        data["reason"] = reason
    return _event(review, EventKind.COMPENSATION, data, actor=actor)


@_describes(EventKind.COMPENSATION)
def _compensation(data: dict, labels: Labels, event: ReviewEvent) -> str:
    if data.get("decision") == "pending" and data.get("reason") == WITH_REVISION:
        return str(COMPENSATION_WITH_REVISION)
    return str(COMPENSATION.get(data.get("decision", ""), data.get("decision", "")))
