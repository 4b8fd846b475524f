// The detail pages of a sidecar right after its start, in headless Chromium
// (the system's, Debian package chromium, driven by playwright-core):
//
//   node check_history_charts.mjs BASE_URL SLO:CHART...
//
// For each SLO:CHART (CHART an svg id of /slo/SLO: burndown-0, burn-0), the
// chart must be drawn with a dotted line of reconstructed points spanning
// at least 90% of its width (the history covers the chart at once; the
// last hour or so is live), and its caption must say the dotted line is
// reconstructed. Fails (exit 1) on console or page errors too.
import { chromium } from 'playwright-core';

const [base, ...wanted] = process.argv.slice(2);
if (!base || wanted.length === 0) {
    console.error('usage: check_history_charts.mjs BASE_URL SLO:CHART...');
    process.exit(2);
}
let failed = 0;
const ok = (msg) => console.log(`  ok: ${msg}`);
const bad = (msg) => {
    console.log(`  FAIL: ${msg}`);
    failed = 1;
};

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium' });
try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (m) => m.type() === 'error' && bad(`console: ${m.text()}`));
    page.on('pageerror', (e) => bad(`page error: ${e.message}`));
    for (const want of wanted) {
        const [name, id] = want.split(':');
        const res = await page.goto(`${base}/slo/${encodeURIComponent(name)}`);
        if (!res || res.status() !== 200) {
            bad(`${name}: HTTP ${res ? res.status() : 'none'}`);
            continue;
        }
        {
            const chart = await page.$(`svg#${id}`);
            if (!chart) {
                bad(`${name}: no chart ${id} (${(await page.textContent('main'))?.slice(0, 200)})`);
                continue;
            }
            // The plot area's width, and the dotted line's extent on screen.
            const m = await chart.evaluate((svg) => {
                const frame = svg.querySelector('rect').getBoundingClientRect();
                const line = svg.querySelector('path.reconstructed');
                if (!line) return { frame: frame.width, span: 0 };
                const b = line.getBoundingClientRect();
                return { frame: frame.width, span: b.width, dash: line.getAttribute('stroke-dasharray') };
            });
            const caption = await chart.evaluate((svg) => svg.parentElement.querySelector('figcaption').textContent);
            const share = m.frame > 0 ? m.span / m.frame : 0;
            if (share < 0.9 || !m.dash) {
                bad(`${name} ${id}: the reconstructed line spans ${(share * 100).toFixed(0)}% of the chart`);
            } else if (!/Dotted: reconstructed/.test(caption)) {
                bad(`${name} ${id}: the caption does not explain the dotted line: ${caption}`);
            } else {
                ok(`${name} ${id}: reconstructed line over ${(share * 100).toFixed(0)}% of the chart`);
            }
        }
    }
} finally {
    await browser.close();
}
process.exit(failed);
