// screenshot.js: the README's picture of `refheap report`, from headless
// Chromium through the DevTools protocol (Node 20+, --experimental-websocket).
//
//   node --experimental-websocket doc/screenshot.js CHROMIUM REPORT.html OUT.png PROFILE_DIR
//
// Expands the first dominator node, then captures the page from the
// "Largest retained sets" heading down (960 x 600 CSS pixels at 0.8 scale, to keep the PNG small).
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const [chromium, file, out, profile] = process.argv.slice(2);
const browser = spawn(chromium, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
  '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--hide-scrollbars', '--user-data-dir=' + profile, '--remote-debugging-port=0', '--window-size=960,800',
  'about:blank'], { stdio: ['ignore', 'ignore', 'pipe'] });
let err = '', started = false;
browser.stderr.on('data', async (d) => {
  err += d;
  const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
  if (!m || started) return;
  started = true;
  try {
    const port = /:(\d+)\//.exec(m[1])[1];
    const page = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()).find((t) => t.type === 'page');
    const ws = new WebSocket(page.webSocketDebuggerUrl);
    await new Promise((r) => { ws.onopen = r; });
    let id = 0; const pend = new Map(); let loaded;
    const loadP = new Promise((r) => { loaded = r; });
    ws.onmessage = (e) => { const x = JSON.parse(e.data);
      if (x.id && pend.has(x.id)) { pend.get(x.id)(x.result); pend.delete(x.id); }
      if (x.method === 'Page.loadEventFired') loaded(); };
    const send = (method, params) => new Promise((r) => { const n = ++id; pend.set(n, r);
      ws.send(JSON.stringify({ id: n, method, params: params || {} })); });
    await send('Page.enable');
    await send('Page.navigate', { url: 'file://' + file });
    await loadP;
    const r = await send('Runtime.evaluate', { returnByValue: true, expression: `(() => {
      const d = document.querySelector('#domtree > details.dom'); if (d) d.open = true;
      const h = document.getElementById('retained');
      return h.getBoundingClientRect().top + window.scrollY - 12; })()` });
    const shot = await send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true,
      clip: { x: 0, y: r.result.value, width: 960, height: 600, scale: 0.8 } });
    fs.writeFileSync(out, Buffer.from(shot.data, 'base64'));
    ws.close(); browser.kill('SIGTERM'); process.exit(0);
  } catch (e) { console.error(e); browser.kill('SIGKILL'); process.exit(2); }
});
setTimeout(() => { browser.kill('SIGKILL'); console.error('timed out'); process.exit(2); }, 60000);
