// html_check.js: open refheap's HTML report in headless Chromium through
// the DevTools protocol and report what a reader would see, as JSON on
// stdout. Used by html_report.sh. The protocol runs over a pipe
// (--remote-debugging-pipe: NUL-terminated JSON on the browser's fds 3
// and 4), so any Node.js does (Debian 12's 18 included) and no npm
// package is needed.
//
//   node html_check.js CHROMIUM REPORT.html PROFILE_DIR HOARD LEAK
//
// Printed: console errors and exceptions, requests other than the file
// itself, the planted suspect's path labels, whether expanding the first
// dominator node shows its children, and the type table before and after
// a click on its "count" header.
'use strict';
const { spawn } = require('child_process');

const [chromium, file, profile, hoard, leak] = process.argv.slice(2);
const url = 'file://' + file;

function fail(msg) {
  console.error('html_check.js: ' + msg);
  process.exit(2);
}

const browser = spawn(chromium, [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--user-data-dir=' + profile, '--remote-debugging-pipe', 'about:blank',
], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
const timer = setTimeout(() => { browser.kill('SIGKILL'); fail('timed out'); }, 60000);
let stderr = '';
browser.stderr.on('data', (d) => { stderr += d; });
browser.on('exit', (code) => { if (!finished) fail('chromium exited ' + code + ':\n' + stderr); });
let finished = false;
const toBrowser = browser.stdio[3], fromBrowser = browser.stdio[4];

run().catch((e) => { browser.kill('SIGKILL'); fail(String(e && e.stack || e)); });

async function run() {
  let id = 0;
  const pending = new Map();
  const out = { console_errors: [], requests: [] };
  let sessionId = null;
  let loaded = null;
  const loadedP = new Promise((res) => { loaded = res; });
  let buf = '';
  fromBrowser.on('data', (d) => {
    buf += d.toString('utf8');
    let k;
    while ((k = buf.indexOf('\0')) >= 0) {
      const msg = JSON.parse(buf.slice(0, k));
      buf = buf.slice(k + 1);
      onMessage(msg);
    }
  });
  const onMessage = (msg) => {
    if (msg.id && pending.has(msg.id)) {
      const { res, rej } = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error) rej(new Error(JSON.stringify(msg.error)));
      else res(msg.result);
      return;
    }
    if (msg.method === 'Runtime.consoleAPICalled' &&
        (msg.params.type === 'error' || msg.params.type === 'assert' || msg.params.type === 'warning'))
      out.console_errors.push(msg.params.type + ': ' + msg.params.args.map((a) => a.value).join(' '));
    if (msg.method === 'Runtime.exceptionThrown')
      out.console_errors.push('exception: ' + JSON.stringify(msg.params.exceptionDetails.text) +
        ' ' + JSON.stringify(msg.params.exceptionDetails.exception && msg.params.exceptionDetails.exception.description));
    if (msg.method === 'Log.entryAdded' && (msg.params.entry.level === 'error' || msg.params.entry.level === 'warning'))
      out.console_errors.push('log: ' + msg.params.entry.text);
    if (msg.method === 'Network.requestWillBeSent' && msg.params.request.url !== url)
      out.requests.push(msg.params.request.url);
    if (msg.method === 'Page.loadEventFired') loaded();
  };
  const sendTo = (session, method, params) => new Promise((res, rej) => {
    const n = ++id;
    pending.set(n, { res, rej });
    const m = { id: n, method, params: params || {} };
    if (session) m.sessionId = session;
    toBrowser.write(JSON.stringify(m) + '\0');
  });
  const send = (method, params) => sendTo(sessionId, method, params);
  const evaluate = async (expr) => {
    const r = await send('Runtime.evaluate', { expression: expr, returnByValue: true, awaitPromise: true });
    if (r.exceptionDetails) throw new Error('evaluate: ' + JSON.stringify(r.exceptionDetails));
    return r.result.value;
  };
  // A page of our own, attached with a flat session.
  const { targetId } = await sendTo(null, 'Target.createTarget', { url: 'about:blank' });
  ({ sessionId } = await sendTo(null, 'Target.attachToTarget', { targetId, flatten: true }));
  await send('Runtime.enable');
  await send('Log.enable');
  await send('Network.enable');
  await send('Page.enable');
  await send('Page.navigate', { url });
  await loadedP;
  // The suspects and their paths
  out.title = await evaluate('document.title');
  out.scripts = await evaluate('document.querySelectorAll("script").length');
  out.images = await evaluate('document.querySelectorAll("img").length');
  out.hoard = await evaluate(`(() => {
    const d = document.querySelector('#suspects .suspect.set[data-addr="${hoard}"]');
    if (!d) return null;
    return { text: d.querySelector('p').textContent,
             labels: Array.from(d.querySelectorAll('ol.path li .label')).map((e) => e.textContent),
             root: (d.querySelector('ol.path li .root') || {}).textContent };
  })()`);
  out.leak = await evaluate(`(() => {
    const d = document.querySelector('#suspects .suspect.leak[data-addr="${leak}"]');
    return d ? d.textContent : null;
  })()`);
  out.garbage = await evaluate(`Array.from(document.querySelectorAll('#suspects .suspect.cycle code.addr')).map((e) => e.textContent)`);
  // Expand the first dominator node: its children must become visible.
  out.dom = await evaluate(`(() => {
    const det = document.querySelector('#domtree > details.dom');
    if (!det) return null;
    const child = det.querySelector(':scope > details, :scope > div.leaf');
    // A closed <details> keeps its content in the DOM but renders none of it.
    const visible = () => !!child && child.checkVisibility() && child.offsetHeight > 0;
    const before = { open: det.open, childVisible: visible() };
    det.querySelector(':scope > summary').click();
    const after = { open: det.open, childVisible: visible() };
    return { addr: det.getAttribute('data-addr'), before, after,
             child: child ? child.getAttribute('data-addr') : null };
  })()`);
  // Sort the type table by count (descending), twice (ascending).
  out.types = await evaluate(`(() => {
    const t = document.getElementById('types-table');
    const col = (i) => Array.from(t.tBodies[0].rows).map((r) => Number(r.cells[i].getAttribute('data-v')));
    const th = t.tHead.rows[0].cells[2];
    th.click();
    const desc = col(2);
    th.click();
    const asc = col(2);
    return { rows: desc.length, desc, asc };
  })()`);
  await new Promise((r) => setTimeout(r, 200));
  console.log(JSON.stringify(out));
  clearTimeout(timer);
  finished = true;
  browser.kill('SIGTERM');
  setTimeout(() => process.exit(0), 100);
}
