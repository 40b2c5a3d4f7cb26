# An SMTP sink (aiosmtpd) that keeps every mail as a file in $SMTP_SINK_DIR.
install_smtp() { mkdir -p "$SMTP_SINK_DIR"; }
program_smtp() {
  program smtp "$VENV/bin/python $ROOT/deploy/local/smtp_sink.py --port $SMTP_PORT --dir $SMTP_SINK_DIR"
}
