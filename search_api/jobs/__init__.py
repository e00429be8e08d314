"""The job queue, for admins: what waits, runs and failed; retry and cancel."""
