"""The application floor: one run session (session), output paths and locks (outputs), run
history (history), report diffs (diff), the config template (configtemplate) and the demo
generator (demo). `audit.cli` sits on top; this floor calls ingest, the runner and reports.
"""
