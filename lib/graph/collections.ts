// SPDX-License-Identifier: Apache-2.0
// A graph's collections (Python's Graph.add_to_collection and friends): named lists of anything.
import { requireString } from '../base/validate';

/** @internal The collections of one graph; Graph's collection methods delegate here. */
export class Collections {
  #lists = new Map<string, unknown[]>();

  add(key: string, value: unknown): void {
    requireString(key, 'the collection key');
    let list = this.#lists.get(key);
    if (!list) this.#lists.set(key, (list = []));
    list.push(value);
  }

  get<T>(key: string, scope?: string): T[] {
    requireString(key, 'the collection key');
    const list = (this.#lists.get(key) ?? []) as T[];
    if (scope === undefined) return [...list];
    return list.filter((item) => {
      const name = (item as { name?: unknown })?.name;
      return typeof name === 'string' && name.startsWith(scope);
    });
  }

  ref<T>(key: string): T[] {
    requireString(key, 'the collection key');
    let list = this.#lists.get(key);
    if (!list) this.#lists.set(key, (list = []));
    return list as T[];
  }

  keys(): string[] {
    return [...this.#lists.keys()].filter((k) => this.#lists.get(k)!.length > 0);
  }

  clear(key: string): void {
    this.#lists.delete(key);
  }
}
