import { getMetadataStorage } from 'class-validator';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';
import { DlqSidecarConfig } from '../lib/dlq-sidecar.config';
import { GatewayConfig } from '../lib/gateway.config';
import { ProcessorConfig } from '../lib/processor.config';

// The README's configuration table is generated from the config classes: keys, defaults and
// required-ness from class-validator's metadata and the instances, each key's meaning from its
// `/** */` comment as the TypeScript compiler reads it (a spec compares table and README).

const LIB = join(__dirname, '..', 'lib');
const APPS = [
  { app: 'gateway', configClass: GatewayConfig },
  { app: 'processor', configClass: ProcessorConfig },
  { app: 'dlq-sidecar', configClass: DlqSidecarConfig },
] as const;

interface DeclaredProperty {
  description: string;
  initializer?: string;
}

/** class name -> property -> its doc comment and initializer, for every class in the lib. */
function declaredProperties(): Map<string, Map<string, DeclaredProperty>> {
  const classes = new Map<string, Map<string, DeclaredProperty>>();
  for (const file of readdirSync(LIB).filter((name) => /(?<!\.spec)\.ts$/.test(name))) {
    const source = ts.createSourceFile(
      file,
      readFileSync(join(LIB, file), 'utf8'),
      ts.ScriptTarget.Latest,
      true,
    );
    for (const statement of source.statements) {
      if (!ts.isClassDeclaration(statement) || !statement.name) {
        continue;
      }
      const properties = new Map<string, DeclaredProperty>();
      for (const member of statement.members) {
        if (!ts.isPropertyDeclaration(member) || !ts.isIdentifier(member.name)) {
          continue;
        }
        const description = ts
          .getJSDocCommentsAndTags(member)
          .filter(ts.isJSDoc)
          .map((doc) => ts.getTextOfJSDocComment(doc.comment) ?? '')
          .join(' ')
          .replace(/\s+/g, ' ')
          .trim();
        properties.set(member.name.text, {
          description,
          initializer: member.initializer?.getText(),
        });
      }
      classes.set(statement.name.text, properties);
    }
  }
  return classes;
}

/** The class and its ancestors, the base first. */
function lineage(configClass: new () => object): string[] {
  const names: string[] = [];
  for (
    let type: unknown = configClass;
    typeof type === 'function' && type.name;
    type = Object.getPrototypeOf(type)
  ) {
    names.unshift(type.name);
  }
  return names;
}

function keysOf(configClass: new () => object): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(configClass, '', true, false);
  return [...new Set(metadata.map((entry) => entry.propertyName))];
}

function formatDefault(value: unknown, initializer: string | undefined): string {
  // A computed default (hostname()) is shown as written, not as this machine's value.
  if (initializer?.includes('(')) {
    return `\`${initializer}\``;
  }
  if (Array.isArray(value)) {
    return value.length === 0 ? '(empty)' : `\`${value.join(',')}\``;
  }
  return value === undefined ? '' : `\`${String(value)}\``;
}

export interface ConfigRow {
  key: string;
  apps: string[];
  defaults: Map<string, string>;
  required: boolean;
  description: string;
}

export function configRows(): ConfigRow[] {
  const declared = declaredProperties();
  const rows = new Map<string, ConfigRow>();
  for (const { app, configClass } of APPS) {
    const instance = new configClass() as unknown as Record<string, unknown>;
    const optional = new Set(
      getMetadataStorage()
        .getTargetValidationMetadatas(configClass, '', true, false)
        .filter((entry) => entry.type === 'conditionalValidation')
        .map((entry) => entry.propertyName),
    );
    const declarations = (key: string): DeclaredProperty[] =>
      lineage(configClass).flatMap((name) => declared.get(name)?.get(key) ?? []);
    for (const key of keysOf(configClass)) {
      // Shared keys are described once, in the base class; an override only describes a key
      // nobody described yet. The default is the one this app's class sets.
      const own = declarations(key);
      const row: ConfigRow = rows.get(key) ?? {
        key,
        apps: [],
        defaults: new Map(),
        required: false,
        description: own.find((property) => property.description)?.description ?? '',
      };
      row.apps.push(app);
      row.defaults.set(app, formatDefault(instance[key], own.at(-1)?.initializer));
      row.required ||= instance[key] === undefined && !optional.has(key);
      rows.set(key, row);
    }
  }
  return [...rows.values()];
}

export function configTable(): string {
  const lines = ['| Variable | Used by | Default | Meaning |', '|---|---|---|---|'];
  for (const row of configRows()) {
    const distinct = new Set(row.defaults.values());
    const defaults = row.required
      ? '**required**'
      : distinct.size === 1
        ? [...distinct][0] || '(unset)'
        : [...row.defaults.entries()]
            .map(([app, value]) => `${app} ${value || '(unset)'}`)
            .join(' · ');
    const apps = row.apps.length === APPS.length ? 'all' : row.apps.join(', ');
    lines.push(
      `| \`${row.key}\` | ${apps} | ${defaults} | ${row.description.replace(/\|/g, '\\|')} |`,
    );
  }
  return lines.join('\n');
}

export const TABLE_START = '<!-- config-table:start -->';
export const TABLE_END = '<!-- config-table:end -->';

/** The README with its configuration section replaced by a freshly generated table. */
export function withConfigTable(readme: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) {
    throw new Error(`README.md needs the markers ${TABLE_START} and ${TABLE_END}`);
  }
  return `${readme.slice(0, start + TABLE_START.length)}\n${configTable()}\n${readme.slice(end)}`;
}
