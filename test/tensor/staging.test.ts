// SPDX-License-Identifier: Apache-2.0
// Reused memory for copied feeds (native/tensor_staging.h): a buffer goes back to the pool only when no
// tensor uses it, the pool keeps at most 8 idle buffers, and idle ones are freed after 5 s.
import * as tf from '../../lib';
import { tfAddon } from '../../lib/binding/library';

const MB = 1 << 20;

function identity(n: number) {
  const g = new tf.Graph();
  const x = g.placeholder('float32', [n], 'x');
  const y = g.addOperation('Identity', { inputs: [x], name: 'y' }).output(0);
  return { x, y, session: new tf.Session(g) };
}

const idleBytes = () => tfAddon().Tensor.stagingIdleBytes();
const all = (t: tf.Tensor, v: number) => (t.data() as Float32Array).every((e) => e === v);

describe('staging memory of copied feeds', () => {
  test('a buffer still used by a result (Identity aliases its input) is never handed to the next feed', async () => {
    const n = MB; // 4 MB
    const { x, y, session } = identity(n);
    const feeds = [1, 2, 3, 4].map((v) => new Float32Array(n).fill(v));
    const r1 = session.runSync(y, new Map([[x, feeds[0]]]));
    const r2 = session.runSync(y, new Map([[x, feeds[1]]]));
    expect([all(r1, 1), all(r2, 2)]).toEqual([true, true]);
    r1.dispose(); // its buffer may now serve the next feed
    const r3 = session.runSync(y, new Map([[x, feeds[2]]]));
    const r4 = await session.run(y, new Map([[x, feeds[3]]]));
    expect([all(r2, 2), all(r3, 3), all(r4, 4)]).toEqual([true, true, true]);
    for (const r of [r2, r3, r4]) r.dispose();
    await session.close();
  });

  test('at most 8 buffers stay idle, and none for more than 5 s', async () => {
    const n = MB / 4; // 1 MB
    const { x, y, session } = identity(n);
    const results = Array.from({ length: 12 }, (_, i) => session.runSync(y, new Map([[x, new Float32Array(n).fill(i)]])));
    results.forEach((r, i) => expect([i, all(r, i)]).toEqual([i, true]));
    for (const r of results) r.dispose();
    const idle = idleBytes();
    expect(idle).toBeGreaterThanOrEqual(MB);
    expect(idle).toBeLessThanOrEqual(8 * MB);
    await new Promise((resolve) => setTimeout(resolve, 6000));
    expect(idleBytes()).toBe(0);
    await session.close();
  }, 30_000);
});
