/** Which app a container runs, from its image (one image per app) and command. */
export type AppName = 'gateway' | 'processor' | 'dlq-sidecar' | 'dlq-cli' | 'migrate';

export const IMAGE_REPOSITORY = 'ghcr.io/order-pipeline';

export function imageRepository(image: string): string {
  const withoutDigest = image.split('@')[0];
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash);
  return colon === -1 ? withoutDigest : withoutDigest.slice(0, colon);
}

export function appOf(container: {
  image?: string;
  command?: string[];
  args?: string[];
}): AppName | undefined {
  const repository = imageRepository(container.image ?? '');
  if (!repository.startsWith(`${IMAGE_REPOSITORY}/`)) {
    return undefined;
  }
  const app = repository.slice(IMAGE_REPOSITORY.length + 1);
  const commandLine = [...(container.command ?? []), ...(container.args ?? [])].join(' ');
  // The processor image also carries migrate.js, run by the migration Job.
  if (app === 'processor' && commandLine.includes('migrate.js')) {
    return 'migrate';
  }
  // The dlq-sidecar image also carries the operator CLI, run by the dlq-redrive Jobs.
  if (app === 'dlq-sidecar' && commandLine.includes('cli.js')) {
    return 'dlq-cli';
  }
  return app === 'gateway' || app === 'processor' || app === 'dlq-sidecar' ? app : undefined;
}
