"""Review ingestion: platform exports and the webhook, into one idempotent pipeline.

- `headers`  — which column is which (the platforms' many names for the same column);
- `values`   — ratings, times, amounts as the platforms write them (pure functions);
- `readers`  — CSV (streamed, encoding detected) and XLSX (read-only, bomb-checked) rows;
- `records`  — one row or webhook item -> a validated `Record`, or the reasons it is rejected;
- `outcomes` — what the import did with each record (`ItemResult`, the webhook's outcomes);
- `batches`  — a batch's life: create, enqueue, run (claim, resume, finish), the webhook's items;
- `plan`     — one chunk decided with reads only: create, update, revise, skip; classification;
- `write`    — one decided chunk written in one transaction, with the hand-off mark;
- `pipeline` — big files decided and written in two threads;
- `copy`     — COPY-based bulk inserts;
- `handoff`  — the outbox that hands new and changed reviews to the planner.
"""
