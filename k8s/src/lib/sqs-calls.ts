import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { WORKSPACE_ROOT } from './manifests';

/**
 * Which SQS actions a process can reach from its entry file (apps/<app>/src/main.ts, or the
 * sidecar image's cli.ts): the one analyzer behind every IAM document in k8s/iam.
 *
 * Files are followed through their imports, relative and `@orders/*` (resolved by the compiler
 * with the workspace's tsconfig); inside them, code counts only when something reachable calls it:
 * top-level statements, constructors and framework hooks of the classes Nest manages run, and from
 * there calls are followed (`f()` and `f` handed on as a value, `new X()`, each to the function or
 * class that name is declared or imported as in that file; `this.x()`, `this.field.x()` by the
 * field's declared class and its implementations, any other `y.x()` by name). Calls into packages
 * count through PACKAGE_ACTIONS. The analysis errs towards more actions, with one known blind spot:
 * a method handed on as a value by another class (`setTimeout(this.reader.scan)`).
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

const CONSUMER_ACTIONS = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility'];

// What a package export does in SQS when it is used (`package#export` or `package#Class.method`):
// these run inside node_modules, where the analysis does not follow.
const PACKAGE_ACTIONS: Record<string, string[]> = {
  // A handler makes @ssut/nestjs-sqs run an sqs-consumer loop: receive, delete, heartbeat.
  '@ssut/nestjs-sqs#SqsMessageHandler': CONSUMER_ACTIONS,
  '@ssut/nestjs-sqs#SqsService.send': ['sqs:SendMessage'],
  'sqs-consumer#Consumer': CONSUMER_ACTIONS,
  'sqs-producer#Producer': ['sqs:SendMessage'],
};

interface Code {
  actions: Set<string>;
  thisReferences: Set<string>;
  fieldCalls: Array<{ type: string; method: string }>;
  namedCalls: Set<string>;
  identifiers: Set<string>;
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

interface FunctionInfo extends Code {
  name: string;
}

// Where a name a file uses comes from: a workspace file and the name that file exports it under.
interface Origin {
  file: string;
  name: string;
}

interface FileInfo {
  imports: string[];
  // Local name -> origin, for names imported from workspace files.
  bindings: Map<string, Origin>;
  // `export ... from`: every name (`export *`) or exported name -> the source file's name.
  reexports: Array<{ file: string; names?: Map<string, string> }>;
  classes: ClassInfo[];
  functions: FunctionInfo[];
  topLevel: Code;
}

// Local name -> `package#export` for the names a file imports from packages.
type PackageImports = Map<string, string>;

function emptyCode(): Code {
  return {
    actions: new Set(),
    thisReferences: new Set(),
    fieldCalls: [],
    namedCalls: new Set(),
    identifiers: new Set(),
  };
}

function typeName(node: ts.TypeNode | undefined): string | undefined {
  return node && ts.isTypeReferenceNode(node) ? node.typeName.getText() : undefined;
}

// `x` in `a.x` and `{ x: ... }` names a member, not a variable.
function isMemberName(node: ts.Identifier): boolean {
  const parent = node.parent;
  return (
    ((ts.isPropertyAccessExpression(parent) || ts.isPropertyAssignment(parent)) &&
      parent.name === node) ||
    ((ts.isMethodDeclaration(parent) || ts.isPropertyDeclaration(parent)) && parent.name === node)
  );
}

const COMPILER_OPTIONS = ts.parseJsonConfigFileContent(
  ts.readConfigFile(path.join(WORKSPACE_ROOT, 'tsconfig.base.json'), ts.sys.readFile).config,
  ts.sys,
  WORKSPACE_ROOT,
).options;

/** The workspace source file an import names (relative or `@orders/*`); undefined for packages. */
function resolveSource(specifier: string, from: string): string | undefined {
  const resolved = ts.resolveModuleName(specifier, from, COMPILER_OPTIONS, ts.sys).resolvedModule;
  return resolved && !resolved.isExternalLibraryImport && resolved.extension === ts.Extension.Ts
    ? path.resolve(resolved.resolvedFileName)
    : undefined;
}

function collect(
  node: ts.Node,
  code: Code,
  fieldTypes: Map<string, string>,
  packages: PackageImports,
): void {
  // A class declared inside a function counts as that function's code.
  const visit = (current: ts.Node): void => {
    if (ts.isNewExpression(current) && ts.isIdentifier(current.expression)) {
      const command = /^(\w+?)(?:Batch)?Command$/.exec(current.expression.text);
      if (command && SQS_COMMANDS.includes(command[1])) {
        code.actions.add(`sqs:${command[1]}`);
      }
    }
    if (ts.isIdentifier(current) && !isMemberName(current)) {
      code.identifiers.add(current.text);
      const imported = packages.get(current.text);
      (imported ? (PACKAGE_ACTIONS[imported] ?? []) : []).forEach((action) =>
        code.actions.add(action),
      );
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
        const type = fieldTypes.get(target.name.text) as string;
        code.fieldCalls.push({ type, method: name });
        const imported = packages.get(type);
        (imported ? (PACKAGE_ACTIONS[`${imported}.${name}`] ?? []) : []).forEach((action) =>
          code.actions.add(action),
        );
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
  const bindings = new Map<string, Origin>();
  const reexports: FileInfo['reexports'] = [];
  const classes: ClassInfo[] = [];
  const functions: FunctionInfo[] = [];
  const topLevel = emptyCode();
  const packages: PackageImports = new Map();
  // Imports first: a file's code may use a name above the statement that imports it.
  for (const statement of source.statements) {
    if (
      !(ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) ||
      !statement.moduleSpecifier ||
      !ts.isStringLiteral(statement.moduleSpecifier)
    ) {
      continue;
    }
    const specifier = statement.moduleSpecifier.text;
    const resolved = resolveSource(specifier, file);
    if (resolved) {
      imports.push(resolved);
      if (ts.isImportDeclaration(statement)) {
        const named = statement.importClause?.namedBindings;
        for (const element of named && ts.isNamedImports(named) ? named.elements : []) {
          bindings.set(element.name.text, {
            file: resolved,
            name: (element.propertyName ?? element.name).text,
          });
        }
      } else {
        const clause = statement.exportClause;
        reexports.push({
          file: resolved,
          names:
            clause && ts.isNamedExports(clause)
              ? new Map(
                  clause.elements.map((element) => [
                    element.name.text,
                    (element.propertyName ?? element.name).text,
                  ]),
                )
              : undefined,
        });
      }
    } else if (ts.isImportDeclaration(statement)) {
      const bindings = statement.importClause?.namedBindings;
      for (const element of bindings && ts.isNamedImports(bindings) ? bindings.elements : []) {
        packages.set(
          element.name.text,
          `${specifier}#${(element.propertyName ?? element.name).text}`,
        );
      }
    }
  }
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) {
      continue;
    }
    // A top-level function runs when reachable code calls it or hands it on.
    if (ts.isFunctionDeclaration(statement) && statement.name && statement.body) {
      const code: FunctionInfo = { ...emptyCode(), name: statement.name.text };
      collect(statement.body, code, new Map(), packages);
      functions.push(code);
      continue;
    }
    if (!ts.isClassDeclaration(statement) || !statement.name) {
      collect(statement, topLevel, new Map(), packages);
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
      const decorators = ts.canHaveDecorators(member) ? (ts.getDecorators(member) ?? []) : [];
      const decorated = decorators.length > 0;
      // Decorators run when the file loads (e.g. @SqsMessageHandler registers a consumer).
      decorators.forEach((decorator) => collect(decorator, topLevel, fieldTypes, packages));
      if (ts.isConstructorDeclaration(member)) {
        collect(member, construction, fieldTypes, packages);
      } else if (
        ts.isPropertyDeclaration(member) &&
        member.initializer &&
        !ts.isArrowFunction(member.initializer) &&
        !ts.isFunctionExpression(member.initializer)
      ) {
        collect(member.initializer, construction, fieldTypes, packages);
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
        collect(member, code, fieldTypes, packages);
        info.members.push(code);
      }
    }
    classes.push(info);
  }
  return { imports, bindings, reexports, classes, functions, topLevel };
}

export interface EntryPoint {
  /** The file the process starts from, e.g. apps/gateway/src/main.ts. */
  entry: string;
  /**
   * The classes the framework instantiates (the app's Nest container): only their constructors,
   * hooks and handlers are entered by it. Unset: every class's.
   */
  managedClasses?: Set<string>;
}

/** The SQS actions (`sqs:SendMessage`, ...) a process started from the entry file can call. */
export function sqsActionsReachable({ entry, managedClasses }: EntryPoint): Set<string> {
  const files = new Map<string, FileInfo>();
  const pending = [path.resolve(entry)];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (files.has(file)) {
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
  const fileOf = new Map<Code, FileInfo>();
  for (const file of files.values()) {
    [file.topLevel, ...file.functions, ...file.classes.flatMap((item) => item.members)].forEach(
      (code) => fileOf.set(code, file),
    );
  }
  // The functions and classes a name in a file stands for: declared there, or imported (also
  // through `export ... from`). A local variable that shares a name elsewhere stands for nothing.
  const declarationsOf = (
    file: FileInfo | undefined,
    name: string,
    seen = new Set<FileInfo>(),
  ): { functions: FunctionInfo[]; classes: ClassInfo[] } => {
    const found = { functions: [] as FunctionInfo[], classes: [] as ClassInfo[] };
    if (!file || seen.has(file)) {
      return found;
    }
    seen.add(file);
    found.functions.push(...file.functions.filter((item) => item.name === name));
    found.classes.push(...file.classes.filter((item) => item.name === name));
    const origins = [
      file.bindings.get(name),
      ...file.reexports.map((reexport) =>
        reexport.names
          ? reexport.names.has(name)
            ? { file: reexport.file, name: reexport.names.get(name) as string }
            : undefined
          : { file: reexport.file, name },
      ),
    ];
    for (const origin of origins) {
      if (origin) {
        const more = declarationsOf(files.get(origin.file), origin.name, seen);
        found.functions.push(...more.functions);
        found.classes.push(...more.classes);
      }
    }
    return found;
  };
  for (const file of files.values()) {
    reach(file.topLevel);
    file.classes
      .filter((item) => !managedClasses || managedClasses.has(item.name))
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
    // Named functions called or handed on, and the constructors of classes named here (`new X()`).
    for (const name of code.identifiers) {
      const named = declarationsOf(fileOf.get(code), name);
      named.functions.forEach(reach);
      named.classes
        .flatMap((item) => item.members.filter((member) => member.name === 'constructor'))
        .forEach(reach);
    }
  }
  return actions;
}
