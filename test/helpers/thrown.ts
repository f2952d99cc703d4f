// SPDX-License-Identifier: Apache-2.0

/**
 * The name and message of what `fn` throws. Errors made by the addon come from Node's realm, not jest's
 * sandbox: compare their names, not their classes.
 * @throws Error when `fn` does not throw.
 */
export function thrown(fn: () => unknown): { name: string; message: string } {
  try {
    fn();
  } catch (e) {
    return { name: (e as Error).name, message: (e as Error).message };
  }
  throw new Error('expected a throw');
}
