"""Background computation of analytics on Celery (Redis broker): worker, scheduler, queue."""
