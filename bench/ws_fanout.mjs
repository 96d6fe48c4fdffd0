// Benchmark: chat fan-out. Opens N viewers on one live's chat, sends M messages from a signed-in
// buyer and prints how long until every viewer received every message, plus the server's RSS.
// Usage: node bench/ws_fanout.mjs [viewers=2000] [messages=20]
// Bounded: at most 10000 viewers, 200 messages, 60 s.
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { startServer, api, makeUser } from '../tests/api/lib.mjs';

const viewers = Math.min(Number(process.argv[2] || 2000), 10000);
const messages = Math.min(Number(process.argv[3] || 20), 200);
const srv = await startServer({ args: ['--demo'], env: { BROADCART_CHAT_RATE: '1000' } });
const deadline = setTimeout(() => { console.error('bench timed out'); srv.stop().finally(() => process.exit(1)); }, 60000);
try {
  const env = readFileSync(`${srv.dataDir}/demo-live.env`, 'utf8');
  const liveId = Number(/LIVE_ID=(\d+)/.exec(env)[1]);
  const buyer = await makeUser(srv, 'buyer');
  const url = `ws://127.0.0.1:${srv.port}/api/v1/lives/${liveId}/chat`;
  let received = 0;
  const expected = viewers * messages;
  let done;
  const allDone = new Promise((r) => { done = r; });
  const t0 = Date.now();
  const socks = [];
  for (let i = 0; i < viewers; i++) {
    const ws = new WebSocket(url);
    ws.on('message', (d) => {
      if (d.toString().includes('"type":"chat"') && ++received === expected) done();
    });
    socks.push(new Promise((r, j) => { ws.once('open', () => r(ws)); ws.once('error', j); }));
  }
  const open = await Promise.all(socks);
  const tOpen = Date.now() - t0;
  const sender = new WebSocket(`${url}?access_token=${buyer.token}`);
  await new Promise((r) => sender.once('open', r));
  const t1 = Date.now();
  for (let i = 0; i < messages; i++) sender.send(JSON.stringify({ type: 'chat', text: `bench message ${i}` }));
  await allDone;
  const dt = Date.now() - t1;
  const rss = readFileSync(`/proc/${srv.proc.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1];
  console.log(`viewers=${viewers} messages=${messages} connect_ms=${tOpen} deliveries=${expected} fanout_ms=${dt} ` +
    `deliveries_per_s=${Math.round(expected / (dt / 1000))} server_rss_kb=${rss}`);
  for (const ws of open) ws.terminate();
  sender.terminate();
  void api;
} finally {
  clearTimeout(deadline);
  await srv.stop();
}
