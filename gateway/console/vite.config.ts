import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// The gateway serves <repo>/.local/console at /; relative asset paths keep it movable. Views are
// hash URLs (/#/config/settings): the gateway's own prefixes (/metrics/, /config/...) stay the APIs'.
const outDir = fileURLToPath(new URL("../../.local/console", import.meta.url));

export default defineConfig({
  base: "./",
  // Preact's JSX through esbuild: no Babel preset needed.
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: { outDir, emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 600 },
  server: {
    proxy: { "/metrics": "http://127.0.0.1:8104", "/config": { target: "http://127.0.0.1:8105", rewrite: (p) => p.replace(/^\/config/, "") } },
  },
});
