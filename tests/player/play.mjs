// Test-only: plays a stream bundle to the end in Debian's chromium (no
// browser download: puppeteer-core), three ways, and fails on any player
// error: the bundle's page over http with hls.js (switching quality on the
// way), the DASH manifest with shaka-player (dash.html), and the page
// opened from disk (file://: each rung's file and the synced audio).
// Environment: CHROMIUM (executable), BASE (http://127.0.0.1:PORT serving
// /bundle/ and /player/), BUNDLE_DIR (the bundle on disk), SCREENSHOT
// (optional: a PNG of the page playing).
import puppeteer from "puppeteer-core";

const { CHROMIUM, BASE, BUNDLE_DIR, SCREENSHOT } = process.env;
const browser = await puppeteer.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ["--no-sandbox", "--autoplay-policy=no-user-gesture-required", "--mute-audio", "--allow-file-access-from-files"],
});

async function play(url, label, opts = {}) {
  const { switchTo, screenshot } = opts;
  const page = await browser.newPage();
  await page.setViewport({ width: 1000, height: 700 });
  const logs = [];
  page.on("console", (m) => logs.push(m.type() + ": " + m.text()));
  page.on("pageerror", (e) => logs.push("pageerror: " + e.message));
  await page.goto(url, { waitUntil: "load" });
  await page.waitForFunction(() => window.vidprism && window.vidprism.mode, { timeout: 20000 });
  await page.evaluate(() => {
    const v = document.getElementById("video");
    v.muted = true;
    v.play().catch((e) => window.vidprism.errors.push("play: " + e.message));
  });
  if (switchTo !== undefined) {
    await page.waitForFunction(() => document.getElementById("video").currentTime > 1, { timeout: 30000 });
    const rung = await page.evaluate((v) => {
      const q = document.getElementById("quality");
      q.value = v;
      q.dispatchEvent(new Event("change"));
      return q.options[q.selectedIndex].textContent;
    }, switchTo);
    // The switch happened: the pictures on screen are the chosen rung's.
    const height = parseInt(rung, 10);
    try {
      await page.waitForFunction((h) => document.getElementById("video").videoHeight === h, { timeout: 30000 }, height);
    } catch (e) {
      const now = await page.evaluate(() => document.getElementById("video").videoHeight);
      throw new Error(`${label}: switching to ${rung} left the video at ${now} lines`);
    }
    console.log(`switched ${label} to ${rung}`);
  }
  if (screenshot) {
    await page.waitForFunction(() => document.getElementById("video").currentTime > 2, { timeout: 30000 });
    await page.evaluate(() => document.getElementById("video").pause());
    // The storyboard preview, when the bundle has one: hover the bar.
    const bar = await page.$("#progress");
    const box = bar && (await bar.boundingBox());
    if (box) await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
    await new Promise((r) => setTimeout(r, 500));
    await page.screenshot({ path: screenshot });
    await page.evaluate(() => document.getElementById("video").play());
  }
  let state;
  try {
    await page.waitForFunction(() => window.vidprism.ended || window.vidprism.errors.length > 0, {
      timeout: 120000,
      polling: 250,
    });
  } finally {
    state = await page.evaluate(() => ({ ...window.vidprism, time: document.getElementById("video").currentTime }));
  }
  console.log(label, JSON.stringify(state));
  if (state.errors.length || !state.ended) {
    console.log(logs.join("\n"));
    throw new Error(label + ": " + (state.errors.join("; ") || "did not end"));
  }
  // Over http the page reads the bundle's storyboard for its hover tiles.
  if (opts.storyboard && !(state.storyboard > 0)) {
    throw new Error(label + ": the storyboard's cues were not read");
  }
  console.log("ended " + label);
  await page.close();
}

try {
  await play(`${BASE}/bundle/index.html?mode=hls.js`, "hls.js", { switchTo: "2", screenshot: SCREENSHOT, storyboard: true });
  await play(`${BASE}/player/dash.html?mpd=${encodeURIComponent(BASE + "/bundle/manifest.mpd")}`, "dash");
  await play(`file://${BUNDLE_DIR}/index.html`, "files", { switchTo: "1", storyboard: true });
} finally {
  await browser.close();
}
