/**
 * A small YAML writer for card front matter: maps, lists, strings, finite numbers and booleans, in
 * block style, keys in the order given. Strings are always double-quoted: JSON's string syntax is
 * YAML 1.2's double-quoted scalar, so no name or text can end the header or change a type
 * ("no", "1.0", "null" stay strings). Characters YAML does not allow unescaped in a document
 * (C1 controls, DEL, U+2028/2029, the BOM) are written as \u escapes, which both read the same.
 */

export type YamlValue = string | number | boolean | readonly YamlValue[] | { readonly [key: string]: YamlValue | undefined };

const NOT_PRINTABLE = /[\u007f-\u009f\u2028\u2029\ufeff]/g;

export function yamlString(s: string): string {
  return JSON.stringify(s).replace(NOT_PRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A plain key when it is one (letters, digits, `_`, `-`), else quoted. */
function yamlKey(k: string): string {
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(k) ? k : yamlString(k);
}

function scalar(v: string | number | boolean): string {
  if (typeof v === 'string') return yamlString(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (!Number.isFinite(v)) throw new RangeError(`a card value must be a finite number, not ${v}`);
  // JavaScript's number-to-string is specified exactly, so the same number is the same text everywhere.
  return String(v);
}

const isScalar = (v: YamlValue): v is string | number | boolean => typeof v !== 'object';

function entries(map: { readonly [key: string]: YamlValue | undefined }): [string, YamlValue][] {
  return Object.entries(map).filter((e): e is [string, YamlValue] => e[1] !== undefined);
}

function lines(value: YamlValue, indent: string): string[] {
  if (isScalar(value)) return [`${indent}${scalar(value)}`];
  if (Array.isArray(value)) {
    if (value.length === 0) return [`${indent}[]`];
    const out: string[] = [];
    for (const item of value as readonly YamlValue[]) {
      if (isScalar(item)) {
        out.push(`${indent}- ${scalar(item)}`);
        continue;
      }
      // A map or list item: its first line goes after the dash, the rest indented under it.
      const inner = lines(item, `${indent}  `);
      out.push(`${indent}- ${inner[0]!.slice(indent.length + 2)}`, ...inner.slice(1));
    }
    return out;
  }
  const map = entries(value as { readonly [key: string]: YamlValue | undefined });
  if (map.length === 0) return [`${indent}{}`];
  const out: string[] = [];
  for (const [k, v] of map) {
    if (isScalar(v)) out.push(`${indent}${yamlKey(k)}: ${scalar(v)}`);
    else if (Array.isArray(v) && v.length === 0) out.push(`${indent}${yamlKey(k)}: []`);
    else if (!Array.isArray(v) && entries(v as Record<string, YamlValue>).length === 0) out.push(`${indent}${yamlKey(k)}: {}`);
    // Lists sit at their key's indent (as the Hub's own cards write them); maps one level in.
    else out.push(`${indent}${yamlKey(k)}:`, ...lines(v, Array.isArray(v) ? indent : `${indent}  `));
  }
  return out;
}

/** A YAML document body (no `---`) for a top-level map. */
export function toYaml(doc: { readonly [key: string]: YamlValue | undefined }): string {
  return lines(doc, '').join('\n');
}
