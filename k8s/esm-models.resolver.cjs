// @kubernetes-models/keda 2 and what it imports ship ES modules only, while Jest resolves with the
// "require" condition: resolve their "import" entry points (SWC compiles them to CommonJS).
const nxResolver = require('@nx/jest/plugins/resolver');

const esmOnly = (request, basedir) =>
  request.startsWith('@kubernetes-models/keda') ||
  basedir.includes('/node_modules/@kubernetes-models/keda/');

module.exports = (request, options) =>
  nxResolver(
    request,
    esmOnly(request, options.basedir) ? { ...options, conditions: ['import', 'default'] } : options,
  );
