import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * Powertools Idempotency keyed on the EventBridge event `id`: a redelivered event (EventBridge
 * at-least-once, Lambda's async queue) returns the stored result instead of importing or writing
 * a policy again. Records live 24 hours, the longest EventBridge retries an event.
 */
export function eventIdempotency(tableName: string, client: DynamoDBClient) {
  return {
    persistenceStore: new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: client }),
    config: new IdempotencyConfig({
      eventKeyJmesPath: 'id',
      expiresAfterSeconds: 24 * 60 * 60,
      throwOnNoIdempotencyKey: true,
    }),
  };
}

/** The part of the Lambda context the handlers use. */
export interface LambdaContext {
  readonly awsRequestId: string;
  readonly functionName: string;
  getRemainingTimeInMillis(): number;
}
