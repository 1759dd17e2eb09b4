"""Scheduled jobs: the weekly digest, deadline reminders and the stale-data alarm."""
