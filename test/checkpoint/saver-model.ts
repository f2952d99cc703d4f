// SPDX-License-Identifier: Apache-2.0
// The model the Saver tests save and restore: one variable of each kind of dtype, under a scope.
import * as fs from 'fs';
import * as tf from '../../lib';

export function model(init: { w?: number[][]; b?: bigint[]; s?: string[] } = {}) {
  const g = new tf.Graph();
  const w = g.variable(tf.tensor(init.w ?? [[1, 2], [3, 4]]), { name: 'w' });
  const b = g.nameScope('layer', () => g.variable(tf.tensor(init.b ?? [5n, 6n]), { name: 'b' }));
  const s = g.variable(tf.tensor(init.s ?? ['x', 'y']), { name: 's', trainable: false });
  const h = g.variable(tf.tensor([0.5, -1.5], [2], 'float16'), { name: 'h' });
  const f = g.variable(tf.tensor([true, false]), { name: 'flag' });
  return { g, w, b, s, h, f };
}

export async function initialized<T extends { g: tf.Graph }>(m: T, config?: tf.SessionConfig): Promise<T & { sess: tf.Session }> {
  const sess = new tf.Session(m.g, { config });
  await sess.run(tf.globalVariablesInitializer(m.g));
  return { ...m, sess };
}

export async function values(sess: tf.Session, vars: tf.Variable[]): Promise<unknown[]> {
  return (await sess.run(vars)).map((t) => t.toArray());
}

export function files(dir: string): string[] {
  return fs.readdirSync(dir).sort();
}
