// npm run docs:config — rewrites the configuration table in README.md from the config classes.
import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withConfigTable } from './config-table';

const readmePath = join(__dirname, '..', '..', '..', '..', 'README.md');
writeFileSync(readmePath, withConfigTable(readFileSync(readmePath, 'utf8')));
process.stdout.write('README.md configuration table updated\n');
