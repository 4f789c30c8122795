import { defineConfig } from "@playwright/test";
import * as os from "node:os";
import * as path from "node:path";
import * as fs from "node:fs";

// The test command builds the server and the site, then points these variables at them.
const port = Number(process.env.E2E_PORT ?? 3111);
const baseURL = `http://127.0.0.1:${port}`;
const serverBin = process.env.MC_SERVER_BIN ?? "../target/debug/server";
const siteRoot = process.env.MC_SITE_ROOT ?? "../target/site";
// A fresh database and data folder for every run. The config is loaded again in each worker
// process; the environment carries the main process's folder to them, so the tests read the
// development mailbox (`<data>/mail/`) the server writes to.
process.env.MC_E2E_DATA_DIR ??= fs.mkdtempSync(path.join(os.tmpdir(), "mc-e2e-"));
const dataDir = process.env.MC_E2E_DATA_DIR;

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: true,
  reporter: [["list"]],
  use: {
    baseURL,
    trace: "off",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--use-angle=swiftshader",
        "--enable-unsafe-swiftshader",
      ],
    },
  },
  projects: [
    // Everything, with JavaScript: hydration and interactive parts (but the views that only
    // exist without it, tagged @js-off-only).
    { name: "js-on", use: { javaScriptEnabled: true }, grepInvert: /@js-off-only/ },
    // Pages that must work before (or without) hydration: tests tagged @nojs or @js-off-only.
    { name: "js-off", use: { javaScriptEnabled: false }, grep: /@nojs|@js-off-only/ },
  ],
  webServer: {
    command: `${serverBin} serve`,
    url: `${baseURL}/ready`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: siteRoot,
      LEPTOS_OUTPUT_NAME: "mattercraft",
      LEPTOS_SITE_PKG_DIR: "pkg",
      MATTERCRAFT_DATA_DIR: dataDir,
      DATABASE_URL: `sqlite://${dataDir}/e2e.db`,
      RUST_LOG: "warn",
      // Every test signs up from 127.0.0.1; the throttle itself is tested in the Rust suite.
      MATTERCRAFT_SIGNUPS_PER_HOUR: "1000",
    },
  },
});
