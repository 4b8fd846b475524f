// The status pages of a running sidecar in headless Chromium (the system's,
// Debian package chromium, driven by playwright-core; no browser download).
//
//   node check_status_page.mjs BASE_URL ARTIFACTS_DIR SLO...
//
// Opens / and /slo/SLO for each SLO on a desktop and on a phone viewport and fails
// (exit 1) on any console error, page error, failed request or request that
// leaves BASE_URL; checks that the HTML has no script and no external URL,
// that every SLO row shows the figures of the sidecar's own /api/v1/slos
// (fetched around the page load: the same evaluation), formatted as the page
// formats them, that the charts are drawn from recorded history, that tables
// have captions and header scopes, that status badges and text have WCAG AA
// contrast, and that the phone layout does not scroll sideways. Saves
// full-page screenshots in ARTIFACTS_DIR and prints their paths.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const [base, outDir, ...detailNames] = process.argv.slice(2);
if (!base || !outDir || detailNames.length === 0) {
    console.error('usage: check_status_page.mjs BASE_URL ARTIFACTS_DIR SLO...');
    process.exit(2);
}
const origin = new URL(base).origin;
let failed = 0;
const ok = (msg) => console.log(`  ok: ${msg}`);
const bad = (msg) => {
    console.log(`  FAIL: ${msg}`);
    failed = 1;
};

// ---- the page's number formats (src/serve/statuspage.c, as `slo-sidecar status`) ----
const NO = 'no data';
const pct = (v, d) => (v === null || v === undefined ? NO : `${(v * 100).toFixed(d)}%`);
const objective = (v) => `${parseFloat((v * 100).toPrecision(10))}%`;
const rate = (v) => {
    if (v === null || v === undefined) return NO;
    if (Math.abs(v) >= 100) return v.toFixed(0);
    if (Math.abs(v) >= 10) return v.toFixed(1);
    return v.toFixed(2);
};
const human = (secs) => {
    let s = Math.floor(secs);
    if (!(s > 0)) return '0s';
    const units = [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]];
    for (let i = 0; i < 3; i++) {
        const hi = Math.floor(s / units[i][1]);
        if (hi === 0) continue;
        const lo = Math.floor((s % units[i][1]) / units[i + 1][1]);
        return `${hi}${units[i][0]}${lo ? `${lo}${units[i + 1][0]}` : ''}`;
    }
    return `${s}s`;
};
const periodWin = (s) => s.windows[s.period] || s.windows.period;
const tte = (s) => {
    const b = s.error_budget;
    const t = b.time_to_exhaustion_seconds;
    if (t !== null) return t <= 0 ? 'now' : human(t);
    const h = s.windows['1h'];
    if (b.remaining_ratio !== null && h && h.burn_rate !== null && h.burn_rate <= 0)
        return 'not burning';
    return NO;
};
const groupKey = (s) => Object.entries(s.group || {}).map(([k, v]) => `${k}=${v}`).join(',');
const isoSeconds = (unix) => new Date(unix * 1000).toISOString().replace(/\.\d+Z$/, 'Z');

// What each index cell must read for entry s.
function expectedRow(s) {
    const w = (n) => (s.windows[n] ? s.windows[n].burn_rate : null);
    const firing = s.alerts.filter((a) => a.firing).map((a) => a.severity);
    return {
        Objective: objective(s.objective),
        SLI: pct(periodWin(s)?.sli, 3),
        'Budget left': pct(s.error_budget.remaining_ratio, 1),
        Status: s.status || NO,
        'Burn 1h': rate(w('1h')),
        'Burn 6h': rate(w('6h')),
        'Burn 1d': rate(w('1d')),
        'Alerts firing': firing.length ? firing.join(', ') : 'none',
        'Exhausted in': tte(s),
    };
}

async function api() {
    const r = await fetch(`${base}/api/v1/slos`);
    if (!r.ok) throw new Error(`GET /api/v1/slos: HTTP ${r.status}`);
    return r.text();
}

// A page with listeners that record every problem; allow404 for the unknown-SLO page.
async function watchedPage(context, label, allow404 = false) {
    const page = await context.newPage();
    const problems = [];
    page.on('console', (m) => {
        if (m.type() !== 'error') return;
        if (allow404 && /status of 404/.test(m.text())) return;
        problems.push(`console error: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
    page.on('request', (r) => {
        if (new URL(r.url()).origin !== origin) problems.push(`external request: ${r.url()}`);
    });
    page.on('response', (r) => {
        if (r.status() >= 400 && !(allow404 && r.status() === 404))
            problems.push(`HTTP ${r.status()}: ${r.url()}`);
    });
    page.problems = () => {
        if (problems.length === 0) ok(`${label}: no console errors, page errors or failed requests`);
        for (const p of problems) bad(`${label}: ${p}`);
    };
    return page;
}

// Checks of the raw HTML and headers of one response.
async function checkSource(resp, label, status) {
    const html = await resp.text();
    const h = resp.headers();
    if (resp.status() !== status) bad(`${label}: HTTP ${resp.status()}, expected ${status}`);
    if (!/^text\/html; charset=utf-8$/.test(h['content-type'] || ''))
        bad(`${label}: Content-Type ${h['content-type']}`);
    if (!/default-src 'none'/.test(h['content-security-policy'] || ''))
        bad(`${label}: no Content-Security-Policy default-src 'none'`);
    if (/<script/i.test(html)) bad(`${label}: has a <script>`);
    const ext = html.match(/(https?:)?\/\/[^\s"'<>)]+/g);
    if (ext) bad(`${label}: external URL(s) ${ext.slice(0, 3).join(' ')}`);
    if (/\b(NaN|nan|Infinity|undefined)\b/.test(html)) bad(`${label}: NaN, Infinity or undefined`);
    if (!/<meta name="viewport"/.test(html)) bad(`${label}: no viewport meta`);
    if (status === resp.status() && !/<script/i.test(html) && !ext)
        ok(`${label}: HTTP ${status}, text/html, CSP, no <script>, no external URL (${html.length} bytes)`);
}

// Accessibility basics in the rendered page: captions, scopes, labelled SVGs, contrast.
async function checkAccessibility(page, label) {
    const r = await page.evaluate(() => {
        const lum = (c) => {
            const m = c.match(/[\d.]+/g).map(Number);
            const f = (v) => {
                v /= 255;
                return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
            };
            return 0.2126 * f(m[0]) + 0.7152 * f(m[1]) + 0.0722 * f(m[2]);
        };
        const bg = (el) => {
            for (let e = el; e; e = e.parentElement) {
                const c = getComputedStyle(e).backgroundColor;
                if (c && !/rgba\(.*, 0\)|transparent/.test(c)) return c;
            }
            return 'rgb(255, 255, 255)';
        };
        const low = [];
        const seen = new Set();
        for (const el of document.querySelectorAll('body, td, th, a, .st, .muted, .firing, p, h1, h2, h3, caption, figcaption')) {
            if (!el.textContent.trim()) continue;
            const fg = getComputedStyle(el).color;
            const b = bg(el);
            const key = `${fg}|${b}`;
            if (seen.has(key)) continue;
            seen.add(key);
            const [l1, l2] = [lum(fg), lum(b)].sort((a, c) => c - a);
            const ratio = (l1 + 0.05) / (l2 + 0.05);
            if (ratio < 4.5) low.push(`${el.tagName}.${el.className} ${fg} on ${b}: ${ratio.toFixed(2)}`);
        }
        return {
            lang: document.documentElement.lang,
            tables: document.querySelectorAll('table').length,
            uncaptioned: [...document.querySelectorAll('table')].filter((t) => !t.caption).length,
            unscoped: [...document.querySelectorAll('th')].filter((t) => !t.getAttribute('scope')).length,
            svgs: document.querySelectorAll('svg').length,
            unlabelled: [...document.querySelectorAll('svg')].filter(
                (s) => s.getAttribute('role') !== 'img' || !s.getAttribute('aria-label') || !s.querySelector('title')).length,
            pairs: seen.size,
            low,
        };
    });
    if (r.lang !== 'en') bad(`${label}: <html lang> is ${r.lang}`);
    if (r.uncaptioned || r.unscoped) bad(`${label}: ${r.uncaptioned} table(s) without caption, ${r.unscoped} th without scope`);
    if (r.unlabelled) bad(`${label}: ${r.unlabelled} SVG(s) without role=img, aria-label and title`);
    for (const l of r.low) bad(`${label}: contrast below 4.5: ${l}`);
    if (!r.uncaptioned && !r.unscoped && !r.unlabelled && r.low.length === 0)
        ok(`${label}: ${r.tables} table(s) with captions and scoped headers, ${r.svgs} labelled SVG(s), ` +
           `${r.pairs} colour pairs at >= 4.5:1`);
}

async function noSidewaysScroll(page, label) {
    const r = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        inner: window.innerWidth,
    }));
    if (r.scroll > r.inner) bad(`${label}: page is ${r.scroll}px wide in a ${r.inner}px viewport`);
    else ok(`${label}: no horizontal overflow (${r.scroll}px <= ${r.inner}px)`);
}

async function shot(page, name) {
    const path = join(outDir, name);
    await page.screenshot({ path, fullPage: true });
    console.log(`  screenshot: ${path}`);
}

// With DOCS_IMG_DIR set: the README's pictures, 1000px wide; the detail page
// down to the end of its first burn-rate chart.
async function docShot(page, name, clipTo) {
    const dir = process.env.DOCS_IMG_DIR;
    if (!dir) return;
    mkdirSync(dir, { recursive: true });
    const path = join(dir, name);
    if (!clipTo) {
        await page.screenshot({ path, fullPage: true });
    } else {
        const box = await page.locator(clipTo).first().boundingBox();
        await page.screenshot({ path, fullPage: true,
            clip: { x: 0, y: 0, width: 1000, height: Math.ceil(box.y + box.height + 16) } });
    }
    console.log(`  docs picture: ${path}`);
}

// The index rows as the page shows them.
async function indexRows(page) {
    return page.$$eval('table.slos tbody tr', (trs) =>
        trs.map((tr) => {
            const cells = {};
            for (const td of tr.querySelectorAll('td')) cells[td.dataset.label] = td.innerText.trim();
            return {
                slo: tr.dataset.slo,
                group: tr.dataset.group,
                link: tr.querySelector('th a')?.getAttribute('href'),
                time: tr.querySelector('time')?.getAttribute('datetime') || null,
                cells,
            };
        }));
}

function compareIndex(rows, entries) {
    if (rows.length !== entries.length) bad(`index: ${rows.length} rows for ${entries.length} API entries`);
    for (const s of entries) {
        const key = groupKey(s);
        const name = s.name + (key ? `{${key}}` : '');
        const row = rows.find((r) => r.slo === s.name && r.group === key);
        if (!row) {
            bad(`index: no row for ${name}`);
            continue;
        }
        const want = expectedRow(s);
        const cells = row.cells;
        const diff = Object.entries(want).filter(([k, v]) => cells[k] !== v);
        if (row.link !== `slo/${encodeURIComponent(s.name)}`) diff.push(['link', row.link]);
        if (s.evaluated_at !== null && row.time !== isoSeconds(s.evaluated_at))
            diff.push(['time', `${row.time} vs ${isoSeconds(s.evaluated_at)}`]);
        if (!/^\d+[dhms](\d+[hms])? ago$/.test(row.cells['Last evaluation']))
            diff.push(['Last evaluation', row.cells['Last evaluation']]);
        if (diff.length)
            bad(`index: ${name}: shown vs API: ${diff.map(([k, v]) => `${k} ${JSON.stringify(cells[k])} != ${JSON.stringify(v)}`).join('; ')}`);
        else
            ok(`index: ${name}: ${Object.entries(want).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    }
}

// The page and /api/v1/slos of the same evaluation: the API read before and after the load agree.
async function loadConsistent(page, path) {
    for (let i = 0; i < 20; i++) {
        const a = await api();
        const resp = await page.goto(base + path, { waitUntil: 'load' });
        const b = await api();
        if (a === b) return { resp, entries: JSON.parse(a).data };
        await page.waitForTimeout(150);
    }
    throw new Error(`${path}: no two /api/v1/slos answers around a page load agreed`);
}

async function checkDetail(page, entries, detailName, label) {
    const mine = entries.filter((s) => s.name === detailName);
    const d = await page.evaluate(() => ({
        h1: document.querySelector('h1')?.innerText,
        figures: [...document.querySelectorAll('table.figures')].map((t) =>
            Object.fromEntries([...t.querySelectorAll('tr')].map((tr) =>
                [tr.querySelector('th').innerText.trim(), tr.querySelector('td').innerText.trim()]))),
        windows: [...document.querySelectorAll('table.windows')].map((t) =>
            [...t.querySelectorAll('tbody tr')].map((tr) =>
                [tr.querySelector('th').innerText, ...[...tr.querySelectorAll('td')].map((td) => td.innerText)])),
        paths: [...document.querySelectorAll('svg path.line')].map((p) => p.getAttribute('d')),
        ideal: document.querySelectorAll('svg line.ideal').length,
        refs: [...document.querySelectorAll('svg text')].map((t) => t.textContent).filter((t) => /x$/.test(t)),
        nochart: [...document.querySelectorAll('p.muted')].map((p) => p.innerText).filter((t) => /No chart/.test(t)),
    }));
    if (d.h1 !== detailName) bad(`${label}: h1 ${d.h1}`);
    if (d.figures.length !== mine.length) bad(`${label}: ${d.figures.length} figure tables for ${mine.length} entries`);
    mine.forEach((s, i) => {
        const f = d.figures[i] || {};
        const want = {
            Status: s.status || NO,
            'SLI over the period': pct(periodWin(s)?.sli, 3),
            'Exhausted in': tte(s),
        };
        const diff = Object.entries(want).filter(([k, v]) => f[k] !== v);
        const budget = f['Error budget left'];
        if (budget !== pct(s.error_budget.remaining_ratio, 1)) diff.push(['Error budget left', budget]);
        const rows = d.windows[i] || [];
        for (const [wname, w] of Object.entries(s.windows)) {
            const r = rows.find((x) => x[0] === wname);
            const wantRow = [wname, ...['good', 'bad', 'total'].map((k) => (w[k] === null ? NO : null)),
                pct(w.sli, 3), pct(w.error_ratio, 3), rate(w.burn_rate)];
            if (!r) diff.push([`window ${wname}`, 'missing']);
            else if (r[4] !== wantRow[4] || r[5] !== wantRow[5] || r[6] !== wantRow[6])
                diff.push([`window ${wname}`, `${r.slice(4).join(' ')} != ${wantRow.slice(4).join(' ')}`]);
        }
        if (diff.length) bad(`${label}: entry ${i}: ${diff.map(([k, v]) => `${k}: ${v}`).join('; ')}`);
        else ok(`${label}: entry ${i}: status, SLI, budget, exhaustion and ${rows.length} windows as the API`);
    });
    // Seeded hourly points and live ones: a line of at least 10 points each.
    const drawn = d.paths.filter((p) => /^M[\d.]+,[\d.]+L/.test(p) && (p.match(/[ML]/g) || []).length >= 10);
    if (d.nochart.length || drawn.length !== d.paths.length || d.paths.length < 2)
        bad(`${label}: charts not drawn from history: ${d.paths.length} lines, ${d.nochart.join(' | ')}`);
    else
        ok(`${label}: ${d.paths.length} chart lines drawn from history (${d.paths.map((p) => (p.match(/[ML]/g) || []).length).join(', ')} points), reference lines ${[...new Set(d.refs)].join(' ')}`);
}

const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox'],
    headless: true,
});
try {
    mkdirSync(outDir, { recursive: true });
    const desktop = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    const phone = await browser.newContext({
        viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true,
    });
    let page = await watchedPage(desktop, 'desktop /');
    let { resp, entries } = await loadConsistent(page, '/');
    await checkSource(resp, 'desktop /', 200);
    compareIndex(await indexRows(page), entries);
    await checkAccessibility(page, 'desktop /');
    await noSidewaysScroll(page, 'desktop /');
    await shot(page, 'status-index-desktop.png');
    await docShot(page, 'status-index.png');
    page.problems();

    for (const name of detailNames) {
        const path = `/slo/${encodeURIComponent(name)}`;
        const label = `desktop ${path}`;

        page = await watchedPage(desktop, label);
        ({ resp, entries } = await loadConsistent(page, path));
        await checkSource(resp, label, 200);
        await checkDetail(page, entries, name, label);
        await checkAccessibility(page, label);
        await noSidewaysScroll(page, label);
        await shot(page, `status-detail-${name}-desktop.png`);
        if (name === detailNames[detailNames.length - 1])
            await docShot(page, 'status-detail.png', 'figure:has(svg[id^="burn-"])');
        page.problems();
    }

    page = await watchedPage(desktop, 'desktop /slo/no-such-slo', true);
    resp = await page.goto(`${base}/slo/no-such-slo`);
    await checkSource(resp, 'desktop /slo/no-such-slo', 404);
    if (!(await page.innerText('main')).includes('No SLO is named')) bad('unknown SLO page: no message');
    page.problems();

    // The phone: the index and the first detail page.
    const phonePages = [['/', 'status-index-phone.png'],
        [`/slo/${encodeURIComponent(detailNames[0])}`, `status-detail-${detailNames[0]}-phone.png`]];
    for (const [path, name] of phonePages) {
        page = await watchedPage(phone, `phone ${path}`);
        ({ resp, entries } = await loadConsistent(page, path));
        if (path === '/') compareIndex(await indexRows(page), entries);
        await noSidewaysScroll(page, `phone ${path}`);
        await shot(page, name);
        page.problems();
    }
} catch (e) {
    bad(`browser check stopped: ${e.stack || e}`);
} finally {
    await browser.close();
}
process.exit(failed);
