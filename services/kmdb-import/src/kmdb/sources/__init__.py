"""Where revision files come from: an S3 bucket (s3://bucket[/prefix]) or a folder (file:///dir)."""
