import { compileGlob, type Glob, type PatternPart } from './glob.js';

/**
 * A policy string that may hold policy variables (`${aws:username}`, `${aws:PrincipalTag/team, 'none'}`)
 * and, where the element takes them, wildcards. Variables exist only in policies of Version
 * 2012-10-17; `${*}`, `${?}` and `${$}` stand for the literal characters. A variable resolves to
 * literal text, so a `*` in a user's tag never becomes a wildcard.
 */
export type TemplatePart = PatternPart | { readonly variable: string; readonly fallback?: string };

export interface Template {
  readonly raw: string;
  readonly parts: readonly TemplatePart[];
  readonly caseInsensitive: boolean;
  /** Compiled once when the string has no variables. */
  readonly glob: Glob | null;
}

export interface TemplateOptions {
  readonly wildcards: boolean;
  readonly variables: boolean;
  readonly caseInsensitive?: boolean;
}

const ESCAPES: Record<string, string> = { '*': '*', '?': '?', $: '$' };

export function parseTemplate(raw: string, options: TemplateOptions): Template {
  const parts: TemplatePart[] = [];
  let text = '';
  const pushText = () => {
    if (text) parts.push({ text });
    text = '';
  };
  let i = 0;
  while (i < raw.length) {
    const ch = raw[i]!;
    if (options.variables && ch === '$' && raw[i + 1] === '{') {
      const close = raw.indexOf('}', i + 2);
      if (close > 0) {
        const body = raw.slice(i + 2, close);
        const variable = parseVariable(body);
        if (variable) {
          if (typeof variable === 'string') text += variable;
          else {
            pushText();
            parts.push(variable);
          }
          i = close + 1;
          continue;
        }
      }
    }
    if (options.wildcards && (ch === '*' || ch === '?')) {
      pushText();
      parts.push(ch);
    } else text += ch;
    i++;
  }
  pushText();
  const hasVariables = parts.some((p) => typeof p === 'object' && 'variable' in p);
  return {
    raw,
    parts,
    caseInsensitive: options.caseInsensitive ?? false,
    glob: hasVariables ? null : compileGlob(parts as PatternPart[], options.caseInsensitive),
  };
}

/** The literal a `${…}` stands for, a variable reference, or null when the body is not a variable. */
function parseVariable(body: string): string | { variable: string; fallback?: string } | null {
  if (body in ESCAPES) return ESCAPES[body]!;
  const comma = body.indexOf(',');
  const name = (comma < 0 ? body : body.slice(0, comma)).trim();
  if (!/^[A-Za-z0-9_.-]+:[^\s,'}]+$/.test(name)) return null;
  if (comma < 0) return { variable: name };
  const fallback = /^\s*'([^']*)'\s*$/.exec(body.slice(comma + 1));
  return fallback ? { variable: name, fallback: fallback[1]! } : null;
}

/**
 * The template with its variables replaced, compiled; null when a variable has no value and no
 * default, which AWS treats as an element that matches nothing.
 */
export function resolveTemplate(t: Template, lookup: (key: string) => string | undefined): Glob | null {
  if (t.glob) return t.glob;
  const parts: PatternPart[] = [];
  for (const p of t.parts) {
    if (typeof p === 'object' && 'variable' in p) {
      const value = lookup(p.variable) ?? p.fallback;
      if (value === undefined) return null;
      parts.push({ text: value });
    } else parts.push(p);
  }
  return compileGlob(parts, t.caseInsensitive);
}
