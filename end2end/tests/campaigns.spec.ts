import { expect, test, type APIRequestContext } from "@playwright/test";
import { AuthPages, uniqueEmail } from "./fixtures/auth_pages";
import { agentKeyFor } from "./fixtures/mailbox";
import { ShellPage } from "./fixtures/shell_page";

/** A small battery campaign from the built-in template; returns its id. */
async function createCampaign(request: APIRequestContext, key: string, name: string): Promise<string> {
  const res = await request.post("/v1/campaigns", {
    headers: { Authorization: `Bearer ${key}` },
    data: {
      template_id: "battery/nmc-cathode",
      name,
      overrides: {
        optimizer: {
          budget: 16,
          batch_size: 4,
          active_learning: { initial_samples: 8, convergence_threshold: 0 },
          surrogate_config: { epochs: 40 },
        },
      },
    },
  });
  expect(res.status(), await res.text()).toBe(201);
  return (await res.json()).data.id;
}

async function waitUntilFinished(request: APIRequestContext, key: string, id: string) {
  await expect
    .poll(
      async () => {
        const res = await request.get(`/v1/campaigns/${id}`, {
          headers: { Authorization: `Bearer ${key}` },
        });
        return (await res.json()).data.status;
      },
      { timeout: 60_000, intervals: [1_000] },
    )
    .toBe("completed");
}

test("a campaign started from its dashboard fills in its charts live, without a reload", async ({ page, request }) => {
  const auth = new AuthPages(page);
  const shell = new ShellPage(page);
  const email = uniqueEmail("campaigns");
  await auth.signUp("Ada Campaigner", email);
  await auth.expectAccount(email);
  const key = await agentKeyFor(request, email);
  const id = await createCampaign(request, key, "cathode-screen");

  await page.goto("/campaigns");
  await shell.waitForHydration();
  const row = page.getByRole("row", { name: /cathode-screen/ });
  await expect(row).toContainText("created");
  await expect(row).toContainText("0 / 16");
  await row.getByRole("link", { name: "cathode-screen" }).click();
  await expect(page).toHaveURL(new RegExp(`/campaigns/${id}$`));
  await expect(page.getByTestId("campaign-status")).toHaveText("created");

  const hv = page.locator("svg.hv-chart");
  await expect(hv).toHaveAttribute("data-points", "0");
  await page.getByRole("button", { name: "Start campaign" }).click();
  // No reload: the dashboard follows the run over its websocket.
  await expect(page.getByTestId("campaign-status")).toHaveText("completed", { timeout: 60_000 });
  await expect(hv).toHaveAttribute("data-points", "3");
  await expect(page.getByText("Evaluations: 16 of 16")).toBeVisible();
  await expect(page.locator("svg.hv-chart")).toHaveAttribute("data-points", "3");
  const pareto = page.locator("svg.pareto-chart");
  await expect(pareto).toHaveAttribute("data-points", "16");
  expect(Number(await pareto.getAttribute("data-front"))).toBeGreaterThan(0);
  await expect(page.getByRole("row", { name: /c1-1/ })).toBeVisible();
});

test("a finished campaign's dashboard shows its charts without JavaScript @nojs", async ({
  page,
  request,
}) => {
  const auth = new AuthPages(page);
  const email = uniqueEmail("campaigns-nojs");
  await auth.signUp("Grace Static", email);
  await auth.expectAccount(email);
  const key = await agentKeyFor(request, email);
  const id = await createCampaign(request, key, "static-screen");
  const start = await request.post(`/v1/campaigns/${id}/start`, {
    headers: { Authorization: `Bearer ${key}` },
  });
  expect(start.status()).toBe(202);
  await waitUntilFinished(request, key, id);

  await page.goto(`/campaigns/${id}`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("static-screen");
  await expect(page.getByTestId("campaign-status")).toHaveText("completed");
  await expect(page.locator("svg.hv-chart")).toHaveAttribute("data-points", "3");
  await expect(page.getByRole("img", { name: /Pareto front/ })).toBeVisible();

  // An unknown (or another account's) campaign is simply not found.
  await page.goto(`/campaigns/not-a-campaign`);
  await expect(page.locator("main")).toContainText(/not found/i);
});
