// SPDX-License-Identifier: Apache-2.0
import { GradCase, InputSpec, describeGradients, floats } from '../../helpers/gradient-check';
import { hasPythonTensorFlow } from '../../helpers/python';

const held = (s: InputSpec): InputSpec => ({ ...s, wrt: false });
const positive = (seed: number, lo = 0.5, hi = 2.5) => floats([2, 3], seed, 'float64', lo, hi);
const anySign = (seed: number) => floats([2, 3], seed, 'float64', -2, 2, 0.2);

const unary: Array<[string, InputSpec]> = [
  ['Dawsn', anySign(1)],
  ['Expint', positive(2)],
  ['FresnelCos', anySign(3)],
  ['FresnelSin', anySign(4)],
  ['Spence', floats([2, 3], 5, 'float64', 0.2, 0.9)],
  ['BesselI0', anySign(6)],
  ['BesselI0e', anySign(7)],
  ['BesselI1', anySign(8)],
  ['BesselI1e', anySign(9)],
  ['BesselK0', positive(10)],
  ['BesselK0e', positive(11)],
  ['BesselK1', positive(12)],
  ['BesselK1e', positive(13)],
  ['BesselJ0', anySign(14)],
  ['BesselJ1', anySign(15)],
  ['BesselY0', positive(16)],
  ['BesselY1', positive(17)],
];

const cases: GradCase[] = [
  ...unary.map(([type, x]): GradCase => ({ name: type, type, inputs: [x] })),
  { name: 'Igamma, broadcast', type: 'Igamma', inputs: [floats([3], 20, 'float64', 0.5, 3), positive(21)] },
  { name: 'Igammac', type: 'Igammac', inputs: [positive(22), positive(23)] },
  // Python differentiates Betainc in x only, Zeta in q only, Polygamma in x only: the others are held.
  {
    name: 'Betainc (x)',
    type: 'Betainc',
    inputs: [held(positive(24)), held(positive(25)), floats([2, 3], 26, 'float64', 0.1, 0.9)],
  },
  { name: 'Zeta (q)', type: 'Zeta', inputs: [held(floats([2, 3], 27, 'float64', 1.5, 4)), positive(28)] },
  { name: 'Polygamma (x)', type: 'Polygamma', inputs: [held({ values: [0, 1, 2], shape: [3], dtype: 'float64' }), positive(29)] },
];

describeGradients('special-function gradients', cases, hasPythonTensorFlow);
