/**
 * The README's commands run this checkout's code and nothing else: `npx earlybird` outside this
 * folder would fetch an unrelated npm package of that name, so every command is an npm script that
 * exists, `node bin/earlybird.mjs <a real subcommand>`, or the `earlybird` that `npm link` installs.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { COMMAND_NAMES } from '../src/cli.ts';

const readme = readFileSync('README.md', 'utf8');
const scripts = Object.keys((JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts);

/** Command lines: every line of the ```sh blocks, and every `inline code` that starts with a command. */
function commandLines(): string[] {
  const lines: string[] = [];
  let inShell = false;
  for (const line of readme.split('\n')) {
    if (/^```(sh|bash|shell)\s*$/.test(line)) inShell = true;
    else if (line.startsWith('```')) inShell = false;
    else if (inShell && line.trim() && !line.trim().startsWith('#')) lines.push(line.trim());
  }
  for (const [, code] of readme.matchAll(/`([^`\n]+)`/g)) if (/^(npx|npm|node|earlybird) /.test(code!)) lines.push(code!);
  return lines;
}

test('no README command can resolve to someone else\'s package', () => {
  const offending = commandLines().filter((line) => /^npx earlybird\s+\S/.test(line));
  assert.deepEqual(offending, []);
});

test('every npm script the README runs exists', () => {
  const used = commandLines().flatMap((line) => [...line.matchAll(/\bnpm (?:run ([\w:-]+)|(start|test))\b/g)].map((m) => m[1] ?? m[2]!));
  assert.ok(used.includes('serve') && used.includes('demo'), used.join());
  for (const name of used) assert.ok(scripts.includes(name), `README runs "npm run ${name}", package.json has no such script`);
});

test('every CLI command in the README is a real subcommand', () => {
  const used = commandLines().flatMap((line) => [...line.matchAll(/(?:node bin\/earlybird\.mjs|^earlybird) ([a-z-]+)/g)].map((m) => m[1]!));
  assert.ok(used.length >= 10, `only ${used.length} CLI commands found`);
  for (const name of used) assert.ok(COMMAND_NAMES.includes(name), `README runs "earlybird ${name}", the CLI has ${COMMAND_NAMES.join(', ')}`);
  assert.match(readme, /`npm link`/, 'the README says how to put the short name on PATH');
});
