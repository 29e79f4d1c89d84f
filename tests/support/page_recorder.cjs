// Shared by the browser tests' page scripts (tests/core/browser/*.cjs; the checks are in
// tests/support/browser.py): launch Debian's Chromium headless, and record what a page does.
const net = require("net");

// A local port nothing listens on.
function closedPort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer().on("error", reject);
    server.listen(0, "127.0.0.1", () => { const { port } = server.address(); server.close(() => resolve(port)); });
  });
}

// Nothing may leave the host: every request to another host goes to a proxy on a closed local
// port and fails there (Chromium never proxies loopback), so it is refused without a byte sent
// or a name looked up, and shows as a failed request. This leaves Chromium's HTTP cache on, as
// an operator's browser has it (Playwright's request routing would turn it off). No background
// traffic of Chromium's own (component updates, safe browsing): only the pages' requests.
async function launch(chromium, executablePath) {
  return chromium.launch({
    executablePath,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", `--proxy-server=http://127.0.0.1:${await closedPort()}`],
  });
}

// Records on `entry()` (the entry of the page or step under way, with `requests` and
// `consoleErrors` arrays) every request the page makes (URL, method, resource type, status or
// failure) and every console error and uncaught page error.
function record(page, entry) {
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
}

module.exports = { launch, record };
