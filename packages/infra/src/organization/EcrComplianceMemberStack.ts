import {
  CENTRAL_EVENT_BUS_NAME,
  type CentralFunction,
  centralRoleName,
  type MemberRoleKind,
  memberRolePrefix,
} from '@ecr-compliance/adapters-aws/environment';
import {
  Aws,
  CfnParameter,
  DefaultStackSynthesizer,
  type IStackSynthesizer,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { EventBus as EventBusTarget } from 'aws-cdk-lib/aws-events-targets';
import {
  AccountPrincipal,
  PolicyDocument,
  PolicyStatement,
  Role,
  ServicePrincipal,
} from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { BlockableRepositories } from '../EcrContinuousComplianceProps.js';
import { resolveProps } from '../EcrContinuousComplianceProps.js';
import { InvalidPropsError } from '../errors.js';
import { repositoryPolicyStatements } from '../grants.js';
import { FORWARDED_EVENTS } from './forwardedEvents.js';

/** Properties of {@link EcrComplianceMemberStack}. */
export interface EcrComplianceMemberStackProps extends StackProps {
  /**
   * The Region of the central stack, whose event bus receives the forwarded events. A literal:
   * the template takes no parameter but the central account.
   */
  readonly centralRegion: string;
  /**
   * Which repositories the central custom actions may change the policy of, as the central
   * construct's `blockableRepositories`.
   *
   * @default - every repository of the account and Region
   */
  readonly blockableRepositories?: BlockableRepositories;
  /**
   * As the central construct's `autoRemediation`: the central on-finding-imported may also assume
   * the remediate role, which then reads ECR's scans of the images (the evidence of a block).
   *
   * @default false
   */
  readonly autoRemediation?: boolean;
  /**
   * As the central construct's `autoUnblock`: besides the scans, the remediate role reads the image
   * list and this account's Security Hub findings (what may hold a block).
   *
   * @default false
   */
  readonly autoUnblock?: boolean;
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/**
 * The member footprint of the organization shape, for one account and Region, deployable by a
 * service-managed StackSet: no Lambda function, no asset, and one parameter, the central account.
 *
 * - Role `ecr-compliance-import-<region>`: assumed by the central on-image-scan and
 *   on-image-action only; reads ECR's scans and imports into this account's Security Hub in this
 *   Region.
 * - Role `ecr-compliance-remediate-<region>`: assumed by the central on-custom-action only; reads
 *   and writes repository policies in this Region.
 * - Three rules on the default bus forward scans and deletions to the central bus, through a role
 *   that may put events on that bus and nowhere else.
 */
export class EcrComplianceMemberStack extends Stack {
  /** The central account id: the template's only parameter. */
  public readonly centralAccountId: CfnParameter;
  /** The role the central import functions assume. */
  public readonly importRole: Role;
  /** The role the central custom action function assumes. */
  public readonly remediateRole: Role;
  /** The role EventBridge assumes to put the forwarded events on the central bus. */
  public readonly forwardRole: Role;
  /** The forwarding rules, by the name of the event they forward. */
  public readonly forwardRules: Readonly<Record<keyof typeof FORWARDED_EVENTS, Rule>>;

  constructor(scope: Construct, id: string, props: EcrComplianceMemberStackProps) {
    if (!REGION.test(props.centralRegion)) {
      throw new InvalidPropsError(
        'centralRegion',
        `'${props.centralRegion}' is not a Region name such as eu-west-1`,
      );
    }
    // The same check of the scope as the central construct's.
    const { blockableRepositories } = resolveProps(
      props.blockableRepositories ? { blockableRepositories: props.blockableRepositories } : {},
    );
    const {
      centralRegion: _centralRegion,
      blockableRepositories: _scope,
      autoRemediation = false,
      autoUnblock = false,
      ...stackProps
    } = props;
    const automatic = autoRemediation || autoUnblock;
    super(scope, id, {
      description:
        'ecr-compliance member footprint: roles for the central functions, and rules that forward ECR scans and deletions to the central account',
      // A StackSet deploys the template into accounts that were never bootstrapped: no bootstrap
      // version parameter or rule, only the central account.
      // (The cast: aws-cdk-lib's own declarations do not satisfy exactOptionalPropertyTypes here.)
      synthesizer: new DefaultStackSynthesizer({
        generateBootstrapVersionRule: false,
      }) as unknown as IStackSynthesizer,
      ...stackProps,
    });
    this.centralAccountId = new CfnParameter(this, 'CentralAccountId', {
      type: 'String',
      description:
        'The Security Hub delegated administrator account that runs the ecr-compliance central stack',
      allowedPattern: '^\\d{12}$',
      constraintDescription: 'a 12-digit account id',
    });
    const central = this.centralAccountId.valueAsString;
    const arn = (service: string, resource: string) =>
      `arn:${Aws.PARTITION}:${service}:${Aws.REGION}:${Aws.ACCOUNT_ID}:${resource}`;
    const repositories = arn('ecr', 'repository/*');

    this.importRole = this.memberRole('ImportRole', 'import', ['OnImageScan', 'OnImageAction'], central, [
      new PolicyStatement({ actions: ['ecr:DescribeImageScanFindings'], resources: [repositories] }),
      // DescribeImageScanFindings reads Amazon Inspector's findings with the caller's permissions for
      // enhanced scanning; ListFindings has no resource type.
      new PolicyStatement({ actions: ['inspector2:ListFindings'], resources: ['*'] }),
      new PolicyStatement({
        actions: ['securityhub:BatchImportFindings'],
        resources: [arn('securityhub', `product/${Aws.ACCOUNT_ID}/default`)],
      }),
      new PolicyStatement({
        actions: ['securityhub:GetFindings'],
        resources: [arn('securityhub', 'hub/default')],
      }),
      // on-image-scan: is the repository blocked? Its new image finding then carries the block mark.
      new PolicyStatement({ actions: ['ecr:GetRepositoryPolicy'], resources: [repositories] }),
    ]);
    Validations.of(this.importRole).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only inspector2:ListFindings, which DescribeImageScanFindings needs for enhanced scanning: it has no resource type in the Service Authorization Reference. It reads findings; it changes nothing.',
    });
    this.acknowledgeAnyRepository(this.importRole);

    this.remediateRole = this.memberRole(
      'RemediateRole',
      'remediate',
      automatic ? ['OnCustomAction', 'OnFindingImported'] : ['OnCustomAction'],
      central,
      [
        ...repositoryPolicyStatements((name) => arn('ecr', `repository/${name}`), blockableRepositories),
        // Automatic remediation's evidence: ECR's own scan of an image (and Inspector's findings,
        // which DescribeImageScanFindings reads with the caller's permissions for enhanced scanning).
        ...(automatic
          ? [
              new PolicyStatement({ actions: ['ecr:DescribeImageScanFindings'], resources: [repositories] }),
              new PolicyStatement({ actions: ['inspector2:ListFindings'], resources: ['*'] }),
            ]
          : []),
        // A release also reads the images of the repository and the findings that may hold the block.
        ...(autoUnblock
          ? [
              new PolicyStatement({ actions: ['ecr:ListImages'], resources: [repositories] }),
              new PolicyStatement({
                actions: ['securityhub:GetFindings'],
                resources: [arn('securityhub', 'hub/default')],
              }),
            ]
          : []),
      ],
    );
    this.acknowledgeAnyRepository(this.remediateRole);
    if (automatic)
      Validations.of(this.remediateRole).acknowledge({
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason:
          'Only inspector2:ListFindings, which DescribeImageScanFindings needs for enhanced scanning: it has no resource type in the Service Authorization Reference. It reads findings; it changes nothing.',
      });
    if (blockableRepositories.kind === 'namePrefixes') {
      for (const prefix of blockableRepositories.prefixes)
        Validations.of(this.remediateRole).acknowledge({
          id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecr:<AWS::Region>:<AWS::AccountId>:repository/${prefix}*]`,
          reason:
            'blockableRepositories.namePrefixes: the repository policy may be written only for repositories whose name begins with this prefix.',
        });
    }

    const centralBusArn = `arn:${Aws.PARTITION}:events:${props.centralRegion}:${central}:event-bus/${CENTRAL_EVENT_BUS_NAME}`;
    this.forwardRole = new Role(this, 'ForwardRole', {
      assumedBy: new ServicePrincipal('events.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      // The targets grant it events:PutEvents on the central bus, and nothing else.
      description: 'ecr-compliance: EventBridge puts forwarded scans and deletions on the central bus',
    });
    const centralBus = EventBus.fromEventBusArn(this, 'CentralBus', centralBusArn);
    const rules = {} as Record<keyof typeof FORWARDED_EVENTS, Rule>;
    for (const [name, event] of Object.entries(FORWARDED_EVENTS) as Array<
      [keyof typeof FORWARDED_EVENTS, (typeof FORWARDED_EVENTS)[keyof typeof FORWARDED_EVENTS]]
    >) {
      rules[name] = new Rule(this, `Forward${name}Rule`, {
        description: `ecr-compliance: ${event.description} -> the central account's bus`,
        eventPattern: event.pattern,
        targets: [new EventBusTarget(centralBus, { role: this.forwardRole })],
      });
    }
    this.forwardRules = rules;
  }

  private memberRole(
    id: string,
    kind: MemberRoleKind,
    trusted: readonly CentralFunction[],
    centralAccountId: string,
    statements: readonly PolicyStatement[],
  ): Role {
    return new Role(this, id, {
      roleName: `${memberRolePrefix(kind)}${Aws.REGION}`,
      description: `ecr-compliance: assumed by the central ${trusted.join(' and ')} to act in this account and Region`,
      // The central account, and within it only these roles (by ARN: a trust policy that names a
      // role ARN as principal breaks when that role is replaced; the condition does not).
      assumedBy: new AccountPrincipal(centralAccountId).withConditions({
        ArnEquals: {
          'aws:PrincipalArn': trusted.map(
            (fn) => `arn:${Aws.PARTITION}:iam::${centralAccountId}:role/${centralRoleName(fn)}`,
          ),
        },
      }),
      inlinePolicies: { [`${id}Policy`]: new PolicyDocument({ statements: [...statements] }) },
    });
  }

  private acknowledgeAnyRepository(role: Role): void {
    Validations.of(role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecr:<AWS::Region>:<AWS::AccountId>:repository/*]',
      reason:
        'The repository is known only when an event or a click arrives: any repository of this account and Region. The actions are only the few the central function calls.',
    });
  }
}
