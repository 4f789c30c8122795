import { expect, test } from "@playwright/test";
import { AuthPages, uniqueEmail } from "./fixtures/auth_pages";
import { agentKeyFor } from "./fixtures/mailbox";
import { ShellPage } from "./fixtures/shell_page";

test("results entered in the lab panel are recorded and the campaign moves on", async ({ page, request }) => {
  const auth = new AuthPages(page);
  const shell = new ShellPage(page);
  const email = uniqueEmail("lab");
  await auth.signUp("Lab Scientist", email);
  await auth.expectAccount(email);
  const key = await agentKeyFor(request, email);
  const created = await request.post("/v1/campaigns", {
    headers: { Authorization: `Bearer ${key}` },
    data: {
      name: "bench",
      mdl: {
        name: "bench",
        domain: "lab",
        parameters: [{ name: "temp", type: "continuous", bounds: [300, 600] }],
        objectives: [
          { name: "yield", direction: "maximize" },
          { name: "cost", direction: "minimize" },
        ],
        optimizer: { budget: 10, batch_size: 2, seed: 3, active_learning: { initial_samples: 2 } },
        evaluator: { type: "external" },
      },
    },
  });
  expect(created.status(), await created.text()).toBe(201);
  const id = (await created.json()).data.id;
  const started = await request.post(`/v1/campaigns/${id}/start`, { headers: { Authorization: `Bearer ${key}` } });
  expect(started.status()).toBe(202);
  // The worker proposes the first batch of two.
  await expect
    .poll(
      async () =>
        (await (await request.get(`/v1/campaigns/${id}/candidates?status=pending`, {
          headers: { Authorization: `Bearer ${key}` },
        })).json()).data.length,
      { timeout: 20_000 },
    )
    .toBe(2);

  await page.goto(`/campaigns/${id}`);
  await shell.waitForHydration();
  const panel = page.getByTestId("lab-panel");
  await expect(panel.locator("form.lab-row")).toHaveCount(2);
  const first = panel.locator("form.lab-row").first();
  const firstId = await first.getAttribute("data-candidate");
  await first.getByLabel("yield").fill("0.42");
  await first.getByLabel("cost").fill("abc");
  await first.getByRole("button", { name: "Record" }).click();
  await expect(panel.getByRole("alert")).toContainText("must be a number");
  await first.getByLabel("cost").fill("12.5");
  await first.getByRole("button", { name: "Record" }).click();
  await expect(panel.locator("form.lab-row")).toHaveCount(1);
  const second = panel.locator("form.lab-row").first();
  await second.getByLabel("Measurement failed").check();
  await second.getByRole("button", { name: "Record" }).click();

  // The batch is complete: the campaign proposes the next two.
  await expect
    .poll(
      async () => {
        const res = await request.get(`/v1/campaigns/${id}/results`, { headers: { Authorization: `Bearer ${key}` } });
        return (await res.json()).data.pareto_front.length;
      },
      { timeout: 20_000 },
    )
    .toBe(2);
  const results = await (await request.get(`/v1/campaigns/${id}/results`, { headers: { Authorization: `Bearer ${key}` } })).json();
  const recorded = results.data.pareto_front.find((r: { id: string }) => r.id === firstId);
  expect(recorded.objectives).toEqual({ yield: 0.42, cost: 12.5 });
  await page.reload();
  await expect(page.getByTestId("lab-panel").locator("form.lab-row")).toHaveCount(2, { timeout: 20_000 });
});
