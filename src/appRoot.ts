/**
 * The folder holding earlybird's package.json (the repository, or resources/app in the packaged
 * app), found from this module's own location. Works the same from the TypeScript sources (src/…)
 * and from the esbuild bundle (dist/engine/…), whose files sit at different depths.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | null = null;

export function appRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'earlybird') return (cached = dir);
      } catch {
        // not ours; keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`earlybird's package.json not found above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}
