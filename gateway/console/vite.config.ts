import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// The gateway serves <repo>/.local/dashboard at /; relative asset paths keep it movable.
const outDir = fileURLToPath(new URL("../../../.local/dashboard", import.meta.url));

export default defineConfig({
  base: "./",
  build: { outDir, emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 600 },
  server: { proxy: { "/metrics": "http://127.0.0.1:8104" } },
});
