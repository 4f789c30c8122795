import { expect, test, type Page } from "@playwright/test";

/** Fails any request that leaves this machine, and records it. */
async function offline(page: Page): Promise<string[]> {
  const outside: string[] = [];
  await page.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === "127.0.0.1" || url.hostname === "localhost" || url.protocol === "data:") {
      return route.continue();
    }
    outside.push(url.href);
    return route.abort();
  });
  return outside;
}

test("Swagger UI renders the API documentation offline", async ({ page }) => {
  const outside = await offline(page);
  await page.goto("/v1/docs");
  await expect(page.locator(".swagger-ui .info .title")).toContainText("MatterCraft API");
  await expect(page.locator(".opblock-summary-path", { hasText: "/v1/status" })).toBeVisible();
  expect(outside).toEqual([]);
});

test("ReDoc renders the API documentation offline", async ({ page }) => {
  const outside = await offline(page);
  await page.goto("/v1/redoc");
  await expect(page.getByRole("heading", { name: /MatterCraft API/ }).first()).toBeVisible();
  await expect(page.getByText("/v1/status").first()).toBeAttached();
  expect(outside).toEqual([]);
});
