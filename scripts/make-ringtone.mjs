// Synthesises public/ringtone.wav, the ringer's looped ringtone (run after
// changing it: node scripts/make-ringtone.mjs). One 2 s cycle of a classic
// double ring (400 Hz + 450 Hz, 0.4 s on, 0.2 s off, 0.4 s on, 1 s off) as
// 8-bit mono PCM at 8 kHz: telephone quality, 16 kB, played by every browser.
import { writeFileSync } from 'node:fs';

const RATE = 8000;
const CYCLE_S = 2;
const BURSTS = [
  [0, 0.4],
  [0.6, 1.0],
];
const FADE_S = 0.01; // no clicks at the edges of a burst

const samples = new Uint8Array(RATE * CYCLE_S);
for (let i = 0; i < samples.length; i++) {
  const t = i / RATE;
  const burst = BURSTS.find(([from, to]) => t >= from && t < to);
  let v = 0;
  if (burst) {
    const edge = Math.min(t - burst[0], burst[1] - t);
    const gain = Math.min(1, edge / FADE_S) * 0.45;
    v = gain * (Math.sin(2 * Math.PI * 400 * t) + Math.sin(2 * Math.PI * 450 * t));
  }
  samples[i] = Math.round(128 + 127 * Math.max(-1, Math.min(1, v)));
}

const header = Buffer.alloc(44);
header.write('RIFF', 0);
header.writeUInt32LE(36 + samples.length, 4);
header.write('WAVE', 8);
header.write('fmt ', 12);
header.writeUInt32LE(16, 16); // fmt chunk size
header.writeUInt16LE(1, 20); // PCM
header.writeUInt16LE(1, 22); // mono
header.writeUInt32LE(RATE, 24);
header.writeUInt32LE(RATE, 28); // bytes per second
header.writeUInt16LE(1, 32); // block align
header.writeUInt16LE(8, 34); // bits per sample
header.write('data', 36);
header.writeUInt32LE(samples.length, 40);
writeFileSync(new URL('../public/ringtone.wav', import.meta.url), Buffer.concat([header, samples]));
