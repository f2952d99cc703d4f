// SPDX-License-Identifier: Apache-2.0
// A tiny model trained by the MonitoredTrainingSession tests: loss = Σ (w − target)², one gradient step per run.
import * as tf from '../../lib';

export interface TinyModel {
  g: tf.Graph;
  globalStep: tf.Variable;
  w: tf.Variable;
  loss: tf.Output;
  trainOp: tf.Operation;
}

/** `nanAt`: a placeholder `poison` (default 0) is added to the loss, so feeding NaN makes it NaN. */
export function tinyModel(options: { summaries?: boolean } = {}): TinyModel & { poison: tf.Output } {
  const g = new tf.Graph();
  return g.asDefault(() => {
    const globalStep = tf.train.getOrCreateGlobalStep(g);
    const w = g.variable(tf.tensor([1, 2], [2]), { name: 'w' });
    const poison = tf.placeholderWithDefault(tf.constant(0), [], 'poison');
    const loss = tf.add(tf.reduceSum(tf.square(tf.subtract(w, tf.constant([3, -1])))), poison, { name: 'loss' });
    const trainOp = new tf.train.GradientDescentOptimizer(0.1).minimize(loss, { globalStep });
    if (options.summaries) tf.summary.scalar('train_loss', loss);
    return { g, globalStep, w, loss, trainOp, poison };
  });
}

/** The global step as a number, read in `session`. */
export async function stepOf(session: tf.Session, m: TinyModel): Promise<number> {
  return Number((await session.run(m.globalStep.value())).item());
}
