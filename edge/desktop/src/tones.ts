/**
 * Agent-side tones played in the page (WebAudio): the ring of an incoming call and DTMF feedback.
 * Tones are never injected into the WebRTC leg by rtpengine (that silences Chrome afterwards).
 */

let ctx: AudioContext | undefined;
let ringTimer: ReturnType<typeof setInterval> | undefined;

function audio(): AudioContext {
  ctx ??= new AudioContext();
  return ctx;
}

function beep(freqs: number[], ms: number, gain = 0.08): void {
  const a = audio();
  const g = a.createGain();
  g.gain.value = gain;
  g.connect(a.destination);
  for (const f of freqs) {
    const o = a.createOscillator();
    o.frequency.value = f;
    o.connect(g);
    o.start();
    o.stop(a.currentTime + ms / 1000);
  }
}

export function startRing(): void {
  stopRing();
  const ring = () => beep([440, 480], 1000);
  ring();
  ringTimer = setInterval(ring, 3000);
}

export function stopRing(): void {
  if (ringTimer) clearInterval(ringTimer);
  ringTimer = undefined;
}

const DTMF: Record<string, [number, number]> = {
  '1': [697, 1209],
  '2': [697, 1336],
  '3': [697, 1477],
  '4': [770, 1209],
  '5': [770, 1336],
  '6': [770, 1477],
  '7': [852, 1209],
  '8': [852, 1336],
  '9': [852, 1477],
  '*': [941, 1209],
  '0': [941, 1336],
  '#': [941, 1477],
};

export function tone(digit: string): void {
  const f = DTMF[digit];
  if (f) beep(f, 120);
}
