import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig, type ProxyOptions } from "vite";

// The gateway serves <repo>/.local/console at /; relative asset paths keep it movable. Views are
// hash URLs (/#/config/settings): the gateway's own prefixes (/metrics/, /config/...) stay the APIs'.
const outDir = fileURLToPath(new URL("../../.local/console", import.meta.url));

// `npm run dev`: every API prefix the console calls goes to the running suite's gateway
// (GATEWAY_URL, default https://localhost:8443), TLS verified against the dev CA, so the dev
// server sees the same routes, tokens and answers as the built console.
const gateway = new URL(process.env.GATEWAY_URL ?? "https://localhost:8443");
const caFile = process.env.MERIDIAN_CA ?? fileURLToPath(new URL("../../.local/tls/ca.crt", import.meta.url));
const toGateway: ProxyOptions = {
  target: { protocol: gateway.protocol, host: gateway.hostname, port: Number(gateway.port || 443), ...(existsSync(caFile) ? { ca: readFileSync(caFile) } : {}) } as unknown as string,
  changeOrigin: true,
  secure: true,
  ws: true,
};
const PREFIXES = ["/ingest", "/analytics", "/kmdb", "/metrics", "/config", "/api/v1", "/logger"];

export default defineConfig({
  base: "./",
  // Preact's JSX through esbuild: no Babel preset needed.
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: { outDir, emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 600 },
  server: { proxy: Object.fromEntries(PREFIXES.map((prefix) => [prefix, toGateway])) },
});
