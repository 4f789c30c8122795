import { expect, test } from "@playwright/test";
import { ShellPage } from "./fixtures/shell_page";

test.use({ colorScheme: "light" });

test("the page hydrates and the theme toggle works and persists across reloads", async ({ page }) => {
  const shell = new ShellPage(page);
  await shell.goto("/");
  await shell.waitForHydration();
  expect(await shell.theme()).toBeNull();
  await expect(shell.themeToggle).toHaveAttribute("aria-pressed", "false");

  await shell.themeToggle.click();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
  await expect(shell.themeToggle).toHaveAttribute("aria-pressed", "true");
  const darkBackground = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);

  await page.reload();
  // Applied before hydration by the boot script, then reflected by the hydrated toggle.
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
  await shell.waitForHydration();
  await expect(shell.themeToggle).toHaveAttribute("aria-pressed", "true");
  expect(await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor)).toBe(
    darkBackground,
  );

  await shell.themeToggle.click();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "light");
  await page.reload();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "light");
  expect(await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor)).not.toBe(
    darkBackground,
  );
});

test("client-side navigation after hydration keeps the layout", async ({ page }) => {
  const shell = new ShellPage(page);
  await shell.goto("/");
  await shell.waitForHydration();
  await shell.nav.getByRole("link", { name: "Print" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Print");
  await expect(page).toHaveTitle("Print · MatterCraft");
});
