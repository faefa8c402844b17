"""Outreach writes. `review_plan` is the planner's entry point for reviews handed off by
ingestion (reviews/ingest/handoff.py); the planner proper (issue 5) fills it in."""

from reviews.models import EventKind, Review, ReviewEvent


def review_plan(*, review: Review) -> None:
    """Plan the outreach for a new or changed neutral/negative review.

    Called inside the hand-off's transaction, once per pending review: whatever it writes
    commits together with the cleared hand-off mark, so it runs once per hand-off.
    For now it records on the timeline that the review entered planning.
    """
    ReviewEvent.objects.create(
        review=review,
        kind=EventKind.NOTE,
        message="Entered outreach planning",
        data={"handoff": True},
    )
