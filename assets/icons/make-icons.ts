/**
 * Draws the app icon once (a bird on a leaf against a sunrise, with the letters "eb") with
 * @napi-rs/canvas and writes assets/icon.png (512×512, electron-builder's `icon`) plus
 * assets/icons/{512x512,256x256}.png (Linux icon set, window icon). Each size is drawn at its own
 * resolution rather than downscaled. Run: `npx tsx assets/icons/make-icons.ts`.
 */
import { createCanvas, GlobalFonts, type SKRSContext2D } from '@napi-rs/canvas';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ICONS_DIR = dirname(fileURLToPath(import.meta.url));
const ASSETS_DIR = join(ICONS_DIR, '..');
GlobalFonts.registerFromPath(join(ASSETS_DIR, 'fonts', 'DejaVuSans-Bold.ttf'), 'EarlybirdIcon');

function roundedRect(ctx: SKRSContext2D, x: number, y: number, w: number, h: number, r: number): void {
  ctx.beginPath();
  ctx.moveTo(x + r, y);
  ctx.arcTo(x + w, y, x + w, y + h, r);
  ctx.arcTo(x + w, y + h, x, y + h, r);
  ctx.arcTo(x, y + h, x, y, r);
  ctx.arcTo(x, y, x + w, y, r);
  ctx.closePath();
}

/** Everything is drawn on a 512-unit grid and scaled, so every size has the same geometry. */
function draw(size: number): Buffer {
  const canvas = createCanvas(size, size);
  const ctx = canvas.getContext('2d');
  ctx.scale(size / 512, size / 512);

  // Sunrise tile with a small margin (as desktop icon sets expect).
  const sky = ctx.createLinearGradient(0, 24, 0, 488);
  sky.addColorStop(0, '#16324f');
  sky.addColorStop(0.55, '#2f5d62');
  sky.addColorStop(1, '#f4a259');
  roundedRect(ctx, 24, 24, 464, 464, 104);
  ctx.fillStyle = sky;
  ctx.fill();
  ctx.save();
  ctx.clip();

  // The early sun.
  const sun = ctx.createRadialGradient(372, 150, 8, 372, 150, 92);
  sun.addColorStop(0, '#fff3c4');
  sun.addColorStop(1, 'rgba(255, 214, 120, 0)');
  ctx.fillStyle = sun;
  ctx.beginPath();
  ctx.arc(372, 150, 92, 0, Math.PI * 2);
  ctx.fill();
  ctx.fillStyle = '#ffe29a';
  ctx.beginPath();
  ctx.arc(372, 150, 40, 0, Math.PI * 2);
  ctx.fill();

  // The leaf the bird sits on (a ticket pruned to its essentials): an almond with a midrib.
  ctx.save();
  ctx.translate(250, 372);
  ctx.rotate(-0.18);
  ctx.fillStyle = '#7bc47f';
  ctx.beginPath();
  ctx.moveTo(-150, 0);
  ctx.quadraticCurveTo(0, -70, 150, 0);
  ctx.quadraticCurveTo(0, 70, -150, 0);
  ctx.closePath();
  ctx.fill();
  ctx.strokeStyle = '#3f7d4a';
  ctx.lineWidth = 7;
  ctx.lineCap = 'round';
  ctx.beginPath();
  ctx.moveTo(-138, 0);
  ctx.lineTo(138, 0);
  ctx.stroke();
  ctx.restore();

  // The bird: round body, head, wing, tail, beak and eye.
  const cream = '#fdf6e3';
  ctx.fillStyle = cream;
  ctx.beginPath(); // tail
  ctx.moveTo(150, 278);
  ctx.lineTo(92, 250);
  ctx.lineTo(112, 300);
  ctx.closePath();
  ctx.fill();
  ctx.beginPath(); // body
  ctx.ellipse(212, 282, 78, 60, -0.12, 0, Math.PI * 2);
  ctx.fill();
  ctx.beginPath(); // head
  ctx.arc(282, 218, 44, 0, Math.PI * 2);
  ctx.fill();
  ctx.fillStyle = '#e9c46a'; // wing
  ctx.beginPath();
  ctx.moveTo(160, 270);
  ctx.quadraticCurveTo(214, 222, 262, 268);
  ctx.quadraticCurveTo(214, 306, 160, 270);
  ctx.closePath();
  ctx.fill();
  ctx.fillStyle = '#f4845f'; // beak
  ctx.beginPath();
  ctx.moveTo(320, 206);
  ctx.lineTo(356, 220);
  ctx.lineTo(320, 232);
  ctx.closePath();
  ctx.fill();
  ctx.fillStyle = '#16324f'; // eye
  ctx.beginPath();
  ctx.arc(292, 208, 8, 0, Math.PI * 2);
  ctx.fill();
  ctx.restore();

  // "eb", bottom right, on the warm part of the sky.
  ctx.fillStyle = '#16324f';
  ctx.font = '700 112px EarlybirdIcon';
  ctx.textAlign = 'right';
  ctx.textBaseline = 'alphabetic';
  ctx.fillText('eb', 452, 460);

  return canvas.toBuffer('image/png');
}

const outputs: [string, number][] = [
  [join(ASSETS_DIR, 'icon.png'), 512],
  [join(ICONS_DIR, '512x512.png'), 512],
  [join(ICONS_DIR, '256x256.png'), 256],
];
for (const [path, size] of outputs) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, draw(size));
  console.log(`${path} (${size}×${size})`);
}
