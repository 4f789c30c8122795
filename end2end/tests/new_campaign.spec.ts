import { expect, test } from "@playwright/test";
import { AuthPages, uniqueEmail } from "./fixtures/auth_pages";
import { DashboardPage, NewCampaignPage } from "./fixtures/discover_pages";
import { ShellPage } from "./fixtures/shell_page";

test("a campaign created from the template gallery runs live on its dashboard", async ({ page }) => {
  const auth = new AuthPages(page);
  const shell = new ShellPage(page);
  const email = uniqueEmail("gallery");
  await auth.signUp("Rosalind Gallery", email);
  await auth.expectAccount(email);

  await page.goto("/campaigns");
  await page.getByRole("link", { name: "New campaign" }).click();
  const creator = new NewCampaignPage(page);
  await expect(page).toHaveURL(/\/campaigns\/new$/);
  await shell.waitForHydration();
  const card = creator.card("nmc-cathode");
  await expect(card).toContainText("battery");
  await expect(card).toContainText("Default budget");
  // Budget 30: a 10-point initial design and two batches of 10, three iterations in seconds.
  await creator.createFromTemplate("nmc-cathode", "gallery-cathode", 30);

  await expect(page).toHaveURL(/\/campaigns\/camp_[^/]+$/);
  const dashboard = new DashboardPage(page);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("gallery-cathode");
  await expect(dashboard.status).toHaveText("created");
  await expect(page.getByText("Evaluations: 0 of 30")).toBeVisible();
  await expect(dashboard.hypervolume).toHaveAttribute("data-points", "0");
  await shell.waitForHydration();

  // Record every point count the chart shows, and mark the document: a reload would lose both.
  await page.evaluate(() => {
    const w = window as unknown as { seen: string[]; noReload: boolean };
    w.noReload = true;
    w.seen = [];
    new MutationObserver(() => {
      const n = document.querySelector("svg.hv-chart")?.getAttribute("data-points");
      if (n && w.seen[w.seen.length - 1] !== n) w.seen.push(n);
    }).observe(document.querySelector("main")!, { subtree: true, childList: true, attributes: true });
  });
  await page.getByRole("button", { name: "Start campaign" }).click();
  await expect(dashboard.status).toHaveText("completed", { timeout: 25_000 });
  await expect(dashboard.hypervolume).toHaveAttribute("data-points", "3");
  const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
  expect(seen.filter((n) => n !== "0").length, `point counts seen: ${seen}`).toBeGreaterThan(1);
  expect(await page.evaluate(() => (window as unknown as { noReload?: boolean }).noReload)).toBe(true);

  // Three objectives: parallel coordinates, one line per evaluation, the front emphasised.
  await expect(dashboard.pareto).toHaveAttribute("data-kind", "parallel");
  await expect(dashboard.pareto).toHaveAttribute("data-axes", "3");
  await expect(dashboard.pareto).toHaveAttribute("data-points", "30");
  expect(Number(await dashboard.pareto.getAttribute("data-front"))).toBeGreaterThan(0);
  await expect(page.getByRole("img", { name: /Parallel coordinates of 3 objectives/ })).toBeVisible();

  // The candidates table sorts by a column from the keyboard, both ways.
  const iteration = dashboard.header("Iteration");
  await expect(iteration).toHaveAttribute("aria-sort", "none");
  await expect(dashboard.header("Pareto")).toHaveAttribute("aria-sort", "descending");
  const sortByIteration = iteration.getByRole("button");
  await sortByIteration.press("Enter");
  await expect(iteration).toHaveAttribute("aria-sort", "ascending");
  await expect(sortByIteration).toBeFocused();
  expect((await dashboard.candidateOrder())[0]).toBe("c1-1");
  await sortByIteration.press("Enter");
  await expect(iteration).toHaveAttribute("aria-sort", "descending");
  expect((await dashboard.candidateOrder())[0]).toMatch(/^c3-/);
  await expect(dashboard.header("Pareto")).toHaveAttribute("aria-sort", "none");

  // The log tail and the CSV export (the session cookie is enough for /v1).
  await expect(page.locator("ol.log-tail li").first()).toBeVisible();
  const csvLink = page.getByRole("link", { name: "Download results (CSV)" });
  const csv = await page.request.get((await csvLink.getAttribute("href"))!);
  expect(csv.status()).toBe(200);
  expect(csv.headers()["content-type"]).toContain("text/csv");
  expect((await csv.text()).trim().split("\n")).toHaveLength(31);

  // The run is a job: listed on /jobs and shown on its own page.
  await shell.nav.getByRole("link", { name: "Jobs" }).click();
  const row = page.getByRole("row", { name: /gallery-cathode/ });
  await expect(row).toContainText("completed");
  await expect(row).toContainText("iteration 3 / 3");
  await row.getByRole("link", { name: /^job_/ }).click();
  await expect(page.getByTestId("job-status")).toHaveText("completed");
  await expect(page.getByText("Iteration 3 of 3")).toBeVisible();
  await expect(page.locator("ol.log-tail li").first()).toBeVisible();
});

test("the MDL editor flags a problem at its path as you type, and the server agrees", async ({ page }) => {
  const auth = new AuthPages(page);
  const shell = new ShellPage(page);
  const email = uniqueEmail("mdl-editor");
  await auth.signUp("Marie Editor", email);
  await auth.expectAccount(email);

  const creator = new NewCampaignPage(page);
  await creator.goto();
  await shell.waitForHydration();
  await expect(creator.issues).toContainText("No problems found");
  const example = await creator.editor.inputValue();
  expect(example).toContain("bounds: [0.2, 5]");

  // Type the reversed bounds over the first parameter's, key by key.
  const at = example.indexOf("[0.2, 5]");
  await creator.editor.focus();
  await creator.editor.evaluate((el: HTMLTextAreaElement, [start, end]) => {
    el.setSelectionRange(start, end);
  }, [at, at + "[0.2, 5]".length]);
  await page.keyboard.type("[5, 1]");
  const bounds = creator.issueAt("parameters[0].bounds");
  await expect(bounds).toBeVisible();
  await expect(bounds).toHaveAttribute("data-level", "error");
  await expect(creator.editor).toHaveAttribute("aria-invalid", "true");
  await expect(page).toHaveURL(/\/campaigns\/new$/);

  // Submitted anyway, the server reports the same problem at the same path (422).
  await creator.createFromMdl.click();
  await expect(
    page.getByTestId("server-issues").locator('[data-testid="mdl-issue"][data-path="parameters[0].bounds"]'),
  ).toBeVisible();
  await expect(page).toHaveURL(/\/campaigns\/new$/);

  // Fixing it clears the problem, and the document becomes a campaign.
  await creator.editor.fill(example);
  await expect(bounds).toHaveCount(0);
  await expect(creator.issues).toContainText("No problems found");
  await expect(creator.editor).toHaveAttribute("aria-invalid", "false");
  await creator.createFromMdl.click();
  await expect(page).toHaveURL(/\/campaigns\/camp_[^/]+$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("membrane-screen");
  await expect(page.locator("svg.pareto-chart")).toHaveAttribute("data-kind", "scatter");
});

test("a template becomes a campaign, runs and shows its job with forms alone @nojs", async ({ page }) => {
  const auth = new AuthPages(page);
  const email = uniqueEmail("gallery-nojs");
  await auth.signUp("Dorothy Static", email);
  await auth.expectAccount(email);

  await page.goto("/templates");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Templates");
  const gallery = new NewCampaignPage(page);
  await expect(gallery.card("ro-membrane")).toBeVisible();
  // Budget 10: the initial design alone, one iteration.
  await gallery.createFromTemplate("nmc-cathode", "static-cathode", 10);
  await expect(page).toHaveURL(/\/campaigns\/camp_[^/]+$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("static-cathode");

  // A second campaign of the same name shows the reason on its card: without JavaScript the form
  // post comes back to the gallery with the error in the query; once hydrated (which may happen
  // before the click) the action shows the server's message in place.
  await page.goto("/templates");
  await gallery.createFromTemplate("nmc-cathode", "static-cathode", 10);
  if (test.info().project.name === "js-off") {
    await expect(page).toHaveURL(/\/templates\?template=battery%2Fnmc-cathode&error=conflict$/);
  }
  await expect(gallery.card("nmc-cathode")).toContainText("already exists");

  await page.goto("/campaigns");
  await page.getByRole("link", { name: "static-cathode" }).click();
  const dashboard = new DashboardPage(page);
  await expect(dashboard.status).toHaveText("created");
  await page.getByRole("button", { name: "Start campaign" }).click();
  // The form post (or, once hydrated, the action) has landed before the page reloads.
  await expect(dashboard.status).not.toHaveText("created");
  await expect
    .poll(
      async () => {
        await page.reload();
        return dashboard.status.textContent();
      },
      { timeout: 20_000, intervals: [500] },
    )
    .toBe("completed");
  await expect(dashboard.hypervolume).toHaveAttribute("data-points", "1");
  await expect(page.getByRole("img", { name: /Pareto front/ })).toBeVisible();

  await page.goto("/jobs");
  const row = page.getByRole("row", { name: /static-cathode/ });
  await expect(row).toContainText("completed");
  await row.getByRole("link", { name: /^job_/ }).click();
  await expect(page.getByTestId("job-status")).toHaveText("completed");

  // The editor is there before any script runs, with the example already valid.
  await page.goto("/campaigns/new");
  await expect(page.getByLabel("MDL document (YAML)")).toHaveValue(/name: membrane-screen/);
  await expect(page.getByTestId("mdl-issues")).toContainText("No problems found");
});
