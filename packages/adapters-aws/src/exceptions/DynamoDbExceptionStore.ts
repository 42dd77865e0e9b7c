import {
  ConditionalCheckFailedException,
  DescribeTableCommand,
  type DynamoDBClient,
  ListTagsOfResourceCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateScan,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  EcrComplianceError,
  type ExceptionRecord,
  type ExceptionStore,
  InvalidInputError,
  MAX_EXPIRY_DAYS_TAG,
  parseExceptionRecord,
  resolveMaxExceptionDays,
} from '@ecr-compliance/core';
import { describeError } from '../awsErrors.js';

/** The attribute that records when the "Exception Expiring" event went out (not part of the record). */
const ANNOUNCED = 'announcedAt';

/** An item as the table holds it: the record, flat, plus the bookkeeping attribute. */
function recordOf(item: Record<string, unknown>, table: string): ExceptionRecord {
  const { [ANNOUNCED]: _announced, ...record } = item;
  try {
    return parseExceptionRecord(record);
  } catch (error) {
    throw new EcrComplianceError(
      `table ${table} holds an unreadable exception ${JSON.stringify(item.id)}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/**
 * Exceptions in a DynamoDB table (partition key `id`, the construct creates it encrypted with a
 * customer managed key and point-in-time recovery). Items are the records themselves, checked when
 * read; a new exception is written only if its id is free.
 */
export class DynamoDbExceptionStore implements ExceptionStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #raw: DynamoDBClient;
  readonly #table: string;

  constructor(options: { readonly client: DynamoDBClient; readonly tableName: string }) {
    this.#raw = options.client;
    this.#client = DynamoDBDocumentClient.from(options.client, {
      marshallOptions: { removeUndefinedValues: true },
    });
    this.#table = options.tableName;
  }

  async list(): Promise<readonly ExceptionRecord[]> {
    const out: ExceptionRecord[] = [];
    try {
      for await (const page of paginateScan(
        { client: this.#client },
        { TableName: this.#table, ConsistentRead: true },
      )) {
        for (const item of page.Items ?? []) out.push(recordOf(item, this.#table));
      }
    } catch (error) {
      if (error instanceof EcrComplianceError) throw error;
      throw new EcrComplianceError(`cannot read exceptions from ${this.#table}: ${describeError(error)}`, {
        cause: error,
      });
    }
    return out.sort((a, b) => a.id.localeCompare(b.id));
  }

  async put(record: ExceptionRecord): Promise<void> {
    try {
      await this.#client.send(
        new PutCommand({
          TableName: this.#table,
          Item: { ...record },
          ConditionExpression: 'attribute_not_exists(id)',
        }),
      );
    } catch (error) {
      if (
        error instanceof ConditionalCheckFailedException ||
        (error as Error).name === 'ConditionalCheckFailedException'
      ) {
        throw new InvalidInputError(`an exception ${record.id} exists already`, 'id', { cause: error });
      }
      throw new EcrComplianceError(`cannot store exception ${record.id}: ${describeError(error)}`, {
        cause: error,
      });
    }
  }

  async remove(id: string): Promise<ExceptionRecord | undefined> {
    const out = await this.#client.send(
      new DeleteCommand({ TableName: this.#table, Key: { id }, ReturnValues: 'ALL_OLD' }),
    );
    return out.Attributes ? recordOf(out.Attributes, this.#table) : undefined;
  }

  async markAnnounced(id: string, at: string): Promise<void> {
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { id },
          UpdateExpression: 'SET #a = :at',
          ConditionExpression: 'attribute_exists(id)',
          ExpressionAttributeNames: { '#a': ANNOUNCED },
          ExpressionAttributeValues: { ':at': at },
        }),
      );
    } catch (error) {
      // Removed meanwhile: nothing left to announce.
      if ((error as Error).name === 'ConditionalCheckFailedException') return;
      throw error;
    }
  }

  async announced(id: string): Promise<boolean> {
    const out = await this.#client.send(
      new GetCommand({
        TableName: this.#table,
        Key: { id },
        ConsistentRead: true,
        ProjectionExpression: '#a',
        ExpressionAttributeNames: { '#a': ANNOUNCED },
      }),
    );
    return typeof out.Item?.[ANNOUNCED] === 'string';
  }

  /**
   * The longest expiry the deployment allows, as the construct tags the table
   * (`ecr-compliance:max-expiry-days`); undefined when the table has no such tag.
   *
   * @throws EcrComplianceError when the table or its tags cannot be read, or the tag is not a limit
   */
  async maxExpiryDays(): Promise<number | undefined> {
    let value: string | undefined;
    try {
      const table = await this.#raw.send(new DescribeTableCommand({ TableName: this.#table }));
      const arn = table.Table?.TableArn;
      let token: string | undefined;
      do {
        const page = await this.#raw.send(
          new ListTagsOfResourceCommand({ ResourceArn: arn, ...(token ? { NextToken: token } : {}) }),
        );
        value = page.Tags?.find((t) => t.Key === MAX_EXPIRY_DAYS_TAG)?.Value ?? value;
        token = page.NextToken;
      } while (token && value === undefined);
    } catch (error) {
      throw new EcrComplianceError(
        `cannot read the tag ${MAX_EXPIRY_DAYS_TAG} of table ${this.#table}: ${describeError(error)}`,
        { cause: error },
      );
    }
    if (value === undefined) return undefined;
    try {
      return resolveMaxExceptionDays(/^\d+$/.test(value) ? Number(value) : Number.NaN, MAX_EXPIRY_DAYS_TAG);
    } catch (error) {
      throw new EcrComplianceError(
        `table ${this.#table}: ${(error as Error).message.replace(/got NaN$/, `got ${JSON.stringify(value)}`)}`,
        { cause: error },
      );
    }
  }
}
