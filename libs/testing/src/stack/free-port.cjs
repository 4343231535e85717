'use strict';
const { createServer } = require('node:net');

/** Asks the kernel for a free loopback port (small race window; fine for tests and the local stack). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

module.exports = { freePort };
