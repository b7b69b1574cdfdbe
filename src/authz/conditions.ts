import { conditionValues, variableValue } from './condition-keys.js';
import type { RequestContext } from './context.js';
import { globMatches } from './glob.js';
import { cidrContains, parseCidr, parseIp, type Cidr } from './ip.js';
import { parseTemplate, resolveTemplate, type Template } from './template.js';

/**
 * Condition operators as IAM defines them, with the IfExists suffix and the ForAnyValue: /
 * ForAllValues: set qualifiers. A condition block holds when every operator holds for every key;
 * a key holds when the request value matches any of the listed values (for a negated operator:
 * none of them). A key the request does not carry makes a positive operator false and a negated
 * one true, unless IfExists makes it true either way.
 */
type Family = 'string' | 'numeric' | 'date' | 'bool' | 'binary' | 'ip' | 'arn' | 'null';
type Compare = 'eq' | 'lt' | 'le' | 'gt' | 'ge';

interface OperatorSpec {
  readonly name: string;
  readonly family: Family;
  readonly negated: boolean;
  readonly like?: boolean;
  readonly ignoreCase?: boolean;
  readonly compare?: Compare;
}

const SPECS: OperatorSpec[] = [
  { name: 'StringEquals', family: 'string', negated: false },
  { name: 'StringNotEquals', family: 'string', negated: true },
  { name: 'StringEqualsIgnoreCase', family: 'string', negated: false, ignoreCase: true },
  { name: 'StringNotEqualsIgnoreCase', family: 'string', negated: true, ignoreCase: true },
  { name: 'StringLike', family: 'string', negated: false, like: true },
  { name: 'StringNotLike', family: 'string', negated: true, like: true },
  { name: 'NumericEquals', family: 'numeric', negated: false, compare: 'eq' },
  { name: 'NumericNotEquals', family: 'numeric', negated: true, compare: 'eq' },
  { name: 'NumericLessThan', family: 'numeric', negated: false, compare: 'lt' },
  { name: 'NumericLessThanEquals', family: 'numeric', negated: false, compare: 'le' },
  { name: 'NumericGreaterThan', family: 'numeric', negated: false, compare: 'gt' },
  { name: 'NumericGreaterThanEquals', family: 'numeric', negated: false, compare: 'ge' },
  { name: 'DateEquals', family: 'date', negated: false, compare: 'eq' },
  { name: 'DateNotEquals', family: 'date', negated: true, compare: 'eq' },
  { name: 'DateLessThan', family: 'date', negated: false, compare: 'lt' },
  { name: 'DateLessThanEquals', family: 'date', negated: false, compare: 'le' },
  { name: 'DateGreaterThan', family: 'date', negated: false, compare: 'gt' },
  { name: 'DateGreaterThanEquals', family: 'date', negated: false, compare: 'ge' },
  { name: 'Bool', family: 'bool', negated: false },
  { name: 'BinaryEquals', family: 'binary', negated: false },
  { name: 'IpAddress', family: 'ip', negated: false },
  { name: 'NotIpAddress', family: 'ip', negated: true },
  // ArnEquals and ArnLike behave alike: both take wildcards in each of the six ARN fields.
  { name: 'ArnEquals', family: 'arn', negated: false, like: true },
  { name: 'ArnLike', family: 'arn', negated: false, like: true },
  { name: 'ArnNotEquals', family: 'arn', negated: true, like: true },
  { name: 'ArnNotLike', family: 'arn', negated: true, like: true },
  { name: 'Null', family: 'null', negated: false },
];
const BY_NAME = new Map(SPECS.map((s) => [s.name.toLowerCase(), s]));

export type SetQualifier = 'ForAnyValue' | 'ForAllValues';

export interface ConditionOperator {
  readonly spec: OperatorSpec;
  readonly ifExists: boolean;
  readonly qualifier: SetQualifier | null;
}

/** Reads `ForAllValues:StringLikeIfExists` and the like; null for an operator IAM does not know. */
export function parseOperator(text: string): ConditionOperator | null {
  let rest = text;
  let qualifier: SetQualifier | null = null;
  const colon = rest.indexOf(':');
  if (colon >= 0) {
    const q = rest.slice(0, colon).toLowerCase();
    if (q === 'foranyvalue') qualifier = 'ForAnyValue';
    else if (q === 'forallvalues') qualifier = 'ForAllValues';
    else return null;
    rest = rest.slice(colon + 1);
  }
  let ifExists = false;
  if (rest.toLowerCase().endsWith('ifexists')) {
    ifExists = true;
    rest = rest.slice(0, -'ifexists'.length);
  }
  const spec = BY_NAME.get(rest.toLowerCase());
  if (!spec) return null;
  if (spec.family === 'null' && (ifExists || qualifier)) return null;
  return { spec, ifExists, qualifier };
}

type Prepared =
  | { readonly family: 'string'; readonly template: Template }
  | { readonly family: 'arn'; readonly template: Template; readonly fields: Template[] | null }
  | { readonly family: 'numeric' | 'date'; readonly number: number | null }
  | { readonly family: 'bool' | 'binary'; readonly text: string }
  | { readonly family: 'ip'; readonly cidr: Cidr | null }
  | { readonly family: 'null'; readonly absent: boolean | null };

export interface Condition {
  /** The operator as the policy writes it. */
  readonly operatorText: string;
  readonly operator: ConditionOperator;
  readonly key: string;
  readonly values: readonly Prepared[];
}

/** Prepares one operator/key/values entry; values are strings, numbers or booleans (IAM reads each as text). */
export function prepareCondition(operatorText: string, operator: ConditionOperator, key: string, raw: readonly string[], variables: boolean): Condition {
  const { spec } = operator;
  const values = raw.map((v): Prepared => {
    switch (spec.family) {
      case 'string':
        return {
          family: 'string',
          template: parseTemplate(v, { wildcards: spec.like === true, variables, caseInsensitive: spec.ignoreCase === true }),
        };
      case 'arn': {
        const template = parseTemplate(v, { wildcards: true, variables });
        return { family: 'arn', template, fields: arnFields(v)?.map((f) => parseTemplate(f, { wildcards: true, variables })) ?? null };
      }
      case 'numeric':
        return { family: 'numeric', number: parseNumber(v) };
      case 'date':
        return { family: 'date', number: parseDate(v) };
      case 'bool':
        return { family: 'bool', text: v.toLowerCase() };
      case 'binary':
        return { family: 'binary', text: v };
      case 'ip':
        return { family: 'ip', cidr: parseCidr(v) };
      case 'null':
        return { family: 'null', absent: v.toLowerCase() === 'true' ? true : v.toLowerCase() === 'false' ? false : null };
    }
  });
  return { operatorText, operator, key, values };
}

export function conditionHolds(c: Condition, ctx: RequestContext): boolean {
  const { spec, ifExists, qualifier } = c.operator;
  const present = conditionValues(ctx, c.key);
  if (spec.family === 'null') {
    const absent = present === undefined || present.values.length === 0;
    return c.values.some((v) => v.family === 'null' && v.absent === absent);
  }
  if (present === undefined || present.values.length === 0) {
    if (ifExists || qualifier === 'ForAllValues') return true;
    if (qualifier === 'ForAnyValue') return false;
    return spec.negated;
  }
  const lookup = (name: string) => variableValue(ctx, name);
  const matchesAny = (value: string) => c.values.some((v) => valueMatches(spec, v, value, lookup));
  const holds = (value: string) => (spec.negated ? !matchesAny(value) : matchesAny(value));
  if (qualifier === 'ForAllValues') return present.values.every(holds);
  if (qualifier === 'ForAnyValue') return present.values.some(holds);
  // A set compared by a plain operator: a positive one needs one value to match, a negated one
  // needs every value to stay clear of the list.
  return spec.negated ? present.values.every(holds) : present.values.some(holds);
}

function valueMatches(spec: OperatorSpec, v: Prepared, value: string, lookup: (name: string) => string | undefined): boolean {
  switch (v.family) {
    case 'string': {
      const glob = resolveTemplate(v.template, lookup);
      return glob !== null && globMatches(glob, value);
    }
    case 'arn':
      return arnMatches(v, value, lookup);
    case 'numeric':
      return v.number !== null && compare(parseNumber(value), v.number, spec.compare!);
    case 'date':
      return v.number !== null && compare(parseDate(value), v.number, spec.compare!);
    case 'bool':
      return value.toLowerCase() === v.text;
    case 'binary':
      return value === v.text;
    case 'ip': {
      const ip = parseIp(value);
      return v.cidr !== null && ip !== null && cidrContains(v.cidr, ip);
    }
    case 'null':
      return false;
  }
}

function compare(a: number | null, b: number, op: Compare): boolean {
  if (a === null) return false;
  switch (op) {
    case 'eq':
      return a === b;
    case 'lt':
      return a < b;
    case 'le':
      return a <= b;
    case 'gt':
      return a > b;
    case 'ge':
      return a >= b;
  }
}

/** The six colon-separated fields of an ARN; the last keeps any further colons. */
function arnFields(text: string): string[] | null {
  const out: string[] = [];
  let from = 0;
  for (let i = 0; i < 5; i++) {
    const colon = text.indexOf(':', from);
    if (colon < 0) return null;
    out.push(text.slice(from, colon));
    from = colon + 1;
  }
  out.push(text.slice(from));
  return out;
}

function arnMatches(v: Extract<Prepared, { family: 'arn' }>, value: string, lookup: (name: string) => string | undefined): boolean {
  if (v.template.raw === '*') return true;
  const fields = arnFields(value);
  if (!v.fields || !fields) return false;
  return v.fields.every((t, i) => {
    const glob = resolveTemplate(t, lookup);
    return glob !== null && globMatches(glob, fields[i]!);
  });
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

function parseNumber(text: string): number | null {
  if (!NUMBER.test(text)) return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

/** Milliseconds since the epoch, from ISO 8601 or from epoch seconds (aws:EpochTime's form). */
function parseDate(text: string): number | null {
  if (NUMBER.test(text)) {
    const s = Number(text);
    return Number.isFinite(s) ? s * 1000 : null;
  }
  if (!ISO_DATE.test(text)) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

export const CONDITION_OPERATORS: readonly string[] = SPECS.map((s) => s.name);
