import { expect, test } from "@playwright/test";
import { AuthPages, PASSWORD, uniqueEmail } from "./fixtures/auth_pages";
import { mailTo, mailedLink } from "./fixtures/mailbox";
import { ShellPage } from "./fixtures/shell_page";

test("sign-up, sign-out and sign-in work with forms alone @nojs", async ({ page }) => {
  const auth = new AuthPages(page);
  const email = uniqueEmail("forms");
  await auth.signUp("Rosalind Franklin", email);
  await auth.expectAccount(email);
  await expect(page.getByRole("link", { name: "Rosalind Franklin" })).toBeVisible();
  await auth.signOut();
  await auth.signIn(email);
  await auth.expectAccount(email);
});

test("sign-up mails a confirmation link; until it is opened, signing in sends a new one @nojs", async ({
  page,
}) => {
  const auth = new AuthPages(page);
  const email = uniqueEmail("verify");
  await page.goto("/signup");
  await page.getByLabel("Name").fill("Dorothy Hodgkin");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Check your email");
  const first = await mailedLink(email, "/verify-email");
  expect(mailTo(email).at(-1)?.subject).toContain("Confirm");

  await auth.signIn(email);
  await expect(page.getByRole("alert")).toContainText("Confirm your email first");
  await expect.poll(() => mailTo(email).length).toBe(2);
  const second = await mailedLink(email, "/verify-email");
  expect(second).not.toBe(first);

  await page.goto(second);
  await page.getByRole("button", { name: "Confirm and sign in" }).click();
  await auth.expectAccount(email);
  await auth.signOut();
  await auth.signIn(email);
  await auth.expectAccount(email);
});

test("signing up again with a taken email changes nothing and tells the owner @nojs", async ({ page }) => {
  const auth = new AuthPages(page);
  const email = uniqueEmail("taken");
  await auth.signUp("First Owner", email);
  await auth.signOut();
  await page.goto("/signup");
  await page.getByLabel("Name").fill("Someone Else");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("someone else's password");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Check your email");
  await expect.poll(() => mailTo(email).some((m) => m.text.includes("/set-password?token="))).toBe(true);
  await auth.signIn(email, "someone else's password");
  await expect(page.getByRole("alert")).toHaveText("The email or password is not right.");
});

test("forgot password: the mailed link sets a new one and signs in @nojs", async ({ page }) => {
  const auth = new AuthPages(page);
  const email = uniqueEmail("forgot");
  await auth.signUp("Forgetful", email);
  await auth.signOut();
  await page.goto("/signin");
  await page.getByRole("link", { name: "Forgot password?" }).click();
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Mail me a link" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Check your email");
  await page.goto(await mailedLink(email, "/set-password"));
  await page.getByLabel("New password").fill("a brand new password");
  await page.getByRole("button", { name: "Set password and sign in" }).click();
  await auth.expectAccount(email);
  await auth.signOut();
  await auth.signIn(email, "a brand new password");
  await auth.expectAccount(email);
});

test("sign out everywhere ends the session of another browser", async ({ page, browser }) => {
  const auth = new AuthPages(page);
  const email = uniqueEmail("everywhere");
  await auth.signUp("Two Browsers", email);
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  const otherAuth = new AuthPages(otherPage);
  await otherAuth.signIn(email);
  await otherAuth.expectAccount(email);

  await page.goto("/account");
  await expect(page.getByRole("table").getByRole("row")).toHaveCount(3);
  await expect(page.getByText("(this browser)")).toBeVisible();
  await page.getByRole("button", { name: "Sign out everywhere" }).click();
  await expect(page).toHaveURL(/\/signin$/);

  await otherPage.goto("/account");
  await expect(otherPage).toHaveURL(/\/signin\?next=\/account$/);
  await other.close();
});

test("a wrong password shows one generic message @nojs", async ({ page }) => {
  const auth = new AuthPages(page);
  await auth.signIn(uniqueEmail("nobody"), "not the password");
  await expect(page.getByRole("alert")).toHaveText("The email or password is not right.");
});

test("a page that needs an account sends you to sign in and back @nojs", async ({ page }) => {
  const auth = new AuthPages(page);
  const email = uniqueEmail("return");
  await auth.signUp("Return Visitor", email);
  await auth.signOut();
  await page.goto("/settings/api-keys");
  await expect(page).toHaveURL(/\/signin\?next=\/settings\/api-keys$/);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("correct horse battery");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/settings\/api-keys$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("API keys");
});

test.describe("API keys", () => {
  test.use({ permissions: ["clipboard-read", "clipboard-write"] });

  test("create a scoped key, copy it once, revoke it, and the API refuses it", async ({
    page,
    request,
  }) => {
    const auth = new AuthPages(page);
    const shell = new ShellPage(page);
    const email = uniqueEmail("keys");
    await auth.signUp("Key Keeper", email);
    await auth.expectAccount(email);
    await auth.signOut();
    await auth.signIn(email);
    await auth.expectAccount(email);

    await page.goto("/settings/api-keys");
    await shell.waitForHydration();
    await page.getByLabel("Name").fill("lab robot");
    await page.getByRole("checkbox", { name: /^admin/ }).check();
    await page.getByRole("checkbox", { name: /^campaigns:read/ }).check();
    await page.getByRole("button", { name: "Create key" }).click();

    const keyField = page.getByRole("textbox", { name: "New API key" });
    await expect(keyField).toHaveValue(/^mc_test_[0-9a-f]{48}$/);
    const key = await keyField.inputValue();
    await expect(page.getByText("It is shown only this once")).toBeVisible();
    await page.getByRole("button", { name: "Copy" }).click();
    await expect(page.getByRole("button", { name: "Copied" })).toBeVisible();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);

    const row = page.getByRole("row", { name: /lab robot/ });
    await expect(row).toContainText("campaigns:read admin");
    await expect(row).toContainText(key.slice(0, 12));

    const before = await request.get("/v1/api-keys", { headers: { Authorization: `Bearer ${key}` } });
    expect(before.status()).toBe(200);

    // Shown once: after a reload only the prefix remains.
    await page.reload();
    await shell.waitForHydration();
    await expect(page.getByRole("textbox", { name: "New API key" })).toHaveCount(0);
    expect(await page.content()).not.toContain(key);

    await page.getByRole("button", { name: "Revoke key lab robot" }).click();
    await page.getByRole("button", { name: "Yes, revoke" }).click();
    await expect(page.getByRole("row", { name: /lab robot/ })).toContainText("Revoked");

    const after = await request.get("/v1/api-keys", { headers: { Authorization: `Bearer ${key}` } });
    expect(after.status()).toBe(401);
    expect((await after.json()).error).toBe("invalid_api_key");
  });
});
