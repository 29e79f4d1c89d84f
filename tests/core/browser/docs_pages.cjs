// Loads each documentation page in headless Chromium and reports, as JSON on stdout, every
// request the page made (URL, resource type, status or failure) and every console error.
// argv: <playwright-core dir> <chromium path> <base url> <path>...
const { chromium } = require(process.argv[2]);
const { launch, record } = require("../../support/page_recorder.cjs");
const [executablePath, base, ...paths] = process.argv.slice(3);
const READY = { "/api/docs/": ".swagger-ui .opblock", "/api/redoc/": "[role=menu] li, .menu-content li" };

(async () => {
  const browser = await launch(chromium, executablePath);
  const report = {};
  try {
    for (const path of paths) {
      const page = await browser.newPage();
      const entry = { requests: [], consoleErrors: [], rendered: false };
      report[path] = entry;
      record(page, () => entry);
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
