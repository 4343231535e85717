import 'reflect-metadata';
import { DynamicModule, RequestMethod, Type } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants';
import { MetadataScanner, ModulesContainer } from '@nestjs/core';
import { PathsExplorer } from '@nestjs/core/router/paths-explorer';
import { Test } from '@nestjs/testing';
import { loadConfig } from '@orders/config';
import * as path from 'node:path';
import { Registry } from 'prom-client';
import { WORKSPACE_ROOT } from './manifests';

export type ServerApp = 'gateway' | 'processor' | 'dlq-sidecar';
export const SERVER_APPS: ServerApp[] = ['gateway', 'processor', 'dlq-sidecar'];

export interface Route {
  method: string;
  path: string;
}

/** What one app is, read from its own Nest module graph after the DI container built it. */
export interface AppSurface {
  routes: Route[];
  // Series names as Prometheus exposes them (a histogram's _bucket, _sum and _count).
  metricNames: Set<string>;
  // Controllers, providers and modules Nest instantiates: the code a request or hook can enter.
  classNames: Set<string>;
}

export type AppSurfaces = Record<ServerApp, AppSurface>;

// The metadata hook each app provides: apps/<app>/src/app.module.ts exports AppModule with
// register(config), which builds the app's root module from its validated config alone.
interface RootModule {
  register(config: object): DynamicModule;
}

// Routes an app mounts outside Nest's router, read from the module that mounts them.
const OUTSIDE_ROUTER: Partial<Record<ServerApp, () => Route[]>> = {
  gateway: () => {
    const { API_DOCS_PATH } = require(
      path.join(WORKSPACE_ROOT, 'apps', 'gateway', 'src', 'http', 'create-gateway-app'),
    ) as { API_DOCS_PATH: string };
    return [{ method: 'GET', path: joinPath(API_DOCS_PATH) }];
  },
};

function joinPath(...parts: string[]): string {
  const joined = parts
    .flatMap((part) => part.split('/'))
    .filter(Boolean)
    .join('/');
  return `/${joined}`;
}

function seriesNames(registry: Pick<Registry, 'getMetricsAsArray'>): string[] {
  return registry.getMetricsAsArray().flatMap((metric) => {
    const { name, type } = metric as unknown as { name: string; type: string };
    switch (type) {
      case 'histogram':
        return [name, `${name}_bucket`, `${name}_sum`, `${name}_count`];
      case 'summary':
        return [name, `${name}_sum`, `${name}_count`];
      default:
        return [name];
    }
  });
}

/**
 * Builds the app's Nest container as its main.ts would (providers constructed, no lifecycle hook
 * run, so nothing connects or polls) and reads the routes Nest would register, the series its
 * prom-client registry holds and the classes it manages.
 */
export async function discoverApp(
  app: ServerApp,
  configClass: new () => object,
  env: Record<string, string>,
): Promise<AppSurface> {
  const file = path.join(WORKSPACE_ROOT, 'apps', app, 'src', 'app.module');
  const { AppModule } = require(file) as { AppModule?: RootModule };
  if (typeof AppModule?.register !== 'function') {
    throw new Error(
      `${file}.ts must export AppModule with register(config): the k8s checks read the app's routes and metrics from it`,
    );
  }
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.register(loadConfig(configClass, env))],
  })
    .setLogger({ log: () => undefined, error: () => undefined, warn: () => undefined })
    .compile();
  const explorer = new PathsExplorer(new MetadataScanner());
  const routes: Route[] = [];
  const classNames = new Set<string>();
  for (const module of moduleRef.get(ModulesContainer).values()) {
    classNames.add(module.metatype.name);
    // A provider's class, and the class of what a factory or value provider hands out.
    for (const wrapper of [...module.providers.values(), ...module.injectables.values()]) {
      for (const type of [wrapper.metatype, (wrapper.instance as object | null)?.constructor]) {
        if (typeof type === 'function' && type.name) {
          classNames.add(type.name);
        }
      }
    }
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type;
      classNames.add(controller.name);
      const prefixes = [Reflect.getMetadata(PATH_METADATA, controller) ?? '/'].flat() as string[];
      for (const route of explorer.scanForPaths(Object.create(controller.prototype))) {
        for (const prefix of prefixes) {
          for (const routePath of route.path) {
            routes.push({
              method: RequestMethod[route.requestMethod],
              path: joinPath(prefix, routePath),
            });
          }
        }
      }
    }
  }
  routes.push(...(OUTSIDE_ROUTER[app]?.() ?? []));
  const registry = moduleRef.get(Registry, { strict: false });
  return {
    routes: routes.sort((a, b) => a.path.localeCompare(b.path)),
    metricNames: new Set(seriesNames(registry)),
    classNames,
  };
}
