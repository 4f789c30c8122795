import { expect, test } from "@playwright/test";

test("an unknown page shows the styled 404 with status 404 @nojs", async ({ page }) => {
  const response = await page.goto("/no/such/page");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Page not found");
  await expect(page.getByRole("link", { name: "Go to the home page" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
});

test("an unknown API route answers JSON, not a page @nojs", async ({ request }) => {
  const response = await request.get("/v1/no/such/route");
  expect(response.status()).toBe(404);
  const body = await response.json();
  expect(body.error).toBe("not_found");
  expect(body.request_id).toMatch(/^req_/);
  expect(response.headers()["x-request-id"]).toBe(body.request_id);
});
