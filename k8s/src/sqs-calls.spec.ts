import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { sqsActionsReachable } from './lib/sqs-calls';

// A sidecar-shaped app: a watcher that only reads, an operations service that moves letters, and
// an admin module that exposes it. The app module imports the operations module without calling
// redrive: code that is loaded but never called adds no action.
const APP: Record<string, string> = {
  'main.ts': `
    import { AppModule } from './app.module';
    async function bootstrap() { await create(AppModule); }
    bootstrap();
  `,
  'app.module.ts': `
    import { AdminModule } from './admin/admin.module';
    import { Watcher } from './watcher';
    import { OperationsModule } from './operations';
    export class AppModule {}
  `,
  'reader.ts': `
    export class Reader {
      constructor(private readonly sqs: SQSClient) {}
      async peek() { return this.sqs.send(new ReceiveMessageCommand({})); }
      async release() { return this.sqs.send(new ChangeMessageVisibilityBatchCommand({})); }
    }
  `,
  'ledger.ts': `
    export abstract class Ledger { abstract forget(): void; }
    export class QueueLedger extends Ledger {
      constructor(private readonly sqs: SQSClient) { super(); }
      forget() { this.sqs.send(new GetQueueAttributesCommand({})); }
    }
  `,
  'watcher.ts': `
    import { Reader } from './reader';
    import { Ledger } from './ledger';
    export class Watcher {
      private readonly counts = { redrive: 0 };
      constructor(private readonly reader: Reader, private readonly ledger: Ledger) {}
      onApplicationBootstrap() { setInterval(() => this.tick(), 1000); }
      private async tick() {
        await this.reader.peek();
        this.ledger.forget();
        return this.counts.redrive;
      }
    }
  `,
  'operations.ts': `
    import { Reader } from './reader';
    export class Operations {
      constructor(private readonly reader: Reader) {}
      async redrive() { await this.reader.peek(); await this.move(); }
      private async move() {
        await this.sqs.send(new SendMessageBatchCommand({}));
        await this.sqs.send(new DeleteMessageBatchCommand({}));
      }
    }
    export class OperationsModule {}
  `,
  'admin/admin.module.ts': `
    import { AdminController } from './admin.controller';
    export class AdminModule {}
  `,
  'admin/admin.controller.ts': `
    import { Operations } from '../operations';
    export class AdminController {
      constructor(private readonly operations: Operations) {}
      @Post('redrive')
      redrive() { return this.operations.redrive(); }
    }
  `,
};

describe(sqsActionsReachable.name, () => {
  let root: string;

  const write = (files: Record<string, string>): void => {
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), text);
    }
  };
  // The classes Nest would instantiate: the admin module's only when the API is mounted.
  const NEST_CLASSES = [
    'AppModule',
    'Watcher',
    'Reader',
    'QueueLedger',
    'Operations',
    'OperationsModule',
  ];
  const reachable = (skipAdmin: boolean, entry = 'main.ts'): string[] =>
    [
      ...sqsActionsReachable({
        entry: path.join(root, entry),
        managedClasses: new Set(
          skipAdmin ? NEST_CLASSES : [...NEST_CLASSES, 'AdminModule', 'AdminController'],
        ),
      }),
    ].sort();

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'sqs-calls-'));
    write(APP);
  });

  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('should count only what the watcher calls when the admin API is not loaded', () => {
    expect(reachable(true)).toEqual(['sqs:GetQueueAttributes', 'sqs:ReceiveMessage']);
  });

  it('should count the redrive when the admin API calls it', () => {
    expect(reachable(false)).toEqual([
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:ReceiveMessage',
      'sqs:SendMessage',
    ]);
  });

  it('should count the redrive when the watcher itself starts calling it', () => {
    write({
      'watcher.ts': APP['watcher.ts']
        .replace(
          'private readonly reader: Reader,',
          'private readonly reader: Reader, private readonly operations: Operations,',
        )
        .replace('this.ledger.forget();', 'this.ledger.forget(); await this.operations.redrive();'),
    });

    expect(reachable(true)).toContain('sqs:SendMessage');
  });

  it('should count a call through an untyped object by the method name', () => {
    write({
      'main.ts': `${APP['main.ts']}\nimport { Operations } from './operations';\nconst runner = get(Operations);\nrunner.redrive();`,
    });

    expect(reachable(true)).toContain('sqs:DeleteMessage');
  });

  it('should follow a function by what the name stands for in the file, not by its name elsewhere', () => {
    write({
      'purge.ts': `export function purge() { return send(new DeleteMessageBatchCommand({})); }`,
      'operations.ts': `export { purge as dropAll } from './purge';\n${APP['operations.ts']}`,
      'watcher.ts': APP['watcher.ts'].replace(
        'return this.counts.redrive;',
        'const purge = this.counts.redrive; return purge;',
      ),
    });

    expect(reachable(true)).not.toContain('sqs:DeleteMessage');
    write({
      'watcher.ts': `import { dropAll } from './operations';\n${APP['watcher.ts'].replace(
        'return this.counts.redrive;',
        'return dropAll();',
      )}`,
    });

    expect(reachable(true)).toContain('sqs:DeleteMessage');
  });

  it('should follow @orders/* imports into the shared libraries, but only into what is called', () => {
    write({
      'probe.ts': `
        import { probeQueue } from '@orders/messaging';
        export class Probe {
          constructor(private readonly sqs: SQSClient) {}
          onModuleInit() { return probeQueue(this.sqs, 'url', 1000); }
        }
      `,
      'unused-probe.ts': `
        import { probeQueue } from '@orders/messaging';
        export function neverCalled() { return probeQueue(undefined, 'url', 1000); }
      `,
    });
    write({ 'main.ts': `import './probe';\nimport './unused-probe';\n${APP['main.ts']}` });

    expect(reachable(true)).toEqual(['sqs:GetQueueAttributes', 'sqs:ReceiveMessage']);
    write({ 'main.ts': `import './unused-probe';\n${APP['main.ts']}` });
    write({ 'ledger.ts': 'export class Ledger { forget() {} }' });

    expect(reachable(true)).toEqual(['sqs:ReceiveMessage']);
  });

  it('should count what the SQS packages do for the app: consume and produce', () => {
    write({
      'main.ts': `
        import { SqsMessageHandler, SqsService } from '@ssut/nestjs-sqs';
        export class Poller {
          @SqsMessageHandler('orders', true)
          handle() {}
        }
        export class Publisher {
          constructor(private readonly sqs: SqsService) {}
          onModuleInit() { return this.sqs.send('orders', []); }
        }
      `,
    });
    const managed = (names: string[]): string[] =>
      [
        ...sqsActionsReachable({
          entry: path.join(root, 'main.ts'),
          managedClasses: new Set(names),
        }),
      ].sort();

    expect(managed(['Publisher'])).toEqual([
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:ReceiveMessage',
      'sqs:SendMessage',
    ]);
  });
});
