import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '../../..');
const SCRIPT = join(ROOT, 'tools/image/container-images.mjs');
const TOOLS = ['buildah', 'podman', 'runc', 'debootstrap'];
const missing = TOOLS.filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);

interface ImageProof {
  app: string;
  uid: string;
  nodeVersion: string;
  exitCode: number;
  baseMs: number;
  buildMs: number;
  bootMs: number;
}

// Never skipped: the shared step at the start of `npm test` installs the engines (root on Debian)
// or stops with the command to run.
if (missing.length > 0) {
  throw new Error(
    `${missing.join(', ')} not installed: run node tools/system-packages/ensure.mjs (npm test starts with it)`,
  );
}

// A real engine builds the Dockerfile for every app; each image boots as its non-root user on the
// pinned Node, answers /health/live and exits 0 on SIGTERM (podman stop).
describe('container images', () => {
  it(
    'should build, boot and stop every app image',
    () => {
      const result = spawnSync(process.execPath, [SCRIPT, 'gateway', 'processor', 'dlq-sidecar'], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 25 * 60_000,
        maxBuffer: 2 ** 26,
      });
      if (result.status !== 0) {
        throw new Error(
          `image build failed (${result.status}):\n${result.stderr}\n${result.stdout}`,
        );
      }
      const proofs = result.stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as ImageProof);
      process.stdout.write(
        proofs
          .map(
            (proof) =>
              `[image] ${proof.app}: base ${proof.baseMs} ms, build ${proof.buildMs} ms, boot ${proof.bootMs} ms`,
          )
          .join('\n') + '\n',
      );
      const pinned = readFileSync(join(ROOT, '.nvmrc'), 'utf8').trim();

      expect(
        proofs.map(({ app, uid, nodeVersion, exitCode }) => ({ app, uid, nodeVersion, exitCode })),
      ).toEqual(
        ['gateway', 'processor', 'dlq-sidecar'].map((app) => ({
          app,
          uid: '10001',
          nodeVersion: `v${pinned}`,
          exitCode: 0,
        })),
      );
    },
    30 * 60_000,
  );
});
