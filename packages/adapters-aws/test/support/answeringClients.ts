/**
 * SDK clients whose `send` answers from a function instead of the network, for benchmarks that
 * count calls without an emulator: real ECRClient and SecurityHubClient instances (the SDK's
 * paginators check the class), so the adapters run unchanged. No test-runner imports here.
 */
import { ECRClient } from '@aws-sdk/client-ecr';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';

/** Answers one command by its name (`DescribeImageScanFindingsCommand`, ...) and input. */
export type Answer = (command: string, input: Record<string, unknown>) => unknown;

/** The two clients, and how many times each command was sent. */
export interface AnsweringClients {
  readonly ecr: ECRClient;
  readonly securityHub: SecurityHubClient;
  readonly calls: Map<string, number>;
}

/** Clients that answer with `ecr` and `securityHub`; a thrown error is the call's error. */
export function answeringClients(answers: {
  readonly ecr: Answer;
  readonly securityHub: Answer;
}): AnsweringClients {
  const calls = new Map<string, number>();
  const wire = <T extends { send: unknown }>(client: T, answer: Answer): T => {
    (client as { send: unknown }).send = async (command: {
      constructor: { name: string };
      input: object;
    }) => {
      const name = command.constructor.name;
      calls.set(name, (calls.get(name) ?? 0) + 1);
      return answer(name, command.input as Record<string, unknown>);
    };
    return client;
  };
  const config = { region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } };
  return {
    ecr: wire(new ECRClient(config), answers.ecr),
    securityHub: wire(new SecurityHubClient({ ...config, maxAttempts: 1 }), answers.securityHub),
    calls,
  };
}
