// Renders the PWA icons in public/icons from icon.svg (run after changing it:
// node scripts/make-icons.mjs). The PNGs are committed; builds do not need sharp.
import sharp from 'sharp';

const dir = new URL('../public/icons/', import.meta.url).pathname;
const svg = `${dir}icon.svg`;
const plain = [
  ['icon-192.png', 192],
  ['icon-512.png', 512],
  ['apple-touch-icon-180.png', 180],
];
for (const [name, size] of plain) await sharp(svg).resize(size, size).png().toFile(dir + name);
// Maskable: the platform crops to a circle or squircle; keep the glyph in the
// inner 80 % safe zone on a full-bleed background.
const inner = await sharp(svg).resize(410, 410).png().toBuffer();
await sharp({ create: { width: 512, height: 512, channels: 4, background: '#0f766e' } })
  .composite([{ input: inner, gravity: 'center' }])
  .png()
  .toFile(`${dir}icon-maskable-512.png`);
// Badge: a monochrome silhouette Android shows in the status bar.
await sharp(svg).resize(72, 72).greyscale().png().toFile(`${dir}badge-72.png`);
