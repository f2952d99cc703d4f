// SPDX-License-Identifier: Apache-2.0
// Finds and binds libtensorflow: LIBTENSORFLOW_PATH, else what `npm install` provisioned
// (scripts/libtensorflow.js decides both, for the build and for here).
import { markAsUntransferable } from 'worker_threads';
import { errorForCode } from './errors';
import { Native, native } from './native';

// These live outside rootDir (lib/), so `import` cannot reach them; the paths hold for lib/ and dist/ alike.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain .js outside rootDir
const provisioning = require('../../scripts/libtensorflow.js') as {
  TENSORFLOW_VERSION: string;
  resolveProvisioned(problems: string[]): { path: string; source: string; variant?: 'cpu' | 'gpu' } | null;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports -- package.json is outside rootDir
const packageJson = require('../../package.json') as { version: string };

let loaded: { addon: Native.Addon; path: string; version: string } | undefined;

/** The addon with libtensorflow bound; loads both on first use. */
export function tfAddon(): Native.Addon {
  if (loaded) return loaded.addon;
  const addon = native();
  const problems: string[] = [];
  const found = provisioning.resolveProvisioned(problems);
  if (!found) {
    throw new Error(
      [
        `node-libtensorflow cannot find libtensorflow ${provisioning.TENSORFLOW_VERSION}.`,
        ...problems.map((p) => `Tried ${p}.`),
        'Fix: run `npm install` (or `npm run provision`) in the package, or set LIBTENSORFLOW_PATH to a directory',
        'holding libtensorflow_cc.so.2, libtensorflow_framework.so.2 and include/.',
      ].join('\n'),
    );
  }
  let version: string;
  try {
    version = addon.loadLibrary(found.path);
  } catch (err) {
    throw new Error(
      `node-libtensorflow found libtensorflow in ${found.path} (${found.source}) but could not load it: ` +
        `${(err as Error).message}\nFix: check that the directory holds a complete libtensorflow ` +
        `${provisioning.TENSORFLOW_VERSION} for this platform, or point LIBTENSORFLOW_PATH at one.`,
    );
  }
  addon.setErrorFactory((code, _number, message) => errorForCode(code, message));
  // Buffers over TensorFlow's memory must not move to another ArrayBuffer through a transfer list, where they
  // would outlive the tensor: transferring one copies it (Node 20) or throws a DataCloneError (Node 21+).
  addon.Tensor.setViewMarker(markAsUntransferable);
  loaded = { addon, path: found.path, version };
  return addon;
}

let variant: 'cpu' | 'gpu' | undefined;

function detectVariant(addon: Native.Addon): 'cpu' | 'gpu' {
  // A GPU build registers GPU kernels; the KernelList for MatMul names its device types.
  const kernels = addon.registeredKernelsForOp('MatMul');
  return Buffer.from(kernels).includes('GPU') ? 'gpu' : 'cpu';
}

/** `tf.library`: where libtensorflow was loaded from and whether it is a CPU or a GPU build. */
export const library = {
  get path(): string {
    tfAddon();
    return loaded!.path;
  },
  get variant(): 'cpu' | 'gpu' {
    if (!variant) variant = detectVariant(tfAddon());
    return variant;
  },
};

/** `tf.version`: TensorFlow's TF_Version() and this package's version. */
export const version = {
  get tensorflow(): string {
    tfAddon();
    return loaded!.version;
  },
  binding: packageJson.version,
};
