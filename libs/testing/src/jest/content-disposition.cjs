// Node loads the ESM-only content-disposition 3 through require(esm); jest's require cannot.
// @fastify/static (behind Swagger UI) only calls `create` to name downloads, which no test does.
const { basename } = require('node:path');

module.exports = {
  create: (filename) =>
    `attachment; filename="${basename(String(filename)).replace(/["\\]/g, '')}"`,
  parse: () => {
    throw new Error('content-disposition.parse is not available under jest');
  },
};
