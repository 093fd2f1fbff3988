// Finds every AWS::StepFunctions::StateMachine in synthesized CloudFormation templates and turns its
// DefinitionString (CDK writes Fn::Join over literal chunks, Ref and Fn::GetAtt) into a plain ASL definition:
// every reference becomes a fake but well-formed value (ARN, name, queue URL) derived from the logical id,
// in account 123456789012, us-east-1, partition aws. DefinitionSubstitutions are applied the way
// CloudFormation does. Plain ASL files (*.asl.json) are accepted too, as definitions without a template.

import fs from 'node:fs';
import path from 'node:path';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

const PSEUDO = {
  'AWS::Partition': 'aws', 'AWS::Region': REGION, 'AWS::AccountId': ACCOUNT, 'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': 'TestStack', 'AWS::StackId': `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/TestStack/00000000-0000-0000-0000-000000000000`,
  'AWS::NoValue': undefined,
};

export function collectInputs(args) {
  const files = [];
  const walk = (dir, depth) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isFile() && (entry.name.endsWith('.template.json') || entry.name.endsWith('.asl.json'))) files.push(full);
      else if (entry.isDirectory() && depth < 4 && entry.name.startsWith('assembly-')) walk(full, depth + 1);
    }
  };
  for (const arg of args) {
    if (fs.statSync(arg).isDirectory()) walk(arg, 0);
    else files.push(arg);
  }
  return files;
}

class Resolver {
  constructor(template) {
    this.resources = template.Resources ?? {};
    this.parameters = template.Parameters ?? {};
  }

  type(id) {
    return this.resources[id]?.Type;
  }

  ref(id) {
    if (id in PSEUDO) return PSEUDO[id];
    if (id in this.parameters) return this.parameters[id].Default ?? `param-${id}`;
    const type = this.type(id);
    if (!type) throw new Error(`Ref to unknown resource ${id}`);
    switch (type) {
      case 'AWS::S3::Bucket': return id.toLowerCase();
      case 'AWS::SQS::Queue': return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${id}`;
      case 'AWS::StepFunctions::StateMachine': return `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${id}`;
      case 'AWS::SNS::Topic': return `arn:aws:sns:${REGION}:${ACCOUNT}:${id}`;
      default: return id;
    }
  }

  att(id, attr) {
    const type = this.type(id);
    if (!type) throw new Error(`Fn::GetAtt of unknown resource ${id}`);
    const service = type.split('::')[1].toLowerCase();
    if (attr === 'Arn') {
      switch (type) {
        case 'AWS::Lambda::Function': return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${id}`;
        case 'AWS::DynamoDB::Table': return `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${id}`;
        case 'AWS::S3::Bucket': return `arn:aws:s3:::${id.toLowerCase()}`;
        case 'AWS::SQS::Queue': return `arn:aws:sqs:${REGION}:${ACCOUNT}:${id}`;
        case 'AWS::StepFunctions::StateMachine': return this.ref(id);
        case 'AWS::IAM::Role': return `arn:aws:iam::${ACCOUNT}:role/${id}`;
        case 'AWS::SecretsManager::Secret': return `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${id}-AbCdEf`;
        default: return `arn:aws:${service}:${REGION}:${ACCOUNT}:${id}`;
      }
    }
    if (attr === 'StreamArn') return `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${id}/stream/2024-01-01T00:00:00.000`;
    if (attr === 'QueueUrl') return this.ref(id);
    if (attr === 'QueueName' || attr === 'Name' || attr === 'TopicName') return id;
    if (attr === 'DomainName' || attr === 'RegionalDomainName') return `${id.toLowerCase()}.s3.${REGION}.amazonaws.com`;
    return `${id}-${attr}`;
  }

  resolve(v) {
    if (Array.isArray(v)) return v.map((x) => this.resolve(x));
    if (v === null || typeof v !== 'object') return v;
    const keys = Object.keys(v);
    if (keys.length === 1) {
      const [k] = keys;
      const arg = v[k];
      switch (k) {
        case 'Ref': return this.ref(arg);
        case 'Fn::GetAtt': {
          const [id, attr] = Array.isArray(arg) ? arg : arg.split(/\.(.+)/);
          return this.att(id, attr);
        }
        case 'Fn::Join': return this.resolve(arg[1]).filter((x) => x !== undefined).join(arg[0]);
        case 'Fn::Select': return this.resolve(arg[1])[Number(this.resolve(arg[0]))];
        case 'Fn::Split': return this.resolve(arg[1]).split(arg[0]);
        case 'Fn::Sub': return this.sub(...(Array.isArray(arg) ? [arg[0], this.resolve(arg[1])] : [arg, {}]));
        case 'Fn::ImportValue': return `imported-${JSON.stringify(this.resolve(arg))}`;
        case 'Fn::If': case 'Fn::Equals': case 'Fn::And': case 'Fn::Or': case 'Fn::Not': case 'Condition':
          throw new Error(`${k} in a state machine definition is not resolved by this harness`);
        default: break;
      }
    }
    return Object.fromEntries(Object.entries(v).map(([key, x]) => [key, this.resolve(x)]));
  }

  sub(str, vars) {
    return str.replace(/\$\{(!?)([^}]+)\}/g, (all, bang, name) => {
      if (bang) return `\${${name}}`;
      if (name in vars) return vars[name];
      const [id, attr] = name.split(/\.(.+)/);
      return attr ? this.att(id, attr) : this.ref(id);
    });
  }
}

/**
 * Returns [{ file, logicalId, type, definition, stateMachineArn, environmentOf(functionArn) }] for a file.
 */
export function loadStateMachines(file) {
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (file.endsWith('.asl.json')) {
    const id = path.basename(file, '.asl.json');
    return [{ file, logicalId: id, type: 'STANDARD', definition: json, stateMachineArn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${id}`, environmentOf: () => ({}) }];
  }
  const resolver = new Resolver(json);
  const machines = [];
  for (const [id, res] of Object.entries(json.Resources ?? {})) {
    if (res.Type !== 'AWS::StepFunctions::StateMachine') continue;
    const p = res.Properties ?? {};
    let text;
    if (p.DefinitionString !== undefined) text = resolver.resolve(p.DefinitionString);
    else if (p.Definition !== undefined) text = JSON.stringify(resolver.resolve(p.Definition));
    else throw new Error(`${id}: no DefinitionString/Definition (DefinitionS3Location is not supported)`);
    const subs = resolver.resolve(p.DefinitionSubstitutions ?? {});
    text = text.replace(/\$\{([^}]+)\}/g, (all, name) => (name in subs ? String(subs[name]) : all));
    machines.push({
      file, logicalId: id, type: p.StateMachineType ?? 'STANDARD', definition: JSON.parse(text),
      stateMachineArn: resolver.ref(id),
      // The environment a Lambda function of this template sees, to wire the doubles like the real handlers.
      environmentOf: (functionArn) => {
        const fn = Object.entries(json.Resources).find(([fid, r]) => r.Type === 'AWS::Lambda::Function' && resolver.att(fid, 'Arn') === functionArn);
        return fn ? resolver.resolve(fn[1].Properties?.Environment?.Variables ?? {}) : {};
      },
    });
  }
  return machines;
}
