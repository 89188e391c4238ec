// Child process: runs one spec bundle under jasmine 4 and writes every spec's outcome as JSON.
// Usage: node jasmineRunner.cjs <bundle.cjs> <out.json>
const Jasmine = require('jasmine');
const { writeFileSync } = require('node:fs');

const [bundle, outFile] = process.argv.slice(2);
const runner = new Jasmine();
runner.exitOnCompletion = false;
runner.loadConfig({ jsLoader: 'require', random: false });
runner.env.configure({ random: false });
runner.clearReporters();
const passed = [];
const failed = [];
runner.addReporter({
  specDone(result) {
    if (result.status === 'passed') passed.push(result.fullName);
    else if (result.status === 'failed') {
      failed.push({ name: result.fullName, message: (result.failedExpectations[0] || {}).message || '' });
    }
  },
  suiteDone(result) {
    // An afterAll failure belongs to no spec; count it so it cannot vanish.
    if (result.status === 'failed') {
      failed.push({ name: `${result.fullName} (suite)`, message: (result.failedExpectations[0] || {}).message || '' });
    }
  },
});
runner.execute([require('node:path').resolve(bundle)]).then(() => {
  writeFileSync(outFile, JSON.stringify({ passed, failed }));
}, (error) => {
  console.error(error);
  process.exit(1);
});
