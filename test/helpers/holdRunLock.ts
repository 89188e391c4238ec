/**
 * A real second process that holds a run's lock: takes it, prints "locked <pid>", and keeps it until
 * its stdin closes (or it is killed, which leaves a stale lock behind).
 */
import { acquireRunLock } from '../../src/run/lock.ts';

const runDir = process.argv[2];
if (!runDir) throw new Error('usage: holdRunLock.ts <runDir>');
const lock = acquireRunLock(runDir, 'run');
process.stdout.write(`locked ${process.pid}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  lock.release();
  process.exit(0);
});
