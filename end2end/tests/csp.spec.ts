import { expect, test, type Page } from "@playwright/test";
import { AuthPages, uniqueEmail } from "./fixtures/auth_pages";
import { DashboardPage, NewCampaignPage } from "./fixtures/discover_pages";
import { ShellPage } from "./fixtures/shell_page";

/**
 * Records every Content-Security-Policy violation the page reports (the DOM event, which the
 * policy cannot block: the listener is installed before any page script) and every console
 * message about one.
 */
async function watchCsp(page: Page): Promise<() => Promise<string[]>> {
  const logged: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy|Content-Security-Policy/i.test(m.text())) logged.push(m.text());
  });
  await page.addInitScript(() => {
    const w = window as unknown as { cspViolations: string[] };
    w.cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      w.cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
  return async () => [
    ...logged,
    ...(await page.evaluate(() => (window as unknown as { cspViolations?: string[] }).cspViolations ?? [])),
  ];
}

test("pages hydrate under the Content-Security-Policy without a single violation", async ({ page }) => {
  const violations = await watchCsp(page);
  const shell = new ShellPage(page);
  for (const path of ["/", "/campaigns", "/campaigns/new", "/templates", "/datasets", "/jobs", "/print", "/settings", "/signin", "/signup", "/no-such-page"]) {
    const response = await shell.goto(path);
    const policy = response?.headers()["content-security-policy"] ?? "";
    expect(policy, path).toContain("script-src 'self' 'nonce-");
    expect(policy, path).toContain("frame-ancestors 'none'");
    await shell.waitForHydration();
    expect(await violations(), path).toEqual([]);
  }
  // The theme script is inline too: the saved theme still applies before the first paint.
  await page.evaluate(() => localStorage.setItem("mc-theme", "dark"));
  await shell.goto("/");
  expect(await shell.theme()).toBe("dark");
  expect(await violations()).toEqual([]);
});

test("the live dashboard's websocket is allowed by the policy", async ({ page }) => {
  const violations = await watchCsp(page);
  const auth = new AuthPages(page);
  const shell = new ShellPage(page);
  const email = uniqueEmail("csp");
  await auth.signUp("Grace Policy", email);
  await auth.expectAccount(email);
  await page.goto("/campaigns/new");
  await shell.waitForHydration();
  await new NewCampaignPage(page).createFromTemplate("nmc-cathode", "csp-cathode", 30);
  await expect(page).toHaveURL(/\/campaigns\/camp_[^/]+$/);
  await shell.waitForHydration();
  const dashboard = new DashboardPage(page);
  await page.getByRole("button", { name: "Start campaign" }).click();
  // Progress reaches the page over the websocket only.
  await expect(dashboard.status).toHaveText("completed", { timeout: 25_000 });
  expect(await violations()).toEqual([]);
});

test("the API documentation viewers work under their policy", async ({ page }) => {
  const violations = await watchCsp(page);
  await page.goto("/v1/docs");
  await expect(page.locator(".swagger-ui .info .title")).toContainText("MatterCraft API");
  expect(await violations()).toEqual([]);
  await page.goto("/v1/redoc");
  await expect(page.getByRole("heading", { name: /MatterCraft API/ }).first()).toBeVisible();
  await expect(page.getByText("/v1/status").first()).toBeAttached();
  expect(await violations()).toEqual([]);
});
