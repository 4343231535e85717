import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ACK_GROUPS } from './aws/aws-resources';
import {
  componentDirectory,
  GENERATED_FILE,
  overlayKustomization,
  renderComponentFile,
} from './aws/component';
import { buildWithAwsComponent } from './aws/variants';
import { buildEnvironment, ENVIRONMENTS } from './lib/manifests';
import { formatProblems } from './lib/problem';
import { checkEnvironment } from './rules/registry';

const isAck = (object: { apiVersion: string }): boolean => ACK_GROUPS.test(`${object.apiVersion}/`);

describe('the ACK component (components/aws-ack)', () => {
  it.each(ENVIRONMENTS)(
    'should hold what rendering %s from its sources gives (npx nx run k8s:render-aws)',
    (env) => {
      const committed = readFileSync(path.join(componentDirectory(env), GENERATED_FILE), 'utf8');

      expect(committed).toBe(renderComponentFile(env));
    },
  );

  describe.each(ENVIRONMENTS)('%s', (env) => {
    it.each([true, false])(
      'should build and pass every rule with the component on: %s',
      async (on) => {
        const app = buildWithAwsComponent(env, on);

        expect(app.some(isAck)).toBe(on);
        expect(
          formatProblems(
            await checkEnvironment({ name: env, app, migrate: buildEnvironment(env).migrate }),
          ),
        ).toBe('');
      },
    );
  });

  it('should be on in the example prod overlay only', () => {
    const enabled = ENVIRONMENTS.filter((env) =>
      ((overlayKustomization(env).components as string[] | undefined) ?? []).includes(
        `../../components/aws-ack/${env}`,
      ),
    );

    expect(enabled).toEqual(['prod']);
  });
});
