/**
 * AWS Event Ruler (the open-source engine behind EventBridge) as a test oracle: the synthesized
 * patterns of every rule, resolved for one account and Region, matched against sample events by
 * the same engine EventBridge runs (`test/ruler/Match.java`, classpath from scripts/setup-ruler.sh).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Template } from 'aws-cdk-lib/assertions';
import { REPOSITORY_ROOT } from './synth.js';
import { resourcesOfType } from './template.js';

const CLASSPATH = join(REPOSITORY_ROOT, '.ruler/classpath.txt');
const MATCHER = fileURLToPath(new URL('../ruler/Match.java', import.meta.url));

/** The account, Region and partition the patterns are resolved for. */
export interface Environment {
  readonly account: string;
  readonly region: string;
}

/**
 * Every `AWS::Events::Rule` of the template by logical Id, its pattern resolved: pseudo parameters,
 * `Fn::Join`, and the custom actions' `ActionTargetArn`. A pattern that still holds an intrinsic
 * after that is an error, so no rule is matched half-resolved.
 */
export function resolvedPatterns(template: Template, env: Environment): Record<string, unknown> {
  const actions = template.findResources('AWS::SecurityHub::ActionTarget');
  const pseudo: Record<string, string> = {
    'AWS::AccountId': env.account,
    'AWS::Region': env.region,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
  };
  const resolve = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(resolve);
    if (typeof node !== 'object' || node === null) return node;
    const record = node as Record<string, unknown>;
    if (typeof record.Ref === 'string' && record.Ref in pseudo) return pseudo[record.Ref];
    const join = record['Fn::Join'] as [string, unknown[]] | undefined;
    if (join) return join[1].map(resolve).join(join[0]);
    const getAtt = record['Fn::GetAtt'] as [string, string] | undefined;
    if (getAtt?.[1] === 'ActionTargetArn') {
      const id = (actions[getAtt[0]] as { Properties: { Id: string } }).Properties.Id;
      return `arn:aws:securityhub:${env.region}:${env.account}:action/custom/${id}`;
    }
    return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, resolve(value)]));
  };
  const out: Record<string, unknown> = {};
  for (const [logicalId, rule] of Object.entries(template.findResources('AWS::Events::Rule'))) {
    const pattern = resolve((rule as { Properties: { EventPattern: unknown } }).Properties.EventPattern);
    const text = JSON.stringify(pattern);
    if (/Fn::|"Ref"/.test(text)) throw new Error(`rule ${logicalId} has an unresolved pattern: ${text}`);
    out[logicalId] = pattern;
  }
  if (resourcesOfType(template, 'AWS::Events::Rule').length !== Object.keys(out).length)
    throw new Error('a rule was not resolved');
  return out;
}

/** For each event (by name), the sorted names of the rules whose patterns match it, as EventBridge decides. */
export function matchWithEventRuler(
  rules: Record<string, unknown>,
  events: Record<string, unknown>,
): Record<string, string[]> {
  if (!existsSync(CLASSPATH))
    throw new Error(`${CLASSPATH} is missing: run bash scripts/setup-ruler.sh (or scripts/setup.sh)`);
  const output = execFileSync('java', ['-cp', readFileSync(CLASSPATH, 'utf8').trim(), MATCHER], {
    input: JSON.stringify({ rules, events }),
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return JSON.parse(output) as Record<string, string[]>;
}
