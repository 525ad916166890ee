"""Kring's benchmark: fan-out latency and edit-to-durable-ack against a real server process.

Run it with `make bench` (or `.venv/bin/python -m bench --help`); docs/performance.md explains the
scenarios and keeps the figures measured on the project's machine.
"""
