"""The job queue: arq on Redis, one job per revision file (continued in slices), retries."""
