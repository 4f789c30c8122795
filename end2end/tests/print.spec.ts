import { expect, test } from "@playwright/test";
import { AuthPages, uniqueEmail } from "./fixtures/auth_pages";
import { PrintPage } from "./fixtures/print_page";
import { ShellPage } from "./fixtures/shell_page";

/** A binary STL of an axis-aligned box from the origin to (x, y, z), outward normals. */
function boxStl(x: number, y: number, z: number): Buffer {
  const p = (i: number) => [i & 1 ? x : 0, i & 2 ? y : 0, i & 4 ? z : 0];
  // Each face's corners counter-clockwise seen from outside, as two triangles.
  const quads = [
    [0, 2, 3, 1], // z = 0
    [4, 5, 7, 6], // z = top
    [0, 1, 5, 4], // y = 0
    [2, 6, 7, 3], // y = top
    [0, 4, 6, 2], // x = 0
    [1, 3, 7, 5], // x = top
  ];
  const triangles = quads.flatMap(([a, b, c, d]) => [
    [a, b, c],
    [a, c, d],
  ]);
  const buf = Buffer.alloc(84 + 50 * triangles.length);
  buf.write("mattercraft e2e box", 0, "ascii");
  buf.writeUInt32LE(triangles.length, 80);
  triangles.forEach((t, i) => {
    const at = 84 + 50 * i;
    // The normal is left zero: readers recompute it from the winding.
    t.forEach((v, k) => p(v).forEach((c, axis) => buf.writeFloatLE(c, at + 12 + 12 * k + 4 * axis)));
  });
  return buf;
}

/** A binary STL of a closed UV sphere of radius `r` with `2 · rings · segments` triangles. */
function sphereStl(r: number, rings: number, segments: number): Buffer {
  const at = (i: number, j: number) => {
    const theta = (Math.PI * i) / rings;
    const phi = (2 * Math.PI * j) / segments;
    return [r * Math.sin(theta) * Math.cos(phi), r * Math.sin(theta) * Math.sin(phi), r * Math.cos(theta)];
  };
  const triangles: number[][][] = [];
  for (let i = 0; i < rings; i++) {
    for (let j = 0; j < segments; j++) {
      const [a, b, c, d] = [at(i, j), at(i + 1, j), at(i + 1, j + 1), at(i, j + 1)];
      triangles.push([a, b, c], [a, c, d]);
    }
  }
  const buf = Buffer.alloc(84 + 50 * triangles.length);
  buf.writeUInt32LE(triangles.length, 80);
  triangles.forEach((t, i) => t.forEach((v, k) => v.forEach((c, axis) => buf.writeFloatLE(c, 84 + 50 * i + 12 + 12 * k + 4 * axis))));
  return buf;
}

test("an STL uploads with progress, is analysed, shows in 3D, and its unit can be corrected", async ({ page }, testInfo) => {
  const auth = new AuthPages(page);
  const shell = new ShellPage(page);
  const print = new PrintPage(page);
  const email = uniqueEmail("print");
  await auth.signUp("Pat Printer", email);
  await auth.expectAccount(email);

  await print.goto();
  await shell.waitForHydration();
  await expect(print.noParts).toBeVisible();
  await expect(print.previewNote).toBeVisible();
  await print.upload("box.stl", boxStl(20, 30, 40));

  // The bytes go up with a progress bar, then the analysis runs.
  await expect(print.progress).toHaveAttribute("value", "100");
  await expect(print.uploaded).toBeVisible();
  await print.expectStatus("ready");
  await expect(print.uploadError).toHaveCount(0);

  // Metrics from the server.
  await expect(print.bbox).toHaveText("20 × 30 × 40 mm");
  await expect(print.volume).toHaveText("24 cm³");
  await expect(print.metrics).toContainText("Triangles12");
  await expect(print.warnings).toHaveText("No warnings.");
  await expect(print.unit("mm")).toBeChecked();

  // The 3D preview draws the part: many pixels are not background.
  await expect(print.preview).toBeVisible();
  await expect(print.preview).toHaveAttribute("data-first-frame-ms", /\d+/);
  await expect(print.previewDims).toHaveText("Bounding box: 20 × 30 × 40 mm");
  const drawn = await print.previewPixels();
  const total = 800 * 500;
  expect(drawn).toBeGreaterThan(total * 0.05);
  expect(drawn).toBeLessThan(total * 0.95);

  // Orbiting redraws on demand: the picture changes.
  const before = await print.previewPicture();
  await print.preview.scrollIntoViewIfNeeded();
  await print.preview.screenshot({ path: testInfo.outputPath("preview.png") });
  await print.orbitPreview(120, 30);
  await expect.poll(() => print.previewPicture()).not.toBe(before);
  await print.fitToView.click();
  expect(await print.previewPixels()).toBeGreaterThan(total * 0.05);

  // Inches: everything 25.4 times larger, at once and after a reload.
  // The page rescales at once, before the server has answered the save.
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route("**/api/fn/set_part_unit", async (route) => {
    await held;
    await route.continue();
  });
  await print.unit("in").check();
  await expect(print.bbox).toHaveText("20 × 30 × 40 in = 508 × 762 × 1016 mm", { timeout: 2_000 });
  await expect(print.volume).toHaveText("393289.536 cm³", { timeout: 1_000 });
  const saved = page.waitForResponse("**/api/fn/set_part_unit");
  release();
  expect((await saved).ok()).toBeTruthy();
  await expect(print.previewDims).toHaveText("Bounding box: 20 × 30 × 40 in");
  await expect(print.warnings).toContainText("Too large");
  await expect(print.part).toContainText("in (chosen by you)");

  await expect(page).toHaveURL(/\/print\?file=/);
  await expect.poll(async () => (await page.request.get(page.url().replace(/.*file=/, "/v1/files/"))).json())
    .toMatchObject({ selected_unit: "in" });
  await page.reload();
  await shell.waitForHydration();
  await expect(print.unit("in")).toBeChecked();
  await expect(print.bbox).toHaveText("20 × 30 × 40 in = 508 × 762 × 1016 mm");
  await expect(print.row(/box\.stl/)).toContainText("20 × 30 × 40 in");
  // A part from an earlier visit: its metrics, and a note where the preview would be.
  await expect(print.previewNote).toBeVisible();
});

test("a large part shows at once as a coarse proxy, then in full detail", async ({ page }) => {
  const auth = new AuthPages(page);
  const shell = new ShellPage(page);
  const print = new PrintPage(page);
  await auth.signUp("Pat Large", uniqueEmail("print-large"));
  await print.goto();
  await shell.waitForHydration();
  const logs: string[] = [];
  page.on("console", (m) => logs.push(m.text()));
  // 120,000 triangles: above the proxy threshold.
  await print.upload("ball.stl", sphereStl(25, 200, 300));
  await expect(print.preview).toHaveAttribute("data-first-frame-ms", /\d+/, { timeout: 30_000 });
  expect(logs.join("\n")).toContain("coarse proxy");
  await expect(print.preview).toBeVisible();
  expect(await print.previewPixels()).toBeGreaterThan(800 * 500 * 0.05);
  await expect(print.preview).toHaveAttribute("data-full-frame-ms", /\d+/, { timeout: 30_000 });
  expect(await print.previewPixels()).toBeGreaterThan(800 * 500 * 0.05);
  await print.expectStatus(/ready|failed/, { timeout: 30_000 });
});

test("a file that is not an STL is refused before uploading", async ({ page }) => {
  const auth = new AuthPages(page);
  const shell = new ShellPage(page);
  const print = new PrintPage(page);
  await auth.signUp("Pat Wrong", uniqueEmail("print-wrong"));
  await print.goto();
  await shell.waitForHydration();
  await print.upload("notes.txt", Buffer.from("hello"), "text/plain");
  await expect(print.uploadError).toContainText("not an STL file");
});

test("a corrupt STL fails its analysis with the reason", async ({ page }) => {
  const auth = new AuthPages(page);
  const shell = new ShellPage(page);
  const print = new PrintPage(page);
  await auth.signUp("Pat Corrupt", uniqueEmail("print-corrupt"));
  await print.goto();
  await shell.waitForHydration();
  const bad = Buffer.alloc(84 + 10);
  bad.writeUInt32LE(1000, 80);
  await print.upload("broken.stl", bad);
  await print.expectStatus("failed");
  await expect(print.analysisFailed).toContainText("The analysis failed: ");
});

test("visitors are invited to sign in @nojs", async ({ page }) => {
  const print = new PrintPage(page);
  await print.goto();
  await expect(print.heading).toHaveText("Print");
  await expect(print.signInInvite).toContainText("Sign in");
  await expect(print.preview).toHaveCount(0);
});

test("without JavaScript the page explains why and still lists parts and their metrics @js-off-only", async ({
  page,
}) => {
  const auth = new AuthPages(page);
  const print = new PrintPage(page);
  const email = uniqueEmail("print-nojs");
  await auth.signUp("Pat Static", email);
  await auth.expectAccount(email);

  // Upload through the API with the same session.
  const stl = boxStl(20, 30, 40);
  const presign = await page.request.post("/v1/files/presign", {
    data: { filename: "static-box.stl", content_type: "model/stl", size_bytes: stl.length },
  });
  expect(presign.status(), await presign.text()).toBe(201);
  const { file_id, upload_url } = await presign.json();
  const put = await page.request.put(upload_url, { headers: { "Content-Type": "model/stl" }, data: stl });
  expect(put.ok(), await put.text()).toBeTruthy();
  const confirm = await page.request.post("/v1/files/confirm", { data: { file_id } });
  expect(confirm.ok(), await confirm.text()).toBeTruthy();
  await expect.poll(async () => (await (await page.request.get(`/v1/files/${file_id}`)).json()).status).toBe("ready");

  await print.goto();
  await expect(print.noJsNote).toContainText("need JavaScript");
  const row = print.row(/static-box\.stl/);
  await expect(row).toContainText("Ready");
  await expect(row).toContainText("20 × 30 × 40 mm");
  await expect(row).toContainText("24 cm³");
  await row.getByRole("link", { name: "static-box.stl" }).click();
  await expect(page).toHaveURL(new RegExp(`/print\\?file=${file_id}`));
  await expect(print.bbox).toHaveText("20 × 30 × 40 mm");
  await expect(print.metrics).toContainText("Watertightyes");
  await expect(print.previewNote).toBeVisible();
});
