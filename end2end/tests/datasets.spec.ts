import { expect, test } from "@playwright/test";
import { AuthPages, uniqueEmail } from "./fixtures/auth_pages";
import { ShellPage } from "./fixtures/shell_page";

const CSV = [
  "temperature,pressure,catalyst,yield,cost",
  ...Array.from({ length: 14 }, (_, i) => `${300 + 10 * i},${1 + i / 10},${i % 2 ? "Pt" : "Pd"},${(0.3 + i / 50).toFixed(3)},${10 + i}`),
].join("\n") + "\n";

test("a dataset uploads with progress and opens on its preview", async ({ page }) => {
  const auth = new AuthPages(page);
  const shell = new ShellPage(page);
  const email = uniqueEmail("datasets");
  await auth.signUp("Dana Set", email);
  await auth.expectAccount(email);

  await page.goto("/datasets");
  await shell.waitForHydration();
  await expect(page.getByText("No datasets yet.")).toBeVisible();
  await page.getByLabel("File").setInputFiles({ name: "screen.csv", mimeType: "text/csv", buffer: Buffer.from(CSV) });
  await page.getByLabel("Name (optional)").fill("Catalyst screen");
  await page.getByRole("button", { name: "Upload" }).click();

  await expect(page).toHaveURL(/\/datasets\/ds_/);
  await expect(page.getByRole("heading", { level: 1, name: "Catalyst screen" })).toBeVisible();
  await expect(page.getByTestId("dataset-rows")).toHaveText("14");
  const preview = page.getByTestId("dataset-preview");
  await expect(preview.getByRole("columnheader")).toHaveText(["temperature", "pressure", "catalyst", "yield", "cost"]);
  await expect(preview.locator("tbody tr")).toHaveCount(10);
  await expect(preview.locator("tbody tr").first()).toContainText("300");
  await expect(page.locator(".columns-list")).toContainText("catalyst text · 0 empty");

  await page.goto("/datasets");
  await expect(page.getByRole("row", { name: /Catalyst screen/ })).toContainText("14");
});

test("a file that is not a table is refused with the server's reason and a request id", async ({ page }) => {
  const auth = new AuthPages(page);
  const shell = new ShellPage(page);
  const email = uniqueEmail("datasets-bad");
  await auth.signUp("Dana Broken", email);
  await auth.expectAccount(email);
  await page.goto("/datasets");
  await shell.waitForHydration();
  await page.getByLabel("File").setInputFiles({ name: "ragged.csv", mimeType: "text/csv", buffer: Buffer.from("a,b\n1,2\n3\n") });
  await page.getByRole("button", { name: "Upload" }).click();
  const error = page.getByTestId("upload-error");
  await expect(error).toContainText("line 3");
  await expect(error).toContainText("request id");
  await expect(page).toHaveURL(/\/datasets$/);
});
