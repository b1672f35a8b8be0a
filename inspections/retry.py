"""The retry policy every Celery task of the app shares.

acks_late: a task is acknowledged only when it finishes, so a worker that dies mid-run hands it back
to the broker; the services' unique records make the rerun send nothing twice.
"""

RETRY = {
    "acks_late": True,
    "retry_backoff": 60,  # 1, 2, 4 ... minutes
    "retry_backoff_max": 3600,
    "retry_jitter": True,
    "max_retries": 6,
}
