// Writes docs/preview.png: the page, served from dist/site by a static server, showing a 422 with
// field errors next to their fields and the envelope open. Run after the browser build:
//   node tests/browser/screenshot.mjs
import { join } from "node:path";
import { ROOT, SITE, launchChromium, openPreview, serveStatic } from "./helpers.mjs";

const server = await serveStatic(SITE);
const browser = await launchChromium();
try {
  const { page } = await openPreview(browser, `${server.url}/preview/`, { viewport: { width: 860, height: 900 } });
  await page.fill("#account_id", "acct_1");
  await page.fill("#email", "ann.example.com");
  for (const p of ["read", "billing:write", "Admin"]) {
    await page.fill("#permission", p);
    await page.press("#permission", "Enter");
  }
  await page.click("#envelope-summary");
  await page.locator("#email").blur();
  const out = join(ROOT, "docs/preview.png");
  await page.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${out}: ${await page.textContent("#verdict")}`);
} finally {
  await browser.close();
  await server.close();
}
