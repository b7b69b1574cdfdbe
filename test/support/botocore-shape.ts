import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { PYTHON } from './tools.js';

// Answers as they came over the wire, checked against the output shapes of the service model
// that ships with the installed botocore (the one boto3 and the AWS CLI v1 parse with): every
// member is one the shape has, of the shape's type, within its enum and length bounds, and every
// required member is there. src/protocol/models/ keeps only input shapes, so the full model is
// read from botocore itself.

interface Shape {
  type: string;
  members?: Record<string, { shape: string }>;
  required?: string[];
  member?: { shape: string };
  key?: { shape: string };
  value?: { shape: string };
  enum?: string[];
  min?: number;
  max?: number;
}

interface Model {
  operations: Record<string, { output?: { shape: string } }>;
  shapes: Record<string, Shape>;
}

const models = new Map<string, Model>();

/** botocore's model of `service` (`kms`, `cloudtrail`, …), its newest API version. */
export function botocoreModel(service: string): Model {
  let model = models.get(service);
  if (model) return model;
  const root = execFileSync(PYTHON, ['-c', 'import botocore, os; print(os.path.dirname(botocore.__file__))'], { encoding: 'utf8' }).trim();
  const dir = join(root, 'data', service);
  const version = readdirSync(dir).sort().pop()!;
  model = JSON.parse(gunzipSync(readFileSync(join(dir, version, 'service-2.json.gz'))).toString('utf8')) as Model;
  models.set(service, model);
  return model;
}

/** Every way `body` (an operation's parsed JSON answer) breaks its output shape; empty when it fits. */
export function outputShapeProblems(service: string, operation: string, body: unknown): string[] {
  const model = botocoreModel(service);
  const output = model.operations[operation]?.output?.shape;
  if (output === undefined) return [`${operation} is not an operation of ${service} with an output`];
  const problems: string[] = [];
  check(model, output, body, operation, problems);
  return problems;
}

/** Fails, naming every problem, when `body` does not fit the output shape of `operation`. */
export function assertOutputShape(service: string, operation: string, body: unknown): void {
  const problems = outputShapeProblems(service, operation, body);
  assert.deepEqual(problems, [], `${operation} answer does not fit botocore's output shape:\n  ${problems.join('\n  ')}`);
}

function check(model: Model, shapeName: string, value: unknown, path: string, problems: string[]): void {
  const shape = model.shapes[shapeName]!;
  const fail = (what: string) => problems.push(`${path}: ${what} (shape ${shapeName}, got ${JSON.stringify(value)?.slice(0, 80)})`);
  switch (shape.type) {
    case 'structure': {
      if (!isObject(value)) return void fail('not an object');
      for (const [name, member] of Object.entries(value)) {
        const ref = shape.members?.[name];
        if (ref === undefined) problems.push(`${path}.${name}: not a member of ${shapeName}`);
        else check(model, ref.shape, member, `${path}.${name}`, problems);
      }
      for (const name of shape.required ?? []) if (!(name in value)) problems.push(`${path}.${name}: required by ${shapeName}, missing`);
      return;
    }
    case 'list':
      if (!Array.isArray(value)) return void fail('not a list');
      bounds(shape, value.length, fail);
      value.forEach((item, i) => check(model, shape.member!.shape, item, `${path}[${i}]`, problems));
      return;
    case 'map':
      if (!isObject(value)) return void fail('not a map');
      for (const [k, v] of Object.entries(value)) {
        check(model, shape.key!.shape, k, `${path}{key}`, problems);
        check(model, shape.value!.shape, v, `${path}{${k}}`, problems);
      }
      return;
    case 'string':
      if (typeof value !== 'string') return void fail('not a string');
      if (shape.enum && !shape.enum.includes(value)) fail(`not one of ${shape.enum.join(', ')}`);
      bounds(shape, value.length, fail);
      return;
    case 'blob': {
      if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) return void fail('not base64');
      bounds(shape, Buffer.from(value, 'base64').length, fail);
      return;
    }
    case 'boolean':
      if (typeof value !== 'boolean') fail('not a boolean');
      return;
    case 'integer':
    case 'long':
      if (!Number.isInteger(value)) return void fail('not an integer');
      bounds(shape, value as number, fail);
      return;
    case 'timestamp':
      if (typeof value !== 'number') fail('not epoch seconds');
      return;
    default:
      fail(`shape type ${shape.type} is not checked here`);
  }
}

function bounds(shape: Shape, n: number, fail: (what: string) => void): void {
  if (shape.min !== undefined && n < shape.min) fail(`below the minimum ${shape.min}`);
  if (shape.max !== undefined && n > shape.max) fail(`above the maximum ${shape.max}`);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
