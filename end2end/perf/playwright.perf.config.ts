import { defineConfig } from "@playwright/test";
import base from "../playwright.config";

// Measurements, not tests: run by hand (see preview_first_frame.spec.ts), never by the suite.
export default defineConfig({
  ...base,
  testDir: ".",
  timeout: 300_000,
  projects: [{ name: "perf", use: { javaScriptEnabled: true, viewport: { width: 1280, height: 900 } } }],
});
