/**
 * The report's fonts, shipped in assets/fonts (DejaVu, Bitstream Vera licence in
 * LICENSE-DejaVu.txt) and registered with both pdfkit and the chart canvas, so the PDF and its
 * charts look the same on every machine, whatever fonts it has installed. DejaVu also covers the
 * symbols the report prints (×, ε, γ, ≤, −, CO₂).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GlobalFonts } from '@napi-rs/canvas';
import { RunError } from '../run/runStore.ts';

export const FONT_FILES = {
  regular: 'DejaVuSans.ttf',
  bold: 'DejaVuSans-Bold.ttf',
  condensed: 'DejaVuSansCondensed.ttf',
} as const;

export type FontRole = keyof typeof FONT_FILES;

/** Family names the charts use (registered with @napi-rs/canvas under these aliases). */
export const CHART_FONT = 'Earlybird Sans';
export const CHART_FONT_BOLD = 'Earlybird Sans Bold';

/** assets/fonts of this checkout; EARLYBIRD_FONTS_DIR overrides it (a packaged app unpacks the fonts elsewhere). */
export function fontsDir(): string {
  return process.env.EARLYBIRD_FONTS_DIR ?? fileURLToPath(new URL('../../assets/fonts/', import.meta.url));
}

export function fontPath(role: FontRole): string {
  const path = join(fontsDir(), FONT_FILES[role]);
  if (!existsSync(path)) throw new RunError(`report font missing: ${path} (reinstall earlybird or set EARLYBIRD_FONTS_DIR)`);
  return path;
}

let canvasFontsRegistered = false;

/** Registers the fonts with @napi-rs/canvas once per process. */
export function registerCanvasFonts(): void {
  if (canvasFontsRegistered) return;
  for (const [role, alias] of [['regular', CHART_FONT], ['bold', CHART_FONT_BOLD]] as const) {
    const path = fontPath(role);
    // registerFromPath reads the file natively; a path inside an archive (asar) needs the bytes.
    if (!GlobalFonts.registerFromPath(path, alias)) GlobalFonts.register(readFileSync(path), alias);
  }
  canvasFontsRegistered = true;
}

/** Registers the fonts with a pdfkit document under the role names. */
export function registerPdfFonts(doc: PDFKit.PDFDocument): void {
  for (const role of Object.keys(FONT_FILES) as FontRole[]) doc.registerFont(role, readFileSync(fontPath(role)));
}
