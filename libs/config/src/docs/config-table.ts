import { getMetadataStorage } from 'class-validator';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DlqSidecarConfig } from '../lib/dlq-sidecar.config';
import { GatewayConfig } from '../lib/gateway.config';
import { ProcessorConfig } from '../lib/processor.config';

// The README's configuration table is generated from the config classes and their `/** */`
// comments, so it cannot drift from what the apps validate (a spec compares them).

const LIB = join(__dirname, '..', 'lib');
const APPS = [
  { app: 'gateway', configClass: GatewayConfig },
  { app: 'processor', configClass: ProcessorConfig },
  { app: 'dlq-sidecar', configClass: DlqSidecarConfig },
] as const;
const SOURCES = [
  'shared.config.ts',
  'gateway.config.ts',
  'processor.config.ts',
  'dlq-sidecar.config.ts',
];

interface SourceProperty {
  description: string;
  defaultText?: string;
  optional: boolean;
}

/** `KEY = default;` / `KEY?: type;` / `KEY: type;` with the `/** … *\/` comment above it. */
function parseSource(file: string): Map<string, SourceProperty> {
  const properties = new Map<string, SourceProperty>();
  let comment: string[] = [];
  let inComment = false;
  for (const raw of readFileSync(join(LIB, file), 'utf8').split('\n')) {
    const line = raw.trim();
    if (line.startsWith('/**')) {
      comment = [];
      inComment = !line.endsWith('*/');
      comment.push(
        line
          .replace(/^\/\*\*/, '')
          .replace(/\*\/$/, '')
          .trim(),
      );
      continue;
    }
    if (inComment) {
      inComment = !line.endsWith('*/');
      comment.push(
        line
          .replace(/^\*\/?/, '')
          .replace(/\*\/$/, '')
          .trim(),
      );
      continue;
    }
    const property = /^(?:override\s+)?([A-Z][A-Z0-9_]+)(\?)?(?::[^=;]+)?(?:\s*=\s*(.+))?;$/.exec(
      line,
    );
    if (property) {
      properties.set(property[1], {
        description: comment.filter(Boolean).join(' '),
        defaultText: property[3],
        optional: property[2] === '?',
      });
      comment = [];
    } else if (/^(?:export\s+)?(?:class\s|[a-z]\w*\(.*\{$)/.test(line)) {
      // A class or method starts: its comment belongs to no variable.
      comment = [];
    }
    // Anything else (decorators, possibly spread over several lines, blank lines) keeps the comment.
  }
  return properties;
}

function keysOf(configClass: new () => object): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(configClass, '', true, false);
  return [...new Set(metadata.map((entry) => entry.propertyName))];
}

function formatDefault(value: unknown, source: SourceProperty | undefined): string {
  if (source?.defaultText?.includes('(')) {
    return `\`${source.defaultText}\``;
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
  const sources = new Map<string, SourceProperty>();
  for (const file of SOURCES) {
    for (const [key, property] of parseSource(file)) {
      const known = sources.get(key);
      // The first description wins (shared keys are described once, in the base class); an
      // app's override only fills in a key nobody described yet.
      sources.set(key, known?.description ? known : property);
    }
  }
  const rows = new Map<string, ConfigRow>();
  for (const { app, configClass } of APPS) {
    const instance = new configClass() as unknown as Record<string, unknown>;
    const optional = new Set(
      getMetadataStorage()
        .getTargetValidationMetadatas(configClass, '', true, false)
        .filter((entry) => entry.type === 'conditionalValidation')
        .map((entry) => entry.propertyName),
    );
    for (const key of keysOf(configClass)) {
      const row = rows.get(key) ?? {
        key,
        apps: [],
        defaults: new Map(),
        required: false,
        description: sources.get(key)?.description ?? '',
      };
      row.apps.push(app);
      row.defaults.set(app, formatDefault(instance[key], sources.get(key)));
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
