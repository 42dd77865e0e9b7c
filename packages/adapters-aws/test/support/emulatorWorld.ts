/**
 * The world of the end-to-end tests that run the real handlers against moto: moto in server mode,
 * a transparent fault proxy in front of it that counts the handlers' calls, clients that reach
 * moto directly (for the test's own setup and checks), the idempotency table, and handlers loaded
 * with an environment that points them at the proxy.
 */
import { ECRClient, GetRepositoryPolicyCommand } from '@aws-sdk/client-ecr';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { type FaultProxy, startFaultProxy } from './fault-proxy.js';
import { awsClientConfig, type MotoServer, startMoto } from './moto.js';
import { createIdempotencyTable, handlerEnvironment } from './scenario.js';
import { loadHandler } from './world.js';

export { BLOCK_ACTION_ARN, UNBLOCK_ACTION_ARN } from './scenario.js';

/** A Lambda handler as the tests call it. */
export type Handler = (event: unknown, context: unknown) => Promise<any>;

/** The handlers of adapters-aws, by module name. */
export type HandlerName = 'on-image-scan' | 'on-custom-action' | 'on-image-action' | 'on-finding-imported';

/** The policy text of a repository as ECR holds it, or null when it has none. */
export async function repositoryPolicyText(ecr: ECRClient, repositoryName: string): Promise<string | null> {
  try {
    return (await ecr.send(new GetRepositoryPolicyCommand({ repositoryName }))).policyText ?? null;
  } catch (error) {
    if ((error as Error).name === 'RepositoryPolicyNotFoundException') return null;
    throw error;
  }
}

/** What {@link startEmulatorWorld} starts. */
export interface EmulatorWorld {
  readonly moto: MotoServer;
  /** Forwards and counts (no faults unless configured): the handlers reach moto through it. */
  readonly proxy: FaultProxy;
  /** Reaches moto directly. */
  readonly ecr: ECRClient;
  /** Reaches moto directly. */
  readonly securityHub: SecurityHubClient;
  /** Loads a handler afresh with {@link handlerEnvironment} at the proxy, plus `extra`. */
  handler(name: HandlerName, extra?: Record<string, string>): Promise<Handler>;
  /** Stops the clients, the proxy and moto. */
  close(): Promise<void>;
}

/** Starts moto, the proxy, the clients and the idempotency table. */
export async function startEmulatorWorld(): Promise<EmulatorWorld> {
  const moto = await startMoto();
  const proxy = await startFaultProxy({ upstream: moto.endpoint });
  const config = awsClientConfig(moto.endpoint, moto.region);
  const ecr = new ECRClient(config);
  const securityHub = new SecurityHubClient(config);
  await createIdempotencyTable(config, 'ecr-compliance-idempotency');
  return {
    moto,
    proxy,
    ecr,
    securityHub,
    handler: async (name, extra = {}) =>
      (
        await loadHandler<{ handler: Handler }>(
          `../../src/handlers/${name}.js`,
          handlerEnvironment(proxy.endpoint, extra),
        )
      ).handler,
    close: async () => {
      ecr.destroy();
      securityHub.destroy();
      await proxy.close();
      await moto.stop();
    },
  };
}
