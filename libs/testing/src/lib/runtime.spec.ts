import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// The repository pins one runtime from laptop to image; a run on any other Node is not a test of it.
describe('runtime', () => {
  it('should run on the Node major version that .nvmrc pins', () => {
    const pinned = readFileSync(join(__dirname, '../../../../.nvmrc'), 'utf8').trim();

    expect(process.versions.node.split('.')[0]).toBe(pinned.split('.')[0]);
  });
});
