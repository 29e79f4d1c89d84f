// Loads each documentation page in headless Chromium and reports, as JSON on stdout, every
// request the page made (URL, resource type, status or failure) and every console error.
// argv: <playwright-core dir> <chromium path> <base url> <path>...
const { chromium } = require(process.argv[2]);
const [executablePath, base, ...paths] = process.argv.slice(3);
const READY = { "/api/docs/": ".swagger-ui .opblock", "/api/redoc/": "[role=menu] li, .menu-content li" };

(async () => {
  const browser = await chromium.launch({
    executablePath,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update"],
  });
  const report = {};
  try {
    for (const path of paths) {
      const page = await browser.newPage();
      const entry = { requests: [], consoleErrors: [], rendered: false };
      report[path] = entry;
      page.on("requestfinished", async (request) => {
        const response = await request.response();
        entry.requests.push({ url: request.url(), type: request.resourceType(), status: response && response.status() });
      });
      page.on("requestfailed", (request) => {
        entry.requests.push({ url: request.url(), type: request.resourceType(), failure: request.failure().errorText });
      });
      page.on("console", (message) => {
        if (message.type() === "error") entry.consoleErrors.push(message.text());
      });
      page.on("pageerror", (error) => entry.consoleErrors.push(String(error)));
      // Nothing may leave the host: a request elsewhere is recorded, then refused here.
      await page.route("**/*", (route) => {
        const url = new URL(route.request().url());
        return url.origin === new URL(base).origin || url.protocol === "data:" ? route.continue() : route.abort();
      });
      await page.goto(base + path, { waitUntil: "networkidle", timeout: 20000 });
      try {
        await page.waitForSelector(READY[path], { timeout: 15000, state: "attached" });
        entry.rendered = true;
      } catch (error) {
        entry.renderError = String(error.message || error).split("\n")[0];
      }
      await page.waitForLoadState("networkidle");
      await page.waitForTimeout(500);  // late effects (ReDoc's footer logo mounts after the first render)
      entry.title = await page.title();
      await page.close();
    }
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(report));
})().catch((error) => { process.stderr.write(String(error && error.stack || error)); process.exit(1); });
