// The operator's flows through the admin and Swagger UI, in one headless Chromium session
// (tests/core/test_admin_browser.py prepares the data, runs this, and asserts on the report).
// argv: <playwright-core dir> <chromium path> <config JSON>
// Prints, as JSON on stdout, one entry per step: what the pages showed (`facts`), every request
// the step made, its console errors, the error that stopped it if any, and a screenshot of the
// page as the step left it.
const path = require("path");
const { chromium } = require(process.argv[2]);
const { launch, record } = require("../../support/page_recorder.cjs");
const executablePath = process.argv[3];
const config = JSON.parse(process.argv[4]);
const base = config.base;
const TIMEOUT = 15000;

const pathOf = (page) => new URL(page.url()).pathname;
const texts = (page, selector) => page.locator(selector).allTextContents()
  .then((all) => all.map((text) => text.replace(/\s+/g, " ").trim()));
const firstText = async (page, selector) => ((await texts(page, selector))[0] ?? null);

// Click a form's submit button and wait for the page it leads to (after any redirects): its response.
async function submit(page, selector) {
  const [response] = await Promise.all([page.waitForNavigation({ timeout: TIMEOUT }), page.click(selector)]);
  return response;
}

// What a Django admin page says about the last form or action: its messages and form errors.
async function adminFeedback(page) {
  return {
    path: pathOf(page),
    errornote: await firstText(page, ".errornote"),
    errors: await texts(page, ".errorlist li"),
    successes: await texts(page, "ul.messagelist li.success"),
    warnings: await texts(page, "ul.messagelist li.warning"),
    messageErrors: await texts(page, "ul.messagelist li.error"),
  };
}

// The icon a headed browser asks for on every page (the one the page links, else /favicon.ico),
// which headless Chromium skips: asked here from the page, so that a missing one is a failed
// request and a console error like any other. (Playwright reports no request whose URL ends in
// /favicon.ico: the query string makes this one an ordinary, recorded request.)
async function askForIcon(page) {
  const href = await page.evaluate(() => {
    const link = document.querySelector("link[rel~=icon]");
    return link ? link.href : new URL("/favicon.ico?asked-as-a-browser-would", document.baseURI).href;
  });
  await page.evaluate((url) => fetch(url, { credentials: "same-origin" }).then((r) => r.status, () => null), href);
}

const STEPS = {
  async login(page, facts) {
    const opened = await page.goto(`${base}/admin/login/?next=/admin/`);
    facts.loginStatus = opened.status();
    await page.fill("#id_username", config.admin.username);
    await page.fill("#id_password", config.admin.password);
    const landed = await submit(page, "#login-form [type=submit]");
    facts.status = landed.status();
    facts.path = pathOf(page);
    facts.userTools = await firstText(page, "#user-tools");
  },

  async partnerAppSecret(page, facts, context) {
    await page.goto(`${base}/admin/procurement/partnerapp/add/`);
    await page.fill("#id_name", config.appName);
    const reveal = await submit(page, "input[name=_save]");
    facts.revealPath = pathOf(page);
    facts.revealStatus = reveal.status();
    facts.revealCacheControl = (await reveal.allHeaders())["cache-control"] ?? null;
    facts.secrets = await texts(page, "code.partner-secret");
    facts.appLink = await page.locator("#partner-secrets a").first().getAttribute("href", { timeout: TIMEOUT });
    const again = await page.reload();
    facts.reloadStatus = again.status();
    facts.secretsAfterReload = await texts(page, "code.partner-secret");
    facts.cookies = await context.cookies();
    facts.storage = await page.evaluate(() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage } }));
    const list = await page.goto(`${base}/admin/procurement/partnerapp/`);
    facts.changelistStatus = list.status();
    facts.changelistRows = await texts(page, "#result_list tbody tr");
    facts.changelistHtml = await page.content();
    const change = await page.goto(new URL(facts.appLink, base).href);
    facts.changeStatus = change.status();
    facts.changeHtml = await page.content();
  },

  async illegalStatusMove(page, facts) {
    const opened = await page.goto(base + config.intent.changeUrl);
    facts.openStatus = opened.status();
    facts.statusOptions = await page.locator("#id_status option")
      .evaluateAll((options) => options.map((option) => option.value));
    facts.statusBefore = await page.locator("#id_status").inputValue();
    await page.selectOption("#id_status", config.intent.target);
    const saved = await submit(page, "input[name=_save]");
    facts.saveStatus = saved.status();
    Object.assign(facts, await adminFeedback(page));
    facts.statusErrors = await texts(page, ".field-status .errorlist li");
  },

  async phoneNumberUsername(page, facts) {
    const opened = await page.goto(`${base}/admin/accounts/user/add/`);
    facts.openStatus = opened.status();
    await page.fill("#id_username", config.newUser.username);
    await page.fill("#id_password1", config.newUser.password);
    await page.fill("#id_password2", config.newUser.password);
    const saved = await submit(page, "input[name=_save]");
    facts.saveStatus = saved.status();
    Object.assign(facts, await adminFeedback(page));
    facts.usernameErrors = await texts(page, ".field-username .errorlist li");
  },

  async deactivateTwoUsers(page, facts) {
    await page.goto(`${base}/admin/accounts/user/`);
    for (const id of config.deactivate) await page.check(`input.action-select[value="${id}"]`);
    await page.selectOption("select[name=action]", "deactivate_users");
    const done = await submit(page, "button[name=index]");
    facts.actionStatus = done.status();
    Object.assign(facts, await adminFeedback(page));
    const batches = await page.goto(`${base}/admin/accounts/statuschangebatch/`);
    facts.batchListStatus = batches.status();
    facts.batchRows = await texts(page, "#result_list tbody tr");
    const detail = await submit(page, "#result_list tbody tr:first-child th a");
    facts.batchDetailStatus = detail.status();
    facts.batchDetailPath = pathOf(page);
    // The read-only fields, by name: Django puts each in a .form-row.field-<name> with a div.readonly.
    facts.batchFields = await page.locator(".form-row").evaluateAll((rows) => Object.fromEntries(rows.flatMap((row) => {
      const name = [...row.classList].find((c) => c.startsWith("field-"));
      const value = row.querySelector(".readonly");
      return name && value ? [[name.slice(6), value.textContent.replace(/\s+/g, " ").trim()]] : [];
    })));
  },

  async swaggerTryItOut(page, facts) {
    const opened = await page.goto(`${base}/api/docs/`);
    facts.openStatus = opened.status();
    const operation = page.locator(".opblock.opblock-get")
      .filter({ has: page.locator(`.opblock-summary-path[data-path="${config.swaggerPath}"]`) });
    await operation.locator(".opblock-summary").first().click({ timeout: TIMEOUT });
    await operation.locator("button.try-out__btn").click({ timeout: TIMEOUT });
    await operation.locator("button.execute").click({ timeout: TIMEOUT });
    const live = operation.locator(".live-responses-table .response");
    await live.first().waitFor({ timeout: TIMEOUT });
    facts.requestUrl = await firstText(operation, ".request-url pre");
    facts.responseStatus = await firstText(operation, ".live-responses-table .response .response-col_status");
    facts.responseBody = await firstText(operation, ".live-responses-table .response-col_description pre");
  },
};

(async () => {
  const browser = await launch(chromium, executablePath);
  const report = {};
  let current = null;
  try {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(TIMEOUT);
    page.setDefaultNavigationTimeout(TIMEOUT);
    const spare = { requests: [], consoleErrors: [] };  // between steps (none expected)
    record(page, () => current || spare);
    let number = 0;
    for (const name of config.steps) {
      current = { facts: {}, requests: [], consoleErrors: [], error: null };
      report[name] = current;
      const started = Date.now();
      try {
        await STEPS[name](page, current.facts, context);
        await askForIcon(page);
        // Late requests and errors of this step's last page (scripts, images, the icon) belong to it.
        await page.waitForLoadState("networkidle", { timeout: TIMEOUT });
      } catch (error) {
        current.error = String(error && error.stack || error).split("\n").slice(0, 6).join("\n");
      }
      current.ms = Date.now() - started;
      number += 1;
      current.screenshot = path.join(config.screenshots, `${String(number).padStart(2, "0")}-${name}.png`);
      await page.screenshot({ path: current.screenshot, fullPage: true }).catch((error) => {
        current.screenshot = `(no screenshot: ${error})`;
      });
      current.url = page.url();
      current = null;
    }
    report._between = spare;
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(report));
})().catch((error) => { process.stderr.write(String(error && error.stack || error)); process.exit(1); });
