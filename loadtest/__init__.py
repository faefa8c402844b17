"""The load test: 50 agents working the queue at once (`make load`, docs/load.md)."""
