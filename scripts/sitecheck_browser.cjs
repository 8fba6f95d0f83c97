#!/usr/bin/env node
// Browser half of scripts/sitecheck: axe-core and page weight in headless Chromium.
//
//   node scripts/sitecheck_browser.cjs CONFIG.json RESULT.json
//
// CONFIG (written by scripts/sitecheck):
//   {"modules": "<dir holding node_modules>", "chrome": "/usr/bin/chromium", "args": [...],
//    "origin": "http://127.0.0.1:PORT", "baseUrl": "https://notes.example.org/" or "",
//    "modes": [{"scheme": "light", "viewport": "phone", "width": 390, "height": 844, "mobile": true}, ...],
//    "pages": [{"name": "home", "path": "/", "status": 200, "axe": true, "weight": true}, ...]}
//
// Every page is opened once per mode (a fresh browser context each time, so colour scheme and
// viewport cannot leak from one load into the next). Requests to anything but the local server
// are aborted and reported: the checked site must not need the network. Requests to the
// configured base URL are answered from the local server. Weight is recorded for every load, as
// decoded bytes and as gzip would send them (zlib's default level, what servers commonly use;
// images as they are); the caller judges the gzip weight on the desktop/light load. Modules come
// from CONFIG.modules (the sitecheck cache), never from the repository.
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const {createRequire} = require('module');

const [configPath, resultPath] = process.argv.slice(2);
if (!configPath || !resultPath) {
  console.error('usage: node sitecheck_browser.cjs CONFIG.json RESULT.json');
  process.exit(2);
}
const cfg = JSON.parse(fs.readFileSync(configPath, 'utf8'));
const req = createRequire(path.join(cfg.modules, 'package.json'));
const {chromium} = req('playwright-core');
const AxeBuilder = req('@axe-core/playwright').default;
const axeVersion = req('axe-core/package.json').version;

const origin = cfg.origin.replace(/\/$/, '');
const baseUrl = cfg.baseUrl ? cfg.baseUrl.replace(/\/?$/, '/') : '';

function kindOf(resourceType) {
  return ['document', 'stylesheet', 'script', 'font', 'image'].includes(resourceType) ? resourceType : 'other';
}

async function load(browser, page, mode) {
  const context = await browser.newContext({
    colorScheme: mode.scheme,
    viewport: {width: mode.width, height: mode.height},
    isMobile: !!mode.mobile,
    hasTouch: !!mode.mobile,
    deviceScaleFactor: mode.mobile ? 3 : 1,
    serviceWorkers: 'block',
  });
  const blocked = [];
  await context.route(() => true, async route => {
    const url = route.request().url();
    if (url.startsWith(origin + '/') || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    if (baseUrl && url.startsWith(baseUrl)) {
      // Chromium cannot redirect https onto plain http, so fetch the local copy and answer with it.
      try {
        return await route.fulfill({response: await route.fetch({url: origin + '/' + url.slice(baseUrl.length)})});
      } catch (e) {
        return route.abort('failed');
      }
    }
    blocked.push(url);
    return route.abort('blockedbyclient');
  });
  const tab = await context.newPage();
  const responses = [];
  const failed = [];
  const consoleErrors = [];
  tab.on('response', r => responses.push(r));
  tab.on('requestfailed', r => {
    if (!blocked.includes(r.url())) failed.push(`${r.url()} (${(r.failure() || {}).errorText})`);
  });
  tab.on('console', m => { if (m.type() === 'error') consoleErrors.push(m.text().slice(0, 300)); });
  tab.on('pageerror', e => consoleErrors.push(String(e).slice(0, 300)));

  const out = {page: page.name, path: page.path, scheme: mode.scheme, viewport: mode.viewport};
  const t0 = Date.now();
  try {
    const resp = await tab.goto(origin + page.path, {waitUntil: 'load', timeout: 30000});
    out.status = resp ? resp.status() : null;
    // a page that fills itself in (the search page's results): check it once it has
    if (page.waitFor) await tab.waitForSelector(page.waitFor, {timeout: 15000});

    let expectedErrors = 0;
    const weight = {bytes: {document: 0, stylesheet: 0, script: 0, font: 0, image: 0, other: 0},
                    gzip: {document: 0, stylesheet: 0, script: 0, font: 0, image: 0, other: 0},
                    requests: {document: 0, stylesheet: 0, script: 0, font: 0, image: 0, other: 0},
                    resources: []};
    for (const r of responses) {
      let body = Buffer.alloc(0);
      try { body = await r.body(); } catch (e) { body = Buffer.alloc(0); }  // decoded body: before compression
      let kind = kindOf(r.request().resourceType());
      // the favicon is fetched as type "other": count anything served as an image as an image
      if (kind === 'other' && /^image\//.test(r.headers()['content-type'] || '')) kind = 'image';
      const type = r.headers()['content-type'] || '';
      const text = kind !== 'image' && kind !== 'font' || /svg|xml|text/.test(type);
      const gz = text && body.length ? zlib.gzipSync(body).length : body.length;
      weight.bytes[kind] += body.length;
      weight.gzip[kind] += gz;
      weight.requests[kind] += 1;
      weight.resources.push({url: r.url(), kind, status: r.status(), bytes: body.length, gzip: gz});
      const isMain = r.request().isNavigationRequest() && r.frame() === tab.mainFrame();
      if (r.status() >= 400 && !(isMain && r.status() === page.status)) failed.push(`${r.url()} (HTTP ${r.status()})`);
      if (isMain && r.status() >= 400 && r.status() === page.status) expectedErrors += 1;
    }
    out.weight = weight;
    // Chromium logs "Failed to load resource: ... 404" for the 404 page itself: that one is expected
    for (; expectedErrors > 0; expectedErrors--) {
      const i = consoleErrors.findIndex(m => /^Failed to load resource: .*status of 4\d\d/.test(m));
      if (i >= 0) consoleErrors.splice(i, 1);
    }
    out.overflow = await tab.evaluate(() => {
      const el = document.scrollingElement || document.documentElement;
      return el.scrollWidth > window.innerWidth ? el.scrollWidth - window.innerWidth : 0;
    });
    if (page.axe) {
      const res = await new AxeBuilder({page: tab}).setLegacyMode(true).analyze();
      out.axe = {
        violations: res.violations.map(v => ({
          id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
          nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: (n.failureSummary || '').slice(0, 400)})),
        })),
        incomplete: res.incomplete.map(v => v.id),
        passes: res.passes.length,
      };
    }
  } catch (e) {
    out.error = String(e).slice(0, 600);
  }
  out.ms = Date.now() - t0;
  out.blocked = blocked;
  out.failed = failed;
  out.console = consoleErrors;
  await context.close();
  return out;
}

(async () => {
  const browser = await chromium.launch({executablePath: cfg.chrome, headless: true, args: cfg.args});
  const result = {chromium: browser.version(), axe: axeVersion, origin, loads: []};
  // A few loads at once: a load mostly waits (on the server, on Chromium's IPC), not computes.
  const jobs = cfg.pages.flatMap(page => cfg.modes.map(mode => ({page, mode})));
  let next = 0;
  async function worker() {
    while (next < jobs.length) {
      const i = next++;
      const {page, mode} = jobs[i];
      const r = await load(browser, page, mode);
      result.loads[i] = r;
      const axe = r.axe ? `${r.axe.violations.length} axe violation(s)` : 'no axe';
      console.error(`  ${page.name} ${page.path} [${mode.scheme}/${mode.viewport}]: ` +
                    (r.error ? `ERROR ${r.error}` : axe) + ` (${r.ms} ms)`);
    }
  }
  try {
    await Promise.all(Array.from({length: Math.max(1, cfg.parallel || 1)}, worker));
  } finally {
    await browser.close();
  }
  fs.writeFileSync(resultPath, JSON.stringify(result, null, 1));
})().catch(e => { console.error('sitecheck_browser: ' + (e && e.stack || e)); process.exit(2); });
