/**
 * The floors of the engine, as imports: src/core/ (the vocabulary the page bundles too) imports no
 * engine module except as a type, and loads zod only in the schema (the page must not carry it:
 * its CSP forbids the eval zod's compiler uses); src/run/ and src/prune/ never import
 * src/experiment/; the runner stays a runner (lifecycle and set-up, the methods in their own files).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const files = (dir: string) => readdirSync(join(ROOT, dir)).filter((f) => f.endsWith('.ts')).map((f) => `${dir}/${f}`);
/** Every import of a file: its specifier and whether it is `import type`. */
const importsOf = (file: string) =>
  [...readFileSync(join(ROOT, file), 'utf8').matchAll(/^(import|export)\s+(type\s+)?[^;]*?from\s+'([^']+)'/gms)].map((m) => ({ spec: m[3]!, typeOnly: Boolean(m[2]) }));

test('src/core/ imports only itself (and zod in the schema), engine modules only as types', () => {
  const offenders = files('src/core').flatMap((file) => importsOf(file)
    .filter(({ spec, typeOnly }) => !typeOnly && !spec.startsWith('./') && !(spec === 'zod' && file === 'src/core/config.ts'))
    .map(({ spec }) => `${file} imports ${spec}`));
  assert.deepEqual(offenders, []);
});

test('the page\'s modules of src/core/ do not load the schema (and with it zod)', () => {
  const offenders = files('src/core').filter((f) => f !== 'src/core/config.ts').flatMap((file) => importsOf(file)
    .filter(({ spec, typeOnly }) => !typeOnly && spec === './config.ts').map(() => file));
  assert.deepEqual(offenders, []);
});

test('src/run/ and src/prune/ never import src/experiment/', () => {
  const offenders = [...files('src/run'), ...files('src/prune')].flatMap((file) => importsOf(file)
    .filter(({ spec }) => spec.includes('/experiment/')).map(({ spec }) => `${file} imports ${spec}`));
  assert.deepEqual(offenders, []);
});

test('the runner keeps lifecycle and set-up: at most 300 lines', () => {
  const lines = readFileSync(join(ROOT, 'src/experiment/runner.ts'), 'utf8').split('\n').length;
  assert.ok(lines <= 300, `src/experiment/runner.ts has ${lines} lines`);
});
