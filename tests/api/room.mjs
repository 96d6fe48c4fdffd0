// A WebSocket viewer of a live's chat, shared by the room, limit, viewer-count and cluster tests.
// viewer(server, liveId, token?) connects to `${base}/api/v1/lives/{id}/chat` (server: an object with
// .base, as startServer returns, or a base URL), retrying briefly while the handshake answers 404 (a
// live created through another instance is known here within a second) or 503 (an account this
// instance has not loaded yet: BUSY with Retry-After), and records every frame with its arrival time.
import WebSocket from 'ws';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// opts.lastId: resume after that room event (?last_id=, the room module's resume).
export async function viewer(server, liveId, token, opts = {}) {
  const base = typeof server === 'string' ? server : server.base;
  const q = [token ? `access_token=${encodeURIComponent(token)}` : '', opts.lastId !== undefined ? `last_id=${opts.lastId}` : ''].filter(Boolean).join('&');
  const url = `${base.replace(/^http/, 'ws')}/api/v1/lives/${liveId}/chat${q ? `?${q}` : ''}`;
  const end = Date.now() + 5000;
  for (;;) {
    const ws = new WebSocket(url);
    const frames = []; // {at: ms, f: frame}
    let upstream = null; // the instance port nginx's X-Upstream names (cluster suite)
    ws.on('upgrade', (res) => {
      const up = res.headers['x-upstream'];
      if (up) upstream = Number(String(up).split(/[\s,:]+/).filter(Boolean).pop());
    });
    ws.on('message', (d) => frames.push({ at: Date.now(), f: JSON.parse(d.toString()) }));
    try {
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('unexpected-response', (req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
        ws.once('error', reject);
      });
    } catch (e) {
      ws.terminate();
      if ((e.status === 404 || e.status === 503) && Date.now() < end) { await sleep(100); continue; }
      throw e;
    }
    return {
      ws, frames, upstream,
      send(obj) { ws.send(JSON.stringify(obj)); },
      chat(text) { ws.send(JSON.stringify({ type: 'chat', text })); },
      chats(text) { return frames.filter((x) => x.f.type === 'chat' && x.f.text === text); },
      errors(code) { return frames.filter((x) => x.f.type === 'error' && x.f.code === code).length; },
      lastCount() { return [...frames].reverse().find((x) => x.f.type === 'viewers')?.f.count; },
      lastUnique() { return [...frames].reverse().find((x) => x.f.type === 'viewers')?.f.unique; },
      lastSeq() { return Math.max(0, ...frames.filter((x) => x.f.seq && x.f.type !== 'resumed' && x.f.type !== 'resume_gap').map((x) => x.f.seq)); },
      async waitFor(pred, timeout = 3000) {
        const stop = Date.now() + timeout;
        for (;;) {
          const x = frames.find((y) => pred(y.f));
          if (x) return x;
          if (Date.now() > stop) throw new Error(`no matching frame in ${timeout} ms; got ${JSON.stringify(frames.map((y) => y.f)).slice(0, 2000)}`);
          await sleep(5);
        }
      },
      async settleCount(n, timeout = 6000) {
        const stop = Date.now() + timeout;
        while (this.lastCount() !== n && Date.now() < stop) await sleep(20);
        return this.lastCount();
      },
      close() { ws.terminate(); },
    };
  }
}

// After a bus outage: sends a chat from sa and from sb every 250 ms until each has received one of
// the other's (or timeout ms pass). Returns {backA: B -> A delivery works, backB: A -> B works}.
export async function crossDeliveryResumes(sa, sb, timeout) {
  const end = Date.now() + timeout;
  let n = 0, backA = false, backB = false;
  while (!(backA && backB) && Date.now() < end) {
    n++;
    if (!backB) sa.send({ type: 'chat', text: `after A ${n}` });
    if (!backA) sb.send({ type: 'chat', text: `after B ${n}` });
    await sleep(250);
    backB ||= sb.frames.some((x) => x.f.type === 'chat' && x.f.text.startsWith('after A'));
    backA ||= sa.frames.some((x) => x.f.type === 'chat' && x.f.text.startsWith('after B'));
  }
  return { backA, backB };
}
