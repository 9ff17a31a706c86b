// Measures how long the dashboard takes to load in headless Chromium (Debian's package), for docs/dashboard.md.
// Not a test: a measurement. Uses the playwright-core driver that Microsoft.Playwright ships in the test output
// (build tests/Regsosek.Dashboard.Tests first). Usage:
//   node scripts/dashboard-load-time.js http://127.0.0.1:50052/ [runs] [width]
// Prints, per run: time to the first view drawn (DOMContentLoaded), to every view loaded (body[data-ready]),
// and the page's own measure from its start to the last view (data-load-ms); then the median of each.
const path = require("path");
const driver = path.join(__dirname, "..", "tests", "Regsosek.Dashboard.Tests", "bin", "Release", "net10.0", ".playwright", "package");
const { chromium } = require(driver);

(async () => {
  const url = process.argv[2] || "http://127.0.0.1:50052/";
  const runs = Number(process.argv[3] || 7);
  const width = Number(process.argv[4] || 1280);
  const browser = await chromium.launch({ executablePath: process.env.REGSOSEK_CHROMIUM || "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
  const rows = [];
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    const page = await context.newPage();
    const started = Date.now();
    await page.goto(url, { waitUntil: "domcontentloaded" });
    const dom = Date.now() - started;
    await page.waitForSelector("body[data-ready='true']", { timeout: 30000 });
    const ready = Date.now() - started;
    const own = Number(await page.getAttribute("body", "data-load-ms"));
    const requests = await page.evaluate(() => performance.getEntriesByType("resource").length + 1);
    rows.push({ dom, ready, own, requests });
    console.log(`run ${i + 1}: DOMContentLoaded ${dom} ms, all views ${ready} ms (page's own measure ${own} ms), ${requests} requests`);
    await context.close();
  }
  const median = (k) => rows.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(rows.length / 2)];
  console.log(`median of ${runs}: DOMContentLoaded ${median("dom")} ms, all views ${median("ready")} ms`);
  await browser.close();
})().catch((e) => { console.error(e); process.exit(1); });
