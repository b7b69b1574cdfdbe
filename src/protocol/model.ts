/**
 * Types for the slimmed service models in ./models (written by scripts/gen-model.py from
 * botocore), plus a per-model index of "compiled" shapes so the per-request path never
 * re-derives names, regexes or enum sets.
 */

export type ShapeType =
  | 'structure'
  | 'list'
  | 'map'
  | 'string'
  | 'integer'
  | 'long'
  | 'float'
  | 'double'
  | 'boolean'
  | 'blob'
  | 'timestamp';

export interface ShapeRef {
  readonly shape: string;
}

/** One entry of `shapes` in a model file: only what the server needs is kept. */
export interface Shape {
  /** A ShapeType. Typed as string so a JSON import is a ServiceModel without a cast. */
  readonly type: string;
  readonly required?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: string;
  readonly enum?: readonly string[];
  readonly member?: ShapeRef;
  readonly key?: ShapeRef;
  readonly value?: ShapeRef;
  readonly members?: Readonly<Record<string, ShapeRef>>;
  readonly sensitive?: boolean;
  readonly exception?: boolean;
  readonly fault?: boolean;
}

export interface OperationModel {
  /** Absent (null) when the operation takes no input. */
  readonly input?: string | null;
  readonly errors: readonly string[];
}

export interface ServiceModel {
  readonly metadata: {
    readonly apiVersion: string;
    readonly targetPrefix: string;
    readonly endpointPrefix?: string;
    readonly signingName?: string;
  };
  readonly operations: Readonly<Record<string, OperationModel>>;
  readonly shapes: Readonly<Record<string, Shape>>;
}

/** A structure member with everything the decoder needs precomputed. */
export interface CompiledMember {
  /** Wire name, e.g. `KeyId`; also the key in decoded output. */
  readonly name: string;
  /** Name as it appears in validation paths, e.g. `keyId`. */
  readonly path: string;
  readonly required: boolean;
  readonly target: CompiledShape;
}

export interface CompiledShape {
  readonly name: string;
  readonly type: ShapeType;
  readonly min: number | undefined;
  readonly max: number | undefined;
  /** The pattern as written in the model: validation messages quote it verbatim. */
  readonly pattern: string | undefined;
  /** Full-match form of `pattern`; undefined when there is none or JS cannot compile it. */
  readonly regex: RegExp | undefined;
  /** Model order, for messages. */
  readonly enumValues: readonly string[] | undefined;
  readonly enumSet: ReadonlySet<string> | undefined;
  /** Values of this shape never appear in messages: sensitive data, and blobs. */
  readonly redact: boolean;
  /** True when min/max/pattern/enum give this shape anything to check on its own value. */
  readonly constrained: boolean;
  /** Structure members, in model-file order. Empty for other types. */
  readonly members: readonly CompiledMember[];
  /** List element shape. */
  readonly member: CompiledShape | undefined;
  /** Map key and value shapes. */
  readonly key: CompiledShape | undefined;
  readonly value: CompiledShape | undefined;
}

const SHAPE_TYPES: ReadonlySet<string> = new Set<ShapeType>([
  'structure', 'list', 'map', 'string', 'integer', 'long', 'float', 'double', 'boolean', 'blob', 'timestamp',
]);

/** Keyed by model object identity: each model JSON module is a singleton, so this is built once per service. */
const indexes = new WeakMap<ServiceModel, Map<string, CompiledShape>>();

/** The compiled form of `shapeName`, built on first use and cached for the life of the model. */
export function compiledShape(model: ServiceModel, shapeName: string): CompiledShape {
  let index = indexes.get(model);
  if (index === undefined) {
    index = new Map();
    indexes.set(model, index);
  }
  return compile(model, index, shapeName);
}

/** `KeyId` → `keyId`, `AWSAccountId` → `aWSAccountId`: Coral lowers only the first character. */
export function lowerFirst(name: string): string {
  return name.length === 0 ? name : name[0]!.toLowerCase() + name.slice(1);
}

type MutableCompiledShape = { -readonly [K in keyof CompiledShape]: CompiledShape[K] };

function compile(model: ServiceModel, index: Map<string, CompiledShape>, name: string): CompiledShape {
  const cached = index.get(name);
  if (cached !== undefined) return cached;
  const shape = model.shapes[name];
  if (shape === undefined) throw new Error(`shape ${name} is not in the model`);
  if (!SHAPE_TYPES.has(shape.type)) throw new Error(`shape ${name} has unsupported type ${shape.type}`);

  const enumValues = shape.enum;
  const compiled: MutableCompiledShape = {
    name,
    type: shape.type as ShapeType,
    min: shape.min,
    max: shape.max,
    pattern: shape.pattern,
    regex: shape.pattern === undefined ? undefined : fullMatchRegex(shape.pattern),
    enumValues,
    enumSet: enumValues === undefined ? undefined : new Set(enumValues),
    redact: shape.sensitive === true || shape.type === 'blob',
    constrained: false,
    members: [],
    member: undefined,
    key: undefined,
    value: undefined,
  };
  compiled.constrained =
    compiled.min !== undefined || compiled.max !== undefined || compiled.regex !== undefined || compiled.enumSet !== undefined;

  // Registered before children are resolved so recursive shapes terminate.
  index.set(name, compiled);

  if (shape.members !== undefined) {
    const required = new Set(shape.required ?? []);
    compiled.members = Object.entries(shape.members).map(([memberName, ref]) => ({
      name: memberName,
      path: lowerFirst(memberName),
      required: required.has(memberName),
      target: compile(model, index, ref.shape),
    }));
  }
  if (shape.member !== undefined) compiled.member = compile(model, index, shape.member.shape);
  if (shape.key !== undefined) compiled.key = compile(model, index, shape.key.shape);
  if (shape.value !== undefined) compiled.value = compile(model, index, shape.value.shape);
  return compiled;
}

/**
 * Coral checks patterns with Java's `matches()`, i.e. against the whole value, so the
 * pattern is anchored around a non-capturing group. The `u` flag is tried first because
 * model patterns use `\p{L}` and friends, which without it compile silently into literal
 * characters; it also makes `.` and classes work on code points as Java does. A pattern
 * that compiles in neither mode is skipped rather than failing every request.
 */
export function fullMatchRegex(pattern: string): RegExp | undefined {
  let source = pattern;
  let flags = '';
  // Java allows leading inline flags such as `(?s)`; JS has no inline form, so lift them into flags.
  const inline = /^\(\?([is]+)\)/.exec(source);
  if (inline !== null) {
    flags = [...new Set(inline[1])].join('');
    source = source.slice(inline[0].length);
  }
  const anchored = `^(?:${source})$`;
  for (const extra of ['u', '']) {
    try {
      return new RegExp(anchored, flags + extra);
    } catch {
      // Try the next mode.
    }
  }
  return undefined;
}
