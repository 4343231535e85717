import { rm } from 'node:fs/promises';

export default async function globalTeardown() {
  const stack = globalThis.__ordersTestStack;
  if (!stack) {
    return;
  }
  await Promise.allSettled([stack.sqs.stop(), stack.postgres.destroy()]);
  await rm(stack.root, { recursive: true, force: true });
}
