"""The load test of issue 8: 50 agents working the queue at once (`make load`, docs/load.md)."""
