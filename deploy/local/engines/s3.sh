# An S3-compatible server: moto's server (moto[server] from PyPI, in the workspace venv).
install_s3() { [ -x "$VENV/bin/moto_server" ] || die "moto_server missing from .venv (uv sync)"; }
program_s3() {
  program s3 "$VENV/bin/moto_server -H 127.0.0.1 -p $S3_PORT"
}
# After start: the development bucket (moto keeps buckets in memory, so each start makes it again).
post_start_s3() {
  "$VENV/bin/python" - <<PY || die "creating the S3 bucket $AWS_BUCKET failed"
import time, boto3
s3 = boto3.client("s3", endpoint_url="$AWS_ENDPOINT_URL", aws_access_key_id="$AWS_ACCESS_KEY_ID",
                  aws_secret_access_key="$AWS_SECRET_ACCESS_KEY", region_name="$AWS_REGION")
for attempt in range(60):
    try:
        s3.create_bucket(Bucket="$AWS_BUCKET")
        break
    except s3.exceptions.BucketAlreadyOwnedByYou:
        break
    except Exception:
        time.sleep(0.5)
else:
    raise SystemExit("S3 server did not answer")
PY
}
