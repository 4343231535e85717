import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ENVIRONMENTS } from '../lib/manifests';
import { componentDirectory, GENERATED_FILE, renderComponentFile } from './component';

// npx nx run k8s:render-aws: writes components/aws-ack/<env>/aws-resources.yaml for every overlay.
for (const env of ENVIRONMENTS) {
  const file = path.join(componentDirectory(env), GENERATED_FILE);
  writeFileSync(file, renderComponentFile(env));
  process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
}
