import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

/**
 * Which SQS actions a process can reach from its entry file: the same source can run as the
 * dlq-sidecar (main.ts) and as its CLI (cli.ts), and they need different IAM roles.
 *
 * Files are followed through relative imports; inside them, code counts only when something
 * reachable calls it: top-level code, constructors and framework hooks run, and from there method
 * calls are followed (`this.x()`, `this.field.x()` by the field's declared class and its
 * implementations, any other `y.x()` by name). The analysis errs towards more actions, with one
 * known blind spot: a method handed on as a value by another class (`setTimeout(this.reader.scan)`).
 */

export const SQS_COMMANDS = [
  'ReceiveMessage',
  'DeleteMessage',
  'ChangeMessageVisibility',
  'SendMessage',
  'GetQueueAttributes',
  'GetQueueUrl',
  'PurgeQueue',
  'ListQueues',
  'CreateQueue',
  'DeleteQueue',
  'SetQueueAttributes',
];

// Methods Nest (or Node) calls by itself.
const FRAMEWORK_METHODS = new Set([
  'constructor',
  'onModuleInit',
  'onApplicationBootstrap',
  'onModuleDestroy',
  'beforeApplicationShutdown',
  'onApplicationShutdown',
  'canActivate',
  'catch',
  'intercept',
  'transform',
  'use',
]);

// Shared helpers (libs/) that issue SQS calls themselves.
const LIBRARY_CALLS: Record<string, string> = {
  probeQueue: 'sqs:GetQueueAttributes',
};

interface Code {
  actions: Set<string>;
  thisReferences: Set<string>;
  fieldCalls: Array<{ type: string; method: string }>;
  namedCalls: Set<string>;
}

interface Member extends Code {
  name: string;
  callable: boolean;
  entry: boolean;
  owner: ClassInfo;
}

interface ClassInfo {
  name: string;
  supertypes: string[];
  members: Member[];
}

interface FileInfo {
  imports: string[];
  classes: ClassInfo[];
  topLevel: Code;
}

function emptyCode(): Code {
  return {
    actions: new Set(),
    thisReferences: new Set(),
    fieldCalls: [],
    namedCalls: new Set(),
  };
}

function typeName(node: ts.TypeNode | undefined): string | undefined {
  return node && ts.isTypeReferenceNode(node) ? node.typeName.getText() : undefined;
}

function collect(node: ts.Node, code: Code, fieldTypes: Map<string, string>): void {
  const visit = (current: ts.Node): void => {
    if (ts.isClassDeclaration(current)) {
      return;
    }
    if (ts.isNewExpression(current) && ts.isIdentifier(current.expression)) {
      const command = /^(\w+?)(?:Batch)?Command$/.exec(current.expression.text);
      if (command && SQS_COMMANDS.includes(command[1])) {
        code.actions.add(`sqs:${command[1]}`);
      }
    }
    if (ts.isCallExpression(current) && ts.isIdentifier(current.expression)) {
      const action = LIBRARY_CALLS[current.expression.text];
      if (action) {
        code.actions.add(action);
      }
    }
    if (ts.isPropertyAccessExpression(current)) {
      const target = current.expression;
      const name = current.name.text;
      const called = ts.isCallExpression(current.parent) && current.parent.expression === current;
      if (target.kind === ts.SyntaxKind.ThisKeyword) {
        code.thisReferences.add(name);
      } else if (
        ts.isPropertyAccessExpression(target) &&
        target.expression.kind === ts.SyntaxKind.ThisKeyword &&
        fieldTypes.has(target.name.text)
      ) {
        code.fieldCalls.push({
          type: fieldTypes.get(target.name.text) as string,
          method: name,
        });
      } else if (called) {
        code.namedCalls.add(name);
      }
    }
    ts.forEachChild(current, visit);
  };
  visit(node);
}

function parseFile(file: string): FileInfo {
  const source = ts.createSourceFile(
    file,
    readFileSync(file, 'utf8'),
    ts.ScriptTarget.Latest,
    true,
  );
  const imports: string[] = [];
  const classes: ClassInfo[] = [];
  const topLevel = emptyCode();
  for (const statement of source.statements) {
    if (
      (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) &&
      statement.moduleSpecifier &&
      ts.isStringLiteral(statement.moduleSpecifier) &&
      statement.moduleSpecifier.text.startsWith('.')
    ) {
      const base = path.resolve(path.dirname(file), statement.moduleSpecifier.text);
      const resolved = [`${base}.ts`, path.join(base, 'index.ts')].find((candidate) =>
        existsSync(candidate),
      );
      if (resolved) {
        imports.push(resolved);
      }
      continue;
    }
    if (!ts.isClassDeclaration(statement) || !statement.name) {
      collect(statement, topLevel, new Map());
      continue;
    }
    const info: ClassInfo = {
      name: statement.name.text,
      supertypes: (statement.heritageClauses ?? []).flatMap((clause) =>
        clause.types.map((type) => type.expression.getText()),
      ),
      members: [],
    };
    // Injected and declared fields with a class type: `this.field.x()` goes to that class.
    const fieldTypes = new Map<string, string>();
    for (const member of statement.members) {
      if (ts.isConstructorDeclaration(member)) {
        for (const parameter of member.parameters) {
          const type = typeName(parameter.type);
          if (type && ts.isIdentifier(parameter.name)) {
            fieldTypes.set(parameter.name.text, type);
          }
        }
      } else if (ts.isPropertyDeclaration(member) && member.name) {
        const type =
          typeName(member.type) ??
          (member.initializer &&
          ts.isNewExpression(member.initializer) &&
          ts.isIdentifier(member.initializer.expression)
            ? member.initializer.expression.text
            : undefined);
        if (type) {
          fieldTypes.set(member.name.getText(), type);
        }
      }
    }
    // Field initializers run with the constructor.
    const construction: Member = {
      ...emptyCode(),
      name: 'constructor',
      callable: false,
      entry: true,
      owner: info,
    };
    info.members.push(construction);
    for (const member of statement.members) {
      const modifiers = ts.canHaveModifiers(member) ? (ts.getModifiers(member) ?? []) : [];
      const isPrivate =
        modifiers.some((modifier) => modifier.kind === ts.SyntaxKind.PrivateKeyword) ||
        (member.name !== undefined && ts.isPrivateIdentifier(member.name));
      const decorated = ts.canHaveDecorators(member) && (ts.getDecorators(member) ?? []).length > 0;
      if (ts.isConstructorDeclaration(member)) {
        collect(member, construction, fieldTypes);
      } else if (
        ts.isPropertyDeclaration(member) &&
        member.initializer &&
        !ts.isArrowFunction(member.initializer) &&
        !ts.isFunctionExpression(member.initializer)
      ) {
        collect(member.initializer, construction, fieldTypes);
      } else if (
        ts.isMethodDeclaration(member) ||
        ts.isGetAccessor(member) ||
        ts.isSetAccessor(member) ||
        ts.isPropertyDeclaration(member)
      ) {
        const name = member.name.getText();
        const code: Member = {
          ...emptyCode(),
          name,
          callable: !isPrivate,
          // Accessors run on any read, handlers and hooks when the framework says so.
          entry:
            FRAMEWORK_METHODS.has(name) ||
            decorated ||
            ts.isGetAccessor(member) ||
            ts.isSetAccessor(member),
          owner: info,
        };
        collect(member, code, fieldTypes);
        info.members.push(code);
      }
    }
    classes.push(info);
  }
  return { imports, classes, topLevel };
}

export interface EntryPoint {
  /** apps/<app>/src */
  sourceRoot: string;
  /** e.g. main.ts, relative to sourceRoot */
  entry: string;
  /** Files (relative to sourceRoot) the process does not load. */
  skip?: (relativeFile: string) => boolean;
}

/** The SQS actions (`sqs:SendMessage`, ...) a process started from the entry file can call. */
export function sqsActionsReachable({
  sourceRoot,
  entry,
  skip = () => false,
}: EntryPoint): Set<string> {
  const files = new Map<string, FileInfo>();
  const pending = [path.join(sourceRoot, entry)];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (files.has(file) || skip(path.relative(sourceRoot, file))) {
      continue;
    }
    const info = parseFile(file);
    files.set(file, info);
    pending.push(...info.imports);
  }

  const classes = [...files.values()].flatMap((file) => file.classes);
  // A type's own class and every class that extends or implements it, directly or not.
  const implementationsOf = (type: string): ClassInfo[] => {
    const found = new Set(classes.filter((item) => item.name === type));
    let grew = true;
    while (grew) {
      grew = false;
      for (const item of classes) {
        if (
          !found.has(item) &&
          item.supertypes.some(
            (supertype) =>
              supertype === type || [...found].some((known) => known.name === supertype),
          )
        ) {
          found.add(item);
          grew = true;
        }
      }
    }
    return [...found];
  };

  const actions = new Set<string>();
  const live = new Set<Code>();
  const queue: Code[] = [];
  const reach = (code: Code): void => {
    if (!live.has(code)) {
      live.add(code);
      queue.push(code);
    }
  };
  for (const file of files.values()) {
    reach(file.topLevel);
    file.classes
      .flatMap((item) => item.members)
      .filter((member) => member.entry)
      .forEach(reach);
  }
  while (queue.length > 0) {
    const code = queue.pop() as Code;
    code.actions.forEach((action) => actions.add(action));
    const owner = (code as Member).owner;
    if (owner) {
      const related = [
        owner,
        ...owner.supertypes.flatMap((type) => classes.filter((item) => item.name === type)),
        ...implementationsOf(owner.name),
      ];
      related
        .flatMap((item) => item.members)
        .filter((member) => code.thisReferences.has(member.name))
        .forEach(reach);
    }
    for (const call of code.fieldCalls) {
      // A field of a type outside this app (SQSClient, DataSource) leaves the app.
      implementationsOf(call.type)
        .flatMap((item) => item.members)
        .filter((member) => member.callable && member.name === call.method)
        .forEach(reach);
    }
    classes
      .flatMap((item) => item.members)
      .filter((member) => member.callable && code.namedCalls.has(member.name))
      .forEach(reach);
  }
  return actions;
}
