"""What masked calling keeps of a buyer, erased with the rest (outreach.erasure.buyer_erase):
the links to the recordings of their calls. The call's times and durations stay (they are the
agent's work figures and say nothing of the buyer)."""

from outreach.erasure import buyer_erasing

from .models import CallRecord


def erase_call_recordings(sender, *, buyer, review_ids, changed, **kwargs) -> None:
    records = CallRecord.objects.filter(masked_call__buyer=buyer).exclude(record_url="")
    changed["call recordings"] = records.update(record_url="")


def connect() -> None:
    buyer_erasing.connect(erase_call_recordings, dispatch_uid="calls.erase_call_recordings")
