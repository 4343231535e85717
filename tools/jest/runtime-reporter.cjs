// Prints the runtime every test run used: npm scripts put node_modules/.bin first on PATH, so this
// is the Node 24 binary that `npm ci` installed (node-linux-*), whatever Node is installed system-wide.
class RuntimeReporter {
  onRunStart() {
    process.stderr.write(`Node ${process.version} (${process.execPath})\n`);
  }
}

module.exports = RuntimeReporter;
