import { parseOperator, prepareCondition, type Condition } from './conditions.js';
import { globOf, type Glob } from './glob.js';
import { parseAwsPrincipal, type PrincipalRef } from './principals.js';
import { parseTemplate, type Template } from './template.js';

/**
 * Policy documents, read once into the form the evaluator walks. A key policy and an IAM identity
 * policy share the grammar and differ in the Principal rule: a key policy statement must name
 * principals, an identity policy statement must not. The reader never recurses into what the
 * grammar does not allow, so a deeply nested or huge document costs one pass over its text.
 */
export type PolicyKind = 'key' | 'identity';
export type Effect = 'Allow' | 'Deny';

export interface PrincipalElement {
  readonly negated: boolean;
  readonly refs: readonly PrincipalRef[];
}

export interface ActionElement {
  readonly negated: boolean;
  readonly patterns: readonly Glob[];
}

export interface ResourceElement {
  readonly negated: boolean;
  readonly patterns: readonly Template[];
}

export interface Statement {
  /** Position in the Statement list, from 0. */
  readonly index: number;
  readonly sid?: string;
  readonly effect: Effect;
  readonly principal?: PrincipalElement;
  readonly action?: ActionElement;
  readonly resource?: ResourceElement;
  readonly conditions: readonly Condition[];
}

export interface Policy {
  readonly kind: PolicyKind;
  readonly version: '2012-10-17' | '2008-10-17';
  readonly id?: string;
  readonly statements: readonly Statement[];
}

export interface PolicyProblem {
  readonly message: string;
  /** The statement it concerns, from 0. */
  readonly statement?: number;
}

export type ParseResult =
  | { readonly ok: true; readonly policy: Policy; readonly warnings: readonly PolicyProblem[] }
  | { readonly ok: false; readonly problems: readonly PolicyProblem[] };

/**
 * AWS's wording where it is known: KMS's for principals, IAM's for identity policies. Where AWS's
 * text is not known, the message is Keywarden's and says what to change.
 */
export const POLICY_MESSAGES = {
  invalidPrincipals: 'Policy contains a statement with one or more invalid principals.',
  principalInIdentityPolicy: 'Policy document should not specify a principal.',
  identityNeedsActions: 'Policy statement must contain actions.',
  identityNeedsResources: 'Policy statement must contain resources.',
  identitySyntax: 'Syntax errors in policy.',
  actionVendor: 'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.',
} as const;

const VERSIONS = new Set(['2012-10-17', '2008-10-17']);
const TOP_FIELDS = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_FIELDS = new Set(['Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);
const PRINCIPAL_TYPES = new Set(['AWS', 'Service', 'Federated', 'CanonicalUser']);
const ACTION = /^[A-Za-z0-9-]+:[\x21-\x7e]+$/;

export function parsePolicy(text: string, kind: PolicyKind): ParseResult {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return fail(kind === 'key' ? 'The key policy is not valid JSON.' : POLICY_MESSAGES.identitySyntax);
  }
  if (!isObject(doc)) return fail(kind === 'key' ? 'The key policy must be a JSON object.' : POLICY_MESSAGES.identitySyntax);

  const problems: PolicyProblem[] = [];
  const warnings: PolicyProblem[] = [];
  for (const field of Object.keys(doc)) {
    if (!TOP_FIELDS.has(field)) problems.push({ message: `The policy has an unknown element ${quote(field)}; a policy holds Version, Id and Statement.` });
  }
  let version: Policy['version'] = '2008-10-17';
  if (doc.Version !== undefined) {
    if (typeof doc.Version !== 'string' || !VERSIONS.has(doc.Version)) {
      problems.push({ message: 'The policy Version must be 2012-10-17 or 2008-10-17.' });
    } else version = doc.Version as Policy['version'];
  }
  if (doc.Id !== undefined && typeof doc.Id !== 'string') problems.push({ message: 'The policy Id must be a string.' });

  const raw = doc.Statement;
  let list: unknown[] = [];
  if (Array.isArray(raw)) list = raw;
  else if (isObject(raw)) list = [raw];
  else problems.push({ message: kind === 'key' ? 'The key policy must contain a Statement.' : POLICY_MESSAGES.identitySyntax });

  const statements: Statement[] = [];
  list.forEach((s, index) => {
    const st = readStatement(s, index, kind, version === '2012-10-17', problems, warnings);
    if (st) statements.push(st);
  });
  if (problems.length > 0) return { ok: false, problems };
  const policy: Policy = { kind, version, statements, ...(typeof doc.Id === 'string' ? { id: doc.Id } : {}) };
  return { ok: true, policy, warnings };
}

function readStatement(
  s: unknown,
  index: number,
  kind: PolicyKind,
  variables: boolean,
  problems: PolicyProblem[],
  warnings: PolicyProblem[],
): Statement | null {
  const problem = (message: string) => problems.push({ message, statement: index });
  if (!isObject(s)) {
    problem(`Statement ${index + 1} must be a JSON object.`);
    return null;
  }
  const before = problems.length;
  for (const field of Object.keys(s)) {
    if (!STATEMENT_FIELDS.has(field)) problem(`Statement ${index + 1} has an unknown element ${quote(field)}.`);
  }
  let sid: string | undefined;
  if (s.Sid !== undefined) {
    if (typeof s.Sid !== 'string') problem(`The Sid of statement ${index + 1} must be a string.`);
    else if (kind === 'identity' && !/^[0-9A-Za-z]*$/.test(s.Sid)) {
      problem('Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*');
    } else sid = s.Sid;
  }
  let effect: Effect = 'Deny';
  if (s.Effect === 'Allow' || s.Effect === 'Deny') effect = s.Effect;
  else problem(`Statement ${index + 1} needs an Effect of Allow or Deny${s.Effect === undefined ? '' : `, not ${quote(s.Effect)}`}.`);

  // Principal
  let principal: PrincipalElement | undefined;
  const hasP = s.Principal !== undefined;
  const hasNP = s.NotPrincipal !== undefined;
  if (kind === 'identity') {
    if (hasP || hasNP) problem(POLICY_MESSAGES.principalInIdentityPolicy);
  } else if (hasP === hasNP) {
    problem(POLICY_MESSAGES.invalidPrincipals);
  } else {
    principal = readPrincipal(hasP ? s.Principal : s.NotPrincipal, !hasP) ?? undefined;
    if (!principal) problem(POLICY_MESSAGES.invalidPrincipals);
  }

  // Action
  let action: ActionElement | undefined;
  if (s.Action !== undefined && s.NotAction !== undefined) problem(`Statement ${index + 1} has both Action and NotAction; use one.`);
  else if (s.Action === undefined && s.NotAction === undefined) {
    if (kind === 'identity') problem(POLICY_MESSAGES.identityNeedsActions);
    // AWS stores such a key policy statement and gives it no effect.
    else warnings.push({ message: `Statement ${index + 1} has no Action or NotAction and has no effect.`, statement: index });
  } else {
    const negated = s.Action === undefined;
    const values = strings(negated ? s.NotAction : s.Action);
    if (!values) problem(`The ${negated ? 'NotAction' : 'Action'} of statement ${index + 1} must be a string or a list of strings.`);
    else if (values.some((a) => a !== '*' && !ACTION.test(a))) problem(POLICY_MESSAGES.actionVendor);
    else action = { negated, patterns: values.map((a) => globOf(a, true)) };
  }

  // Resource
  let resource: ResourceElement | undefined;
  if (s.Resource !== undefined && s.NotResource !== undefined) problem(`Statement ${index + 1} has both Resource and NotResource; use one.`);
  else if (s.Resource === undefined && s.NotResource === undefined) {
    if (kind === 'identity') problem(POLICY_MESSAGES.identityNeedsResources);
    else warnings.push({ message: `Statement ${index + 1} has no Resource or NotResource and has no effect.`, statement: index });
  } else {
    const negated = s.Resource === undefined;
    const values = strings(negated ? s.NotResource : s.Resource);
    if (!values) problem(`The ${negated ? 'NotResource' : 'Resource'} of statement ${index + 1} must be a string or a list of strings.`);
    else resource = { negated, patterns: values.map((r) => parseTemplate(r, { wildcards: true, variables })) };
  }

  // Condition
  const conditions: Condition[] = [];
  if (s.Condition !== undefined) {
    if (!isObject(s.Condition)) problem(`The Condition of statement ${index + 1} must be a JSON object.`);
    else {
      for (const [opText, block] of Object.entries(s.Condition)) {
        const operator = parseOperator(opText);
        if (!operator) {
          problem(`Statement ${index + 1} uses the unknown condition operator ${quote(opText)}.`);
          continue;
        }
        if (!isObject(block)) {
          problem(`The ${opText} condition of statement ${index + 1} must map condition keys to values.`);
          continue;
        }
        for (const [key, value] of Object.entries(block)) {
          if (!/^[A-Za-z0-9-]+:.+$/.test(key)) {
            problem(POLICY_MESSAGES.actionVendor);
            continue;
          }
          const values = scalars(value);
          if (!values) {
            problem(`The value of ${key} in statement ${index + 1} must be a string, number, boolean or a list of them.`);
            continue;
          }
          if (operator.spec.family === 'null' && values.some((v) => v !== 'true' && v !== 'false')) {
            problem(`The Null condition on ${key} in statement ${index + 1} takes true or false.`);
            continue;
          }
          conditions.push(prepareCondition(opText, operator, key, values, variables));
        }
      }
    }
  }
  if (problems.length > before) return null;
  return {
    index,
    effect,
    conditions,
    ...(sid !== undefined ? { sid } : {}),
    ...(principal ? { principal } : {}),
    ...(action ? { action } : {}),
    ...(resource ? { resource } : {}),
  };
}

/** The Principal element: `"*"`, or an object of principal types to one value or a list. */
function readPrincipal(value: unknown, negated: boolean): PrincipalElement | null {
  if (value === '*') return { negated, refs: [{ kind: 'any' }] };
  if (!isObject(value)) return null;
  const refs: PrincipalRef[] = [];
  const entries = Object.entries(value);
  if (entries.length === 0) return null;
  for (const [type, v] of entries) {
    if (!PRINCIPAL_TYPES.has(type)) return null;
    const list = strings(v);
    if (!list || list.length === 0) return null;
    for (const item of list) {
      if (type === 'AWS') {
        const ref = parseAwsPrincipal(item);
        if (!ref) return null;
        refs.push(ref);
      } else if (type === 'Service') {
        if (!/^[a-z0-9.-]+$/.test(item)) return null;
        refs.push({ kind: 'service', name: item });
      } else {
        if (item === '' || item.includes('*')) return null;
        refs.push({ kind: 'other', type, value: item });
      }
    }
  }
  return { negated, refs };
}

function strings(v: unknown): string[] | null {
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) return null;
  return v as string[];
}

/** Condition values: IAM reads numbers and booleans as their text. */
function scalars(v: unknown): string[] | null {
  const one = (x: unknown) => (typeof x === 'string' ? x : typeof x === 'number' || typeof x === 'boolean' ? String(x) : null);
  if (!Array.isArray(v)) {
    const s = one(v);
    return s === null ? null : [s];
  }
  const out: string[] = [];
  for (const x of v) {
    const s = one(x);
    if (s === null) return null;
    out.push(s);
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A value shown in a message, cut short so a hostile document cannot make a huge message. */
function quote(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (isObject(v)) return 'an object';
  const s = String(v);
  return JSON.stringify(s.length > 64 ? `${s.slice(0, 61)}...` : s);
}

function fail(message: string): ParseResult {
  return { ok: false, problems: [{ message }] };
}

/** The MalformedPolicyDocumentException message for a failed parse: the first problem, as AWS reports one. */
export function malformedPolicyMessage(problems: readonly PolicyProblem[]): string {
  return problems[0]?.message ?? POLICY_MESSAGES.identitySyntax;
}
