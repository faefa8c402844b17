"""Every stored timeline event moves to its kind's one shape (reviews.timeline).

Until now several writers shared a kind with different data (a "followup" was planned,
cancelled, moved or fired; a "note" was a phone reveal, a closing, a compensation decision…)
and the page told them apart by matching English message text. Each becomes the kind that
says what happened, with the data its writer stores today; the plan kinds and channels that
only the old message text held are read from the planned contact, message or contact attempt
the event names. A line nothing recognises stays a note with its text.

It lives in outreach, which may read both apps' tables: most of these events are outreach's.
Going back leaves the new shapes (the old code would show their kind without details).
"""

from django.db import migrations

CHUNK = 2000
CANCEL_REASONS = {
    "review revised": "review_revised",
    "review closed": "review_closed",
    "review replied": "review_replied",
    "public reply no longer possible": "reply_window_closed",
    "buyer agreed to revise": "agreed",
    "buyer declined": "declined",
    "do not contact": "do_not_contact",
}
NOT_PLANNED_PREFIX = "outreach not planned: "
MESSAGE_STATES = (" message queued", " message sent", " message failed: ")


def _convert(event, plans, messages, attempts, batches):
    """(kind, data, extra) for one old event, or None when it is already in shape; `extra`
    is an additional (kind, data) event to write beside it."""
    kind, data, text = event.kind, dict(event.data or {}), event.message or ""
    plan = plans.get(data.get("planned_contact"))
    plan_kind = data.get("kind") or (plan.kind if plan else "")
    if kind == "imported":
        if "source" in data and "classification" in data:
            return None
        batch = batches.get(data.get("batch"))
        source = data.get("source") or ("webhook" if batch == "webhook" else "import")
        return "imported", {
            "batch": data.get("batch"),
            "source": source,
            "classification": data.get("classification", {}),
        }, None
    if kind == "status":
        if "new" in data:
            return "status", {"from": data.get("old"), "to": data["new"], "batch": None}, None
        if "changes" not in data and "batch" in data:
            return None
        new = {"from": data.get("from"), "to": data.get("to"), "batch": data.get("batch")}
        extra = None
        if data.get("changes"):
            extra = ("updated", {"batch": data.get("batch"), "changes": data["changes"]})
        return "status", new, extra
    if kind == "assigned":
        if "planned_contact" in data:
            name = text.split(" re-assigned to ", 1)[-1] if " re-assigned to " in text else ""
            return "reassigned", {
                "planned_contact": data["planned_contact"],
                "kind": plan_kind,
                "to": data.get("to"),
                "to_name": name,
            }, None
        if "to_name" in data:
            return None
        return "assigned", {
            "from": data.get("from"),
            "to": data.get("to"),
            "to_name": "" if text == "—" else text,
            "plans": data.get("plans", 0),
        }, None
    if kind == "contact":
        if "channel" in data:
            return None
        attempt = attempts.get(data.get("attempt"))
        channel = attempt.channel if attempt else text.split(":", 1)[0]
        return "contact", {
            "attempt": data.get("attempt"),
            "channel": channel,
            "outcome": data.get("outcome", ""),
            "resolution": data.get("resolution", ""),
        }, None
    if kind == "message":
        if "state" in data:
            return None
        message = messages.get(data.get("message"))
        new = {
            "message": data.get("message"),
            "kind": data.get("kind") or (message.kind if message else ""),
            "channel": message.channel if message else text.split(" ", 1)[0],
            "state": "queued",
            "until": data.get("until"),
            "provider_id": data.get("provider_id", ""),
            "error": data.get("error", ""),
        }
        if "until" in data:
            new["state"] = "held"
        elif " message sent" in text:
            new["state"] = "sent"
        elif " message failed: " in text:
            new["state"] = "failed"
        return "message", new, None
    if kind == "followup":
        pid = data.get("planned_contact")
        if data.get("fired"):
            return "due", {"planned_contact": pid, "kind": plan_kind}, None
        if "reason" in data or text.endswith(" at fire time"):
            reason = CANCEL_REASONS.get(data.get("reason", ""), data.get("reason", "stale"))
            return "cancelled", {"planned_contact": pid, "kind": plan_kind, "reason": reason}, None
        if "severity_to" in data or "moved out of quiet hours" in text:
            severity = None
            if "severity_to" in data:
                severity = [data.get("severity_from"), data["severity_to"]]
            return "moved", {
                "planned_contact": pid,
                "kind": plan_kind,
                "due_at": data.get("due_at"),
                "why": "severity" if severity else "quiet_hours",
                "severity": severity,
            }, None
        if "due_at" in data:
            return "planned", {
                "planned_contact": pid,
                "kind": plan_kind,
                "due_at": data["due_at"],
            }, None
        return "note", {}, None
    if kind == "escalated":
        return "missed", {
            "planned_contact": data.get("planned_contact"),
            "kind": plan_kind,
            "assigned_to": data.get("assigned_to"),
        }, None
    if kind == "note":
        if text.startswith(NOT_PLANNED_PREFIX):
            return "not_planned", {
                "code": data.get("code", ""),
                "kind": "",
                "reason": text.removeprefix(NOT_PLANNED_PREFIX),
            }, None
        if text == "no outreach: buyer unknown or asked not to be contacted":
            return "not_planned", {"code": "not_contactable", "kind": "", "reason": ""}, None
        if text == "public reply no longer possible on this platform":
            return "not_planned", {
                "code": "reply_window_closed",
                "kind": "reply_task",
                "reason": "",
            }, None
        if "skipped" in data:
            return "not_planned", {
                "code": "revision_limit",
                "kind": data["skipped"],
                "reason": "",
            }, None
        if "closed" in data:
            return "closed", {"reason": data["closed"], "note": data.get("note", "")}, None
        if data.get("reopened"):
            return "reopened", {}, None
        if text == "buyer asked not to be contacted":
            return "do_not_contact", {}, None
        if "approval" in data:
            return "compensation", {"attempt": None, "decision": data["approval"]}, None
        if data.get("phone_revealed"):
            return "phone_revealed", {}, None
        if "buyer_erased_on" in data:
            return "buyer_erased", {"erased_on": data["buyer_erased_on"]}, None
    return None


def forward(apps, schema_editor):
    ReviewEvent = apps.get_model("reviews", "ReviewEvent")
    ImportBatch = apps.get_model("reviews", "ImportBatch")
    PlannedContact = apps.get_model("outreach", "PlannedContact")
    Message = apps.get_model("outreach", "Message")
    ContactAttempt = apps.get_model("outreach", "ContactAttempt")
    old = ReviewEvent.objects.filter(
        kind__in=[
            "imported",
            "status",
            "assigned",
            "contact",
            "message",
            "followup",
            "escalated",
            "note",
        ]
    ).order_by("id")
    last = 0
    while True:
        chunk = list(old.filter(id__gt=last)[:CHUNK])
        if not chunk:
            return
        last = chunk[-1].id

        def ids(key, events=chunk):
            return {e.data.get(key) for e in events if isinstance(e.data, dict) and e.data.get(key)}

        plans = PlannedContact.objects.in_bulk(ids("planned_contact"))
        messages = Message.objects.in_bulk(ids("message"))
        attempts = ContactAttempt.objects.in_bulk(ids("attempt"))
        batches = dict(ImportBatch.objects.filter(id__in=ids("batch")).values_list("id", "source"))
        changed, extra = [], []
        for event in chunk:
            converted = _convert(event, plans, messages, attempts, batches)
            if converted is None:
                continue
            event.kind, event.data, more = converted
            changed.append(event)
            if more:
                extra.append(
                    ReviewEvent(
                        review_id=event.review_id,
                        kind=more[0],
                        actor_id=event.actor_id,
                        data=more[1],
                        created_at=event.created_at,
                    )
                )
        ReviewEvent.objects.bulk_update(changed, ["kind", "data"], batch_size=CHUNK)
        times = [event.created_at for event in extra]
        created = ReviewEvent.objects.bulk_create(extra)
        # auto_now_add gave the extra events this moment: they belong beside their pair.
        for made, at in zip(created, times, strict=True):
            ReviewEvent.objects.filter(id=made.id).update(created_at=at)


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0008_overdue_index"),
        ("reviews", "0011_event_kinds"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
