import { appSurfaces } from './lib/app-contract';
import { buildEnvironment, Environment, ENVIRONMENTS, objectId } from './lib/manifests';
import { checkEnvironment } from './rules/registry';
import { formatProblems } from './lib/problem';

describe('k8s overlays', () => {
  describe.each(ENVIRONMENTS)('%s', (name) => {
    let environment: Environment;

    beforeAll(() => {
      environment = buildEnvironment(name);
    });

    it('should build the app overlay and the migration overlay with kubectl kustomize', () => {
      const kinds = (objects: Environment['app']): string[] =>
        [...new Set(objects.map((object) => object.kind))].sort();

      expect(kinds(environment.app)).toEqual(
        expect.arrayContaining([
          'ConfigMap',
          'Deployment',
          'HorizontalPodAutoscaler',
          'Ingress',
          'Namespace',
          'PodDisruptionBudget',
          'ScaledObject',
          'Service',
          'ServiceAccount',
          'TriggerAuthentication',
        ]),
      );
      expect(kinds(environment.migrate)).toEqual(
        expect.arrayContaining(['ConfigMap', 'Job', 'Namespace', 'ServiceAccount']),
      );
    });

    it('should pass every schema, policy and coherence rule', async () => {
      const problems = await checkEnvironment(environment);

      expect(formatProblems(problems)).toBe('');
    });
  });

  it('should point the ScaledObject at the prefixed Deployment and TriggerAuthentication when a name prefix is set', () => {
    const dev = buildEnvironment('dev');

    const scaled = dev.app.find((object) => object.kind === 'ScaledObject');

    expect(scaled?.spec.scaleTargetRef.name).toBe('dev-processor');
    expect(dev.app.map(objectId)).toContain('Deployment/dev-processor');
    expect(
      new Set(
        scaled?.spec.triggers
          .filter((trigger: { authenticationRef?: unknown }) => trigger.authenticationRef)
          .map(
            (trigger: { authenticationRef: { name: string } }) => trigger.authenticationRef.name,
          ),
      ),
    ).toEqual(new Set(['dev-keda-aws']));
  });

  it("should read the probe and scrape paths from each app's Nest container", async () => {
    const surfaces = await appSurfaces();

    // If a path moves in an app, its probes must follow.
    for (const app of ['gateway', 'processor', 'dlq-sidecar'] as const) {
      const { routes } = surfaces[app];

      expect(routes.filter((route) => route.method === 'GET').map((route) => route.path)).toEqual(
        expect.arrayContaining(['/health/live', '/health/ready', '/metrics']),
      );
    }
  });
});
