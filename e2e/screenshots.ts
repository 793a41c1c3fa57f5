/**
 * `npm run screenshots`: every state of every screen (support/screen-states.ts
 * in Chromium, support/firefox-states.ts in Firefox over the loopback push
 * path, where ringing really turns on), at 390×844 and 1280×900, light and
 * dark, into docs/screenshots/all/ (not committed), with one contact sheet
 * per browser and theme to look through. The README's few key shots go to
 * docs/screenshots/, and the manifest's install-dialog screenshots to
 * public/screenshots/.
 */
import { mkdirSync, rmSync } from 'node:fs';
import sharp from 'sharp';
import { startAutopushService } from './support/autopush-service';
import { launchChromium } from './support/chromium';
import { visitFirefoxStates, type ColorScheme } from './support/firefox-states';
import { CHROMIUM_STATES } from './support/screen-states';
import { startSenderApp } from './support/sender-app';
import { startServedApp } from './support/served-app';

const DOCS = new URL('../docs/screenshots/', import.meta.url).pathname;
const ALL = `${DOCS}all/`;
const PUBLIC = new URL('../public/screenshots/', import.meta.url).pathname;
const VIEWPORTS = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 900 } } as const;
const SCHEMES: ColorScheme[] = ['light', 'dark'];
/** The README's key shots: [file in docs/screenshots, shot in all/]. */
const KEY_SHOTS: [string, string][] = [
  ['signed-out', 'chromium/signed-out-phone-light'],
  ['ready', 'chromium/ready-phone-light'],
  ['on', 'firefox/on-phone-light'],
  ['ringing', 'firefox/ringing-phone-light'],
  ['blocked', 'chromium/blocked-phone-light'],
  ['error', 'chromium/error-phone-light'],
  ['needs-install', 'chromium/needs-install-phone-light'],
  ['install-guide', 'chromium/install-guide-phone-light'],
  ['unsupported', 'chromium/unsupported-phone-light'],
  ['compat', 'chromium/compat-phone-dark'],
  ['embed', 'chromium/embed-phone-dark'],
  ['home-desktop-dark', 'firefox/on-desktop-dark'],
];

rmSync(ALL, { recursive: true, force: true });
for (const dir of [`${ALL}chromium`, `${ALL}firefox`, PUBLIC]) mkdirSync(dir, { recursive: true });
const shots: string[] = [];
const saved = (file: string) => {
  shots.push(file);
  console.log(`docs/screenshots/all/${file}.png`);
};

// Chromium: a fresh profile per state.
const served = await startServedApp();
try {
  for (const state of CHROMIUM_STATES) {
    const context = await launchChromium(['--autoplay-policy=no-user-gesture-required']);
    try {
      const page = await state.open(served, await context.newPage());
      for (const [size, viewport] of Object.entries(VIEWPORTS)) {
        await page.setViewportSize(viewport);
        for (const colorScheme of SCHEMES) {
          await page.emulateMedia({ colorScheme, reducedMotion: 'reduce' });
          const file = `chromium/${state.name}-${size}-${colorScheme}`;
          await page.screenshot({ path: `${ALL}${file}.png`, fullPage: true });
          saved(file);
          // The manifest declares its screenshots' exact sizes: the viewport only.
          if (state.name === 'ready' && colorScheme === 'light') await page.screenshot({ path: `${ALL}manifest-${size === 'phone' ? 'narrow' : 'wide'}.png` });
        }
      }
    } finally {
      await context.close();
    }
  }
} finally {
  await served.close();
}

// Firefox: one run per theme (its theme is a browser preference).
const push = await startAutopushService();
const sender = await startSenderApp({ certFile: push.certFile, host: new URL(push.origin).hostname });
try {
  for (const scheme of SCHEMES) {
    await visitFirefoxStates(push, sender, scheme, `shots-${scheme}`, async (state, page) => {
      for (const [size, viewport] of Object.entries(VIEWPORTS)) {
        await page.setViewport(viewport);
        const file = `firefox/${state}-${size}-${scheme}`;
        await page.screenshot({ path: `${ALL}${file}.png` });
        saved(file);
      }
    });
  }
} finally {
  await sender.stop();
  await push.close();
}

/** One image per browser, size and theme with every shot side by side, to look through at once. */
async function contactSheet(browser: string, size: string, scheme: ColorScheme): Promise<void> {
  const files = shots.filter((f) => f.startsWith(`${browser}/`) && f.endsWith(`-${size}-${scheme}`));
  const width = size === 'phone' ? 260 : 420;
  const { width: vw, height: vh } = VIEWPORTS[size as keyof typeof VIEWPORTS];
  // The first screenful of each (full-page shots can be long), side by side.
  const height = Math.round((width * vh) / vw);
  const thumbs = await Promise.all(
    files.map((f) => sharp(`${ALL}${f}.png`).resize({ width, height, fit: 'cover', position: 'top' }).png().toBuffer({ resolveWithObject: true })),
  );
  const columns = Math.min(size === 'phone' ? 6 : 4, thumbs.length);
  const cell = { w: width + 8, h: Math.max(...thumbs.map((t) => t.info.height)) + 8 };
  await sharp({ create: { width: columns * cell.w, height: Math.ceil(thumbs.length / columns) * cell.h, channels: 3, background: '#808080' } })
    .composite(thumbs.map((t, i) => ({ input: t.data, left: (i % columns) * cell.w + 4, top: Math.floor(i / columns) * cell.h + 4 })))
    .png()
    .toFile(`${ALL}sheet-${browser}-${size}-${scheme}.png`);
  console.log(`docs/screenshots/all/sheet-${browser}-${size}-${scheme}.png (${files.join(', ')})`);
}
for (const browser of ['chromium', 'firefox']) {
  for (const size of Object.keys(VIEWPORTS)) for (const scheme of SCHEMES) await contactSheet(browser, size, scheme);
}

/** Committed copies stay small: 256-colour PNGs. */
const small = (from: string, to: string) => sharp(`${ALL}${from}.png`).png({ palette: true, compressionLevel: 9 }).toFile(to);
for (const [name, from] of KEY_SHOTS) await small(from, `${DOCS}${name}.png`);
await small('manifest-narrow', `${PUBLIC}narrow.png`);
await small('manifest-wide', `${PUBLIC}wide.png`);
