import { defineConfig } from "vite";

// The server serves the built page at / and its assets at /console/assets/ (api/console.py).
export default defineConfig({
  base: "/console/",
  build: {
    outDir: "../server/src/pragma_os/console_assets",
    emptyOutDir: true,
    assetsDir: "assets",
    chunkSizeWarningLimit: 1500,
  },
  server: {
    // `npm run dev` against a local `make serve` (port 8000): every API path goes there.
    proxy: Object.fromEntries(
      ["/auth", "/resources", "/ops", "/providers", "/files", "/health"].map((path) => [
        path,
        { target: process.env.PRAGMA_API_URL ?? "http://127.0.0.1:8000", changeOrigin: true },
      ]),
    ),
  },
});
