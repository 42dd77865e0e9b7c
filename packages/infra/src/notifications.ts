/**
 * Notifications of the domain events the handlers put on the default event bus (source
 * `ecr-compliance`): rules for a block, a release and new CRITICAL vulnerabilities, delivering to an
 * SNS topic (this construct's, encrypted with its own KMS key, or the user's). A chat tool (AWS
 * Chatbot, a webhook relay) can subscribe to the topic.
 */
import { DOMAIN_EVENT_SOURCE, DOMAIN_EVENT_TYPES } from '@ecr-compliance/core';
import { Aws, Duration } from 'aws-cdk-lib';
import { type EventPattern, Rule } from 'aws-cdk-lib/aws-events';
import { SnsTopic } from 'aws-cdk-lib/aws-events-targets';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Options of the construct's `notifications` prop. */
export interface NotificationsOptions {
  /**
   * The topic the rules deliver to. It must accept `sns:Publish` from `events.amazonaws.com` (the
   * rule targets add that to a topic of the same stack), and if it is encrypted, its key must let
   * EventBridge use it.
   *
   * @default - a new topic, encrypted with a new customer managed KMS key (rotation on)
   */
  readonly topic?: ITopic;
  /**
   * Also notify on "Image Findings Imported" events that bring new CRITICAL vulnerabilities.
   *
   * @default true
   */
  readonly newCriticalFindings?: boolean;
}

/** The event patterns of the notification rules, by rule id (`account` is filled in by the construct). */
export const NOTIFICATION_PATTERNS = {
  RepositoryBlockedRule: {
    source: [DOMAIN_EVENT_SOURCE],
    detailType: [DOMAIN_EVENT_TYPES.repositoryBlocked],
  },
  RepositoryUnblockedRule: {
    source: [DOMAIN_EVENT_SOURCE],
    detailType: [DOMAIN_EVENT_TYPES.repositoryUnblocked],
  },
  NewCriticalFindingsRule: {
    source: [DOMAIN_EVENT_SOURCE],
    detailType: [DOMAIN_EVENT_TYPES.imageFindingsImported],
    detail: { newCounts: { CRITICAL: [{ numeric: ['>', 0] }] } },
  },
} as const satisfies Record<string, EventPattern>;

/** What {@link Notifications} creates. */
export class Notifications extends Construct {
  /** The topic the rules deliver to. */
  public readonly topic: ITopic;
  /** The topic's key, when this construct created the topic. */
  public readonly key: Key | undefined;
  /** The rules, by id. */
  public readonly rules: Readonly<Record<string, Rule>>;

  constructor(scope: Construct, id: string, options: NotificationsOptions, deadLetterQueue: Queue) {
    super(scope, id);
    if (options.topic) {
      this.topic = options.topic;
      this.key = undefined;
    } else {
      this.key = new Key(this, 'TopicKey', {
        description: 'ecr-compliance: encrypts the notification topic',
        enableKeyRotation: true,
      });
      // EventBridge publishes to an encrypted topic only if it may use the key.
      this.key.grant(new ServicePrincipal('events.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
      const topic = new Topic(this, 'Topic', {
        displayName: 'ecr-compliance notifications',
        masterKey: this.key,
        enforceSSL: true,
      });
      this.topic = topic;
    }
    const wanted = Object.entries(NOTIFICATION_PATTERNS).filter(
      ([ruleId]) => ruleId !== 'NewCriticalFindingsRule' || (options.newCriticalFindings ?? true),
    );
    this.rules = Object.fromEntries(
      wanted.map(([ruleId, pattern]) => [
        ruleId,
        new Rule(this, ruleId, {
          description: `ecr-compliance: ${pattern.detailType[0]} -> the notification topic`,
          // Only this account's own events: anyone who may put events here could send these, but
          // not from another account.
          eventPattern: { ...pattern, account: [Aws.ACCOUNT_ID] } as EventPattern,
          targets: [
            new SnsTopic(this.topic, {
              deadLetterQueue,
              retryAttempts: 185,
              maxEventAge: Duration.hours(24),
            }),
          ],
        }),
      ]),
    );
  }
}
