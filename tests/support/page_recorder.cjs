// Shared by the browser tests' page scripts (tests/core/browser/*.cjs; the checks are in
// tests/support/browser.py): launch Debian's Chromium headless, and record what a page does.

// No background traffic of Chromium's own (component updates, safe browsing): only the pages' requests.
async function launch(chromium, executablePath) {
  return chromium.launch({
    executablePath,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update"],
  });
}

// Records on `entry()` (called at each event: the entry of the page or step under way, with
// `requests` and `consoleErrors` arrays) every request the page makes (URL, resource type, status
// or failure) and every console error and uncaught page error. Nothing may leave the host: a
// request to another origin is recorded, then refused.
async function record(page, base, entry) {
  const origin = new URL(base).origin;
  const started = new WeakMap();  // a request belongs to the entry under way when it started
  page.on("request", (request) => started.set(request, entry()));
  page.on("requestfinished", async (request) => {
    const target = started.get(request) || entry();
    const response = await request.response();
    target.requests.push({ url: request.url(), method: request.method(), type: request.resourceType(),
                           status: response && response.status() });
  });
  page.on("requestfailed", (request) => {
    (started.get(request) || entry()).requests.push({
      url: request.url(), method: request.method(), type: request.resourceType(), failure: request.failure().errorText,
    });
  });
  page.on("console", (message) => {
    if (message.type() === "error") {
      const where = message.location();
      entry().consoleErrors.push(where && where.url ? `${message.text()} (${where.url})` : message.text());
    }
  });
  page.on("pageerror", (error) => entry().consoleErrors.push(String(error)));
  await page.route("**/*", (route) => {
    const url = new URL(route.request().url());
    return url.origin === origin || url.protocol === "data:" ? route.continue() : route.abort();
  });
}

module.exports = { launch, record };
