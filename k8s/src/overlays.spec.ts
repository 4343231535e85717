import { appRoutes } from './lib/app-contract';
import { buildEnvironment, Environment, ENVIRONMENTS, objectId } from './lib/manifests';
import { checkEnvironment } from './lib/policy';
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

    it('should pass every schema, policy and coherence rule', () => {
      const problems = checkEnvironment(environment);

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

  it('should read the apps probe and scrape paths from their source', () => {
    // The gateway and processor serve these from their controllers; if a path moves, probes must follow.
    for (const app of ['gateway', 'processor'] as const) {
      const { routes, source } = appRoutes(app);

      expect(source).toBe('code');
      expect(routes.filter((route) => route.method === 'GET').map((route) => route.path)).toEqual(
        expect.arrayContaining(['/health/live', '/health/ready', '/metrics']),
      );
    }
  });
});
