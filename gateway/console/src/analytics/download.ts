// Files the operator downloads, saved through a Blob link (no inline script: the gateway's CSP
// holds): the service's exports as it answered them, or a result as CSV (RFC 4180,
// formula-leading cells quoted with a ') or JSON.

function cell(value: unknown): string {
  let text = value == null ? "" : typeof value === "object" ? JSON.stringify(value) : String(value);
  // a spreadsheet would run a cell starting with = + - @ as a formula
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csv(columns: string[], rows: Record<string, unknown>[]): string {
  return [columns.map(cell).join(","), ...rows.map((r) => columns.map((c) => cell(r[c])).join(","))].join("\r\n") + "\r\n";
}

export function save(name: string, content: string | Blob, type = "application/octet-stream"): void {
  const url = URL.createObjectURL(typeof content === "string" ? new Blob([content], { type }) : content);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A file name part from free text: letters, digits, dot, dash and underscore only. */
export function safeName(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 60) || "export";
}
