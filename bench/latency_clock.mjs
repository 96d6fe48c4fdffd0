// The clock burnt into each frame by bench/latency.mjs, and its reader in the page.
//
// Writer (ffmpeg filter): settb + setpts=RTCTIME make a frame's timestamp its wall-clock capture
// time (ms since the epoch, taken when the -re paced source hands the frame on), then drawbox
// filters, each enabled by one bit of v = capture ms mod 2^24, paint a white box on a black band:
// bits 0..23 of v, then bits 0..7 of the checksum (v's three bytes summed, mod 256). setpts
// PTS-STARTPTS restores timestamps from 0 for the encoder. The band is BITS boxes of BOX x BOX px
// in ROWS rows at the top of the frame.
//
// Reader (runs in the page): on every presented frame (requestVideoFrameCallback) the band is
// drawn into a canvas; a box is 1 when the mean of its centre's 8x8 pixels is bright. Frames whose
// checksum does not match (a frame caught mid-change, coding noise) are counted as unreadable.
export const WIDTH = 640, HEIGHT = 360, FPS = 30;
const COLS = 16, ROWS = 2, BOX = WIDTH / COLS;

// The -filter:v argument.
export function clockFilter() {
  const v = 'mod(floor(t*1000+0.5),16777216)';
  const sum = `mod(mod(${v},256)+mod(floor(${v}/256),256)+floor(${v}/65536),256)`;
  const boxes = [];
  for (let i = 0; i < 32; i++) {
    const bit = i < 24 ? `mod(floor(${v}/${2 ** i}),2)` : `mod(floor(${sum}/${2 ** (i - 24)}),2)`;
    const x = (i % COLS) * BOX, y = Math.floor(i / COLS) * BOX;
    boxes.push(`drawbox=x=${x}:y=${y}:w=${BOX}:h=${BOX}:color=white:t=fill:enable='eq(${bit},1)'`);
  }
  return ['settb=1/1000', "setpts='RTCTIME/1000'", `drawbox=x=0:y=0:w=${WIDTH}:h=${ROWS * BOX}:color=black:t=fill`,
    ...boxes, 'setpts=PTS-STARTPTS'].join(',');
}

// Script text for page.evaluate: installs window.__g2g.{reset(), result()} in the live page.
export const decodeInPage = `((COLS, ROWS, BOX) => {
  const video = document.querySelector('#player');
  const canvas = document.createElement('canvas');
  const W = COLS * BOX, H = ROWS * BOX;
  canvas.width = W; canvas.height = H;
  const g = canvas.getContext('2d', { willReadFrequently: true });
  const st = { samples: [], bad: 0, stalls: 0, stalledMs: 0, waitingAt: 0, rates: new Set() };
  let played = false;
  video.addEventListener('playing', () => { if (st.waitingAt) { st.stalledMs += Date.now() - st.waitingAt; st.waitingAt = 0; } played = true; });
  video.addEventListener('waiting', () => { if (played && !st.waitingAt) { st.stalls++; st.waitingAt = Date.now(); } });
  const onFrame = (now, meta) => {
    const shown = performance.timeOrigin + (meta.expectedDisplayTime || now);
    const sx = video.videoWidth / W;
    g.drawImage(video, 0, 0, video.videoWidth, H * sx, 0, 0, W, H);
    const px = g.getImageData(0, 0, W, H).data;
    const bit = (i) => {
      const cx = (i % COLS) * BOX + BOX / 2, cy = Math.floor(i / COLS) * BOX + BOX / 2;
      let s = 0;
      for (let y = cy - 4; y < cy + 4; y++) for (let x = cx - 4; x < cx + 4; x++) s += px[(y * W + x) * 4 + 1];
      return s / 64 > 128 ? 1 : 0;
    };
    let v = 0, c = 0;
    for (let i = 0; i < 24; i++) v += bit(i) * 2 ** i;
    for (let i = 0; i < 8; i++) c += bit(24 + i) * 2 ** i;
    if (((v & 255) + ((v >> 8) & 255) + (v >> 16)) % 256 === c) {
      st.samples.push(((Math.round(shown) % 16777216) - v + 16777216) % 16777216);
    } else {
      st.bad++;
    }
    st.rates.add(video.playbackRate);
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
  window.__g2g = {
    reset() { st.samples = []; st.bad = 0; st.stalls = 0; st.stalledMs = 0; st.rates = new Set(); },
    result() { return { samples: st.samples, bad: st.bad, stalls: st.stalls, stalledMs: st.stalledMs, rates: [...st.rates] }; },
  };
})(${COLS}, ${ROWS}, ${BOX})`;
