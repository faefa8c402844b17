from celery import shared_task

from . import rollups, spikes


@shared_task(name="reports.tasks.report_rollup_task")
def report_rollup_task() -> dict:
    """Beat, every minute: rebuild the report days that changed, then the spike alerts."""
    return {"days": rollups.refresh(), "spikes": spikes.sweep()}
