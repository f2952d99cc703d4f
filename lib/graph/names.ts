// SPDX-License-Identifier: Apache-2.0
// Operation and scope names: what TensorFlow accepts, the names a graph has in use (Python's unique_name), and
// the name-scope rewriting of export and import scopes.
//
// TensorFlow's C API builds an operation of any name, and the C strings it takes end at the first NUL: an
// invalid name only fails when the GraphDef is imported again (a saved graph that cannot be loaded), and
// 'a\0b' silently becomes 'a'. So names are checked here, as the importer (graph_constructor.cc's
// IsValidNodeName) will check them.

import { requireString } from '../base/validate';

/** An operation name TensorFlow's GraphDef importer accepts ('>' starts a new segment, as in 'a>b'). */
const VALID_OP_NAME = /^[A-Za-z0-9.][A-Za-z0-9_.\-/]*(?:>[A-Za-z0-9.][A-Za-z0-9_.\-/]*)*$/;
/** A name scope opened inside another (Python's _VALID_SCOPE_NAME_REGEX, less the '\' the importer refuses). */
const VALID_SCOPED_NAME = /^[A-Za-z0-9_.\-/>]*$/;

/** `name` in quotes, with NULs and other control characters escaped. */
function shown(name: string): string {
  return `'${JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name).slice(1, -1)}'`;
}

/** Whether TensorFlow's importer accepts `name` as an operation name. */
export function isValidOpName(name: string): boolean {
  return VALID_OP_NAME.test(name);
}

/**
 * Checks a full operation name as TensorFlow's importer would.
 * @throws TypeError naming `what`.
 */
export function checkOpName(name: string, what: string): void {
  if (!VALID_OP_NAME.test(name)) {
    throw new TypeError(`${shown(name)} is not a valid operation name (${what}): ` +
      `TensorFlow accepts names matching ${VALID_OP_NAME.source}`);
  }
}

/** Refuses a NUL character, which TensorFlow's C API would silently cut the string at. */
export function checkNoNul(value: string, what: string): void {
  if (value.includes('\0')) throw new TypeError(`${what} contains a NUL character: ${shown(value)}`);
}

/**
 * Python's check of a name scope (`g.nameScope`, and variables, which open one named after themselves): at the
 * root a scope name is an operation name; inside a scope, a name segment.
 * @throws TypeError
 */
export function checkScopeName(name: string, inScope: boolean): void {
  const pattern = inScope ? VALID_SCOPED_NAME : VALID_OP_NAME;
  if (!pattern.test(name)) {
    throw new TypeError(inScope
      ? `${shown(name)} is not a valid scope name. A scope name has to match the following pattern: ${pattern.source}`
      : `${shown(name)} is not a valid root scope name. A root scope name has to match the following pattern: ${pattern.source}`);
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// Python's strip_name_scope / prepend_name_scope, used for export and import scopes.
/** @internal */
export function stripNameScope(name: string, scope: string | undefined): string {
  if (!scope) return name;
  const s = scope.endsWith('/') ? scope.slice(0, -1) : scope;
  const re = new RegExp(`([\\^]|loc:@|^)${escapeRegExp(s)}[/]+(.*)`);
  return name.replace(re, '$1$2');
}

/** @internal */
export function prependNameScope(name: string, scope: string | undefined): string {
  if (!scope) return name;
  const s = scope.endsWith('/') ? scope.slice(0, -1) : scope;
  return name.replace(/([\^]|loc:@|^)(.*)/, (_m, p: string, rest: string) => `${p}${s}/${rest}`);
}

/**
 * The names a graph has in use, case-insensitively as Python counts them, and how many times each base name was
 * handed out. Names the graph gained natively (an import, a SavedModel load) are read back lazily.
 */
/** The name chosen for an operation; `exact` when the caller gave it as a scope's name ('scope/'). */
export interface OpNameClaim {
  name: string;
  exact: boolean;
}

export class NameRegistry {
  #inUse = new Map<string, number>();
  #stale = false;
  readonly #readNames: () => string[];

  constructor(readNames: () => string[]) {
    this.#readNames = readNames;
  }

  /** Operations were added natively: re-read the graph's names before the next one is chosen. */
  markStale(): void {
    this.#stale = true;
  }

  #sync(): void {
    if (!this.#stale) return;
    this.#stale = false;
    for (const name of this.#readNames()) {
      const key = name.toLowerCase();
      if (!this.#inUse.has(key)) this.#inUse.set(key, 1);
    }
  }

  /** `name`, then `name_1`, `name_2`, … as Python's `Graph.unique_name` (`name` already carries its scope). */
  unique(name: string, markAsUsed: boolean): string {
    this.#sync();
    let key = name.toLowerCase();
    let i = this.#inUse.get(key) ?? 0;
    if (markAsUsed) this.#inUse.set(key, i + 1);
    if (i > 0) {
      const base = key;
      while (this.#inUse.has(key)) {
        key = `${base}_${i}`;
        i += 1;
      }
      if (markAsUsed) this.#inUse.set(key, 1);
      name = `${name}_${i - 1}`;
    }
    return name;
  }

  markUsed(name: string): void {
    // No need to sync first: syncing only adds names that are absent, as this does.
    const key = name.toLowerCase();
    if (!this.#inUse.has(key)) this.#inUse.set(key, 1);
  }

  /**
   * The name of a new operation of `type` under `scope`: `requested` (or the type) made unique, except that a name
   * ending in '/' (a name scope's own name) is used as it is, as Python's create_op does.
   * @throws TypeError for a name TensorFlow's importer would refuse (TensorFlow would build it, and cut it at a NUL,
   *   but no GraphDef holding it could be imported again); the name is not kept.
   */
  claimOpName(type: string, requested: string | undefined, scope: string): OpNameClaim {
    const scoped = (name: string): string => (scope ? `${scope}/${name}` : name);
    if (requested === undefined) return this.#checked({ name: this.unique(scoped(type), true), exact: false }, type);
    requireString(requested, `the name of a ${type}`);
    if (requested.length > 1 && requested.endsWith('/')) {
      const name = requested.slice(0, -1);
      this.markUsed(name);
      return this.#checked({ name, exact: true }, type);
    }
    return this.#checked({ name: this.unique(scoped(requested), true), exact: false }, type);
  }

  #checked(claim: OpNameClaim, type: string): OpNameClaim {
    if (!isValidOpName(claim.name)) {
      this.releaseOpName(claim);
      checkOpName(claim.name, `the name of a ${type}`);
    }
    return claim;
  }

  /** Gives back the name of an operation whose build failed (a scope's exact name stays in use, as before). */
  releaseOpName(claim: OpNameClaim): void {
    if (!claim.exact) this.release(claim.name);
  }

  /** A failed build leaves no operation: its name may be used again, as in Python. */
  release(name: string): void {
    const key = name.toLowerCase();
    const n = this.#inUse.get(key);
    if (n === 1) this.#inUse.delete(key);
    else if (n !== undefined) this.#inUse.set(key, n - 1);
  }
}
