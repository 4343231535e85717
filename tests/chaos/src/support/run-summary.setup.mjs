import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** Each scenario writes its figures into this run's directory; the teardown prints them as a table. */
export default function setup() {
  const directory = join(
    ROOT,
    'tmp',
    'chaos',
    `run-${new Date().toISOString().replace(/[:.]/g, '-')}`,
  );
  mkdirSync(directory, { recursive: true });
  process.env.CHAOS_RUN_DIR = directory;
}
