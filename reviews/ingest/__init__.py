"""Review ingestion (issue 3): platform exports and the webhook, into one idempotent pipeline.

- `headers`  — which column is which (the platforms' many names for the same column);
- `values`   — ratings, times, amounts as the platforms write them (pure functions);
- `readers`  — CSV (streamed, encoding detected) and XLSX (read-only, bomb-checked) rows;
- `records`  — one row or webhook item -> a validated `Record`, or the reasons it is rejected;
- `service`  — the writes: batches, bulk upserts, classification and the hand-off outbox.
"""
