import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export default function teardown() {
  const directory = process.env.CHAOS_RUN_DIR;
  if (!directory || !existsSync(directory)) {
    return;
  }
  const rows = readdirSync(directory)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => JSON.parse(readFileSync(join(directory, file), 'utf8')));
  if (rows.length === 0) {
    return;
  }
  const header =
    '| scenario | sent | accepted | stored | duplicates | in DLQ | lost | duration | evidence |';
  const lines = rows.map(
    (row) =>
      `| ${row.scenario} | ${row.sent} | ${row.accepted} | ${row.stored} | ${row.duplicates} | ${row.inDlq} | ${row.lost} | ${(row.durationMs / 1000).toFixed(1)} s | ` +
      `${Object.entries(row.details)
        .map(([key, value]) => `${key}=${value}`)
        .join(', ')} |`,
  );
  process.stdout.write(
    `\nChaos figures (${directory}):\n${header}\n|---|---|---|---|---|---|---|---|---|\n${lines.join('\n')}\n`,
  );
}
