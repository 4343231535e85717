// Scenarios run in the order of their file names (01-… to 07-…), so the output reads like the issue.
const Sequencer = require('@jest/test-sequencer').default;

module.exports = class ByNameSequencer extends Sequencer {
  sort(tests) {
    return [...tests].sort((a, b) => a.path.localeCompare(b.path));
  }
};
