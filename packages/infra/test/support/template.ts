/** Small readers over a synthesized template, for assertions that Match alone cannot express. */
import type { Template } from 'aws-cdk-lib/assertions';

/** A resource of the template. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
  readonly DependsOn?: string[];
}

/** Every resource of one type. */
export function resourcesOfType(template: Template, type: string): TemplateResource[] {
  return Object.values(template.findResources(type)) as TemplateResource[];
}

/** The resource with this logical Id, which must be of this type. */
export function resourceOfType(template: Template, type: string, logicalId: string): TemplateResource {
  const resource = template.findResources(type)[logicalId] as TemplateResource | undefined;
  if (resource === undefined) throw new Error(`no ${type} with logical Id ${logicalId}`);
  return resource;
}

/** The statements of the one AWS::IAM::Policy attached to this role. */
export function policyStatements(template: Template, roleLogicalId: string): unknown[] {
  const policies = resourcesOfType(template, 'AWS::IAM::Policy').filter(
    (policy) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: roleLogicalId }]),
  );
  if (policies.length !== 1)
    throw new Error(`expected one policy for ${roleLogicalId}, found ${policies.length}`);
  const document = policies[0]?.Properties.PolicyDocument as { Statement: unknown[] };
  return document.Statement;
}
