import { expect, test } from "@playwright/test";
import { ShellPage } from "./fixtures/shell_page";

test("the home page renders its content and the server status @nojs", async ({ page }) => {
  const shell = new ShellPage(page);
  const response = await shell.goto("/");
  expect(response?.status()).toBe(200);
  await expect(page).toHaveTitle("MatterCraft");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(
    "From a material idea to a physical object",
  );
  for (const area of ["Campaigns", "Print", "Orders", "Settings", "API docs"]) {
    await expect(shell.nav.getByRole("link", { name: area })).toBeVisible();
  }
  await expect(page.getByRole("heading", { name: "Discover" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Make" })).toBeVisible();
  const status = page.getByRole("region", { name: "This server" });
  await expect(status).toContainText("Database");
  await expect(status).toContainText("sqlite");
});

test("the navigation reaches each area and marks the current one @nojs", async ({ page }) => {
  const shell = new ShellPage(page);
  await shell.goto("/");
  await shell.nav.getByRole("link", { name: "Campaigns" }).click();
  await expect(page).toHaveURL(/\/campaigns$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Campaigns");
  await expect(shell.nav.getByRole("link", { name: "Campaigns" })).toHaveAttribute(
    "aria-current",
    "page",
  );
});

test("keyboard users can skip straight to the content @nojs", async ({ page }) => {
  await page.goto("/");
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to content" });
  await expect(skip).toBeFocused();
});
