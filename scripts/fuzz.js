// SPDX-License-Identifier: Apache-2.0
// A rerunnable fuzz campaign over what the package reads: mutated GraphDefs, MetaGraphDefs, checkpoints and
// SavedModels. Every case runs in a child process, so a crash is counted rather than fatal; the campaign is bounded
// in time and cases. Counts per target: accepted, clean errors (an Error the caller can catch), crashes (a signal
// or an abort), hangs (no answer within --case-ms).
//
//   node scripts/fuzz.js [--seconds 120] [--cases 500] [--seed 1] [--targets graphdef,metagraph,checkpoint,savedmodel]
//
// Needs the built package (`npm install`). Exits 1 when any case crashed or hung, printing how to replay it.
'use strict';
if (process.env.TF_CPP_MIN_LOG_LEVEL === undefined) process.env.TF_CPP_MIN_LOG_LEVEL = '3';

const fs = require('fs');
const os = require('os');
const path = require('path');
const util = require('util');
const { spawn } = require('child_process');

const TARGETS = ['graphdef', 'metagraph', 'checkpoint', 'savedmodel'];

/** A small deterministic generator (mulberry32), so that `--seed` replays a campaign exactly. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Byte-level mutations as a protobuf or table fuzzer makes them: flips, interesting values, cuts, splices. */
function mutate(bytes, random) {
  const out = Buffer.from(bytes);
  const n = random() < 0.6 ? 1 : 2 + Math.floor(random() * 3);
  let data = out;
  for (let k = 0; k < n; k++) {
    const at = Math.floor(random() * data.length);
    switch (Math.floor(random() * 6)) {
      case 0: data[at] ^= 1 << Math.floor(random() * 8); break;
      case 1: data[at] = [0x00, 0xff, 0x7f, 0x80, 0x01][Math.floor(random() * 5)]; break;
      case 2: data = data.subarray(0, at); break;
      case 3: { // a huge varint where a length or size may stand
        const big = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x07]);
        data = Buffer.concat([data.subarray(0, at), big, data.subarray(Math.min(data.length, at + 1))]);
        break;
      }
      case 4: { // duplicate a slice
        const len = Math.floor(random() * 32);
        data = Buffer.concat([data.subarray(0, at), data.subarray(at, at + len), data.subarray(at)]);
        break;
      }
      default: data = Buffer.concat([data.subarray(0, at), data.subarray(Math.min(data.length, at + 1 + Math.floor(random() * 8)))]);
    }
    if (data.length === 0) data = Buffer.from([0]);
  }
  return data;
}

// ---- the child: runs the cases of one target from `start`, writing the index of each case before it runs ----

async function child(dir, target, start, count, seed) {
  const tf = require('..');
  const progress = path.join(dir, `progress-${target}`);
  const seeds = JSON.parse(fs.readFileSync(path.join(dir, 'seeds.json'), 'utf8'));
  const work = fs.mkdtempSync(path.join(dir, `${target}-`));
  for (let i = start; i < start + count; i++) {
    fs.writeFileSync(progress, String(i));
    const random = rng(seed * 1000003 + i);
    let outcome;
    try {
      await runCase(tf, target, seeds, work, random, i);
      outcome = 'accepted';
    } catch (err) {
      outcome = err instanceof Error ? `error ${err.constructor.name}` : 'thrown-non-error';
    }
    fs.appendFileSync(path.join(dir, `results-${target}`), `${i} ${outcome}\n`);
  }
  fs.writeFileSync(progress, 'done');
}

async function runCase(tf, target, seeds, work, random, i) {
  if (target === 'graphdef') {
    const g = tf.Graph.fromGraphDef(mutate(Buffer.from(seeds.graphdef, 'base64'), random));
    g.toGraphDef();
  } else if (target === 'metagraph') {
    const g = new tf.Graph();
    g.importMetaGraph(mutate(Buffer.from(seeds.metagraph, 'base64'), random));
  } else if (target === 'checkpoint') {
    const caseDir = path.join(work, `c${i}`);
    fs.mkdirSync(caseDir);
    const which = random() < 0.5 ? 'index' : 'data';
    for (const [name, b64] of Object.entries(seeds.checkpoint)) {
      const bytes = Buffer.from(b64, 'base64');
      fs.writeFileSync(path.join(caseDir, name), name.includes(which) ? mutate(bytes, random) : bytes);
    }
    try {
      const reader = new tf.train.CheckpointReader(path.join(caseDir, 'model'));
      for (const name of Object.keys(reader.variableToShapeMap())) reader.getTensor(name);
    } finally {
      fs.rmSync(caseDir, { recursive: true, force: true });
    }
  } else {
    const caseDir = path.join(work, `s${i}`);
    for (const [name, b64] of Object.entries(seeds.savedmodel)) {
      fs.mkdirSync(path.dirname(path.join(caseDir, name)), { recursive: true });
      const bytes = Buffer.from(b64, 'base64');
      const pick = random() < 0.7 ? 'saved_model.pb' : 'variables.index';
      fs.writeFileSync(path.join(caseDir, name), name.endsWith(pick) ? mutate(bytes, random) : bytes);
    }
    try {
      const model = await tf.savedModel.load(caseDir);
      await model.session.close();
    } finally {
      fs.rmSync(caseDir, { recursive: true, force: true });
    }
  }
}

// ---- the parent: makes the seeds, then runs children until the cases or the time run out ----

async function makeSeeds(dir) {
  const tf = require('..');
  const g = new tf.Graph();
  const x = g.placeholder('float32', [null, 3], 'x');
  const w = g.variable(tf.tensor([[1, 2], [3, 4], [5, 6]]), { name: 'w' });
  const names = g.variable(tf.tensor(['a', 'bc', 'def']), { name: 'names', trainable: false });
  const y = g.ops.matMul(x, w, { name: 'y' });
  g.ops.identity(names, { name: 'names_out' });
  const init = tf.globalVariablesInitializer(g);
  const session = new tf.Session(g);
  await session.run(init);
  const ckptDir = path.join(dir, 'seed-ckpt');
  const saver = new tf.train.Saver({ graph: g });
  await saver.save(session, path.join(ckptDir, 'model'), { writeMetaGraph: false, writeState: false });
  const checkpoint = {};
  for (const f of fs.readdirSync(ckptDir)) checkpoint[f] = fs.readFileSync(path.join(ckptDir, f)).toString('base64');
  const smDir = path.join(dir, 'seed-sm');
  await tf.savedModel.save(session, smDir, { signatures: { serving_default: { inputs: { x }, outputs: { y } } } });
  const savedmodel = {};
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else savedmodel[path.relative(smDir, p)] = fs.readFileSync(p).toString('base64');
    }
  };
  walk(smDir);
  const seeds = {
    graphdef: Buffer.from(g.toGraphDef()).toString('base64'),
    metagraph: Buffer.from(g.exportMetaGraph()).toString('base64'),
    checkpoint,
    savedmodel,
  };
  await session.close();
  fs.writeFileSync(path.join(dir, 'seeds.json'), JSON.stringify(seeds));
}

function runChild(dir, target, start, count, seed, caseMs) {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [__filename, '--child', dir, target, String(start), String(count), String(seed)], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: process.env,
    });
    let stderr = '';
    proc.stderr.on('data', (d) => { stderr = (stderr + d).slice(-2000); });
    // The child reports each case it starts; no new report within caseMs is a hang.
    const progress = path.join(dir, `progress-${target}`);
    let last = '';
    let lastChange = Date.now();
    const timer = setInterval(() => {
      const now = fs.existsSync(progress) ? fs.readFileSync(progress, 'utf8') : '';
      if (now !== last) { last = now; lastChange = Date.now(); }
      if (Date.now() - lastChange > caseMs) proc.kill('SIGKILL');
    }, 100);
    proc.on('exit', (code, signal) => {
      clearInterval(timer);
      const reached = fs.existsSync(progress) ? fs.readFileSync(progress, 'utf8') : '';
      resolve({ code, signal, reached, stderr, hung: Date.now() - lastChange > caseMs });
    });
  });
}

async function main() {
  if (process.argv[2] === '--child') {
    const [dir, target, start, count, seed] = process.argv.slice(3);
    await child(dir, target, Number(start), Number(count), Number(seed));
    return;
  }
  const { values } = util.parseArgs({
    options: {
      seconds: { type: 'string', default: '120' },
      cases: { type: 'string', default: '500' },
      seed: { type: 'string', default: '1' },
      targets: { type: 'string', default: TARGETS.join(',') },
      'case-ms': { type: 'string', default: '20000' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log('usage: node scripts/fuzz.js [--seconds S] [--cases N per target] [--seed K] [--targets a,b] [--case-ms MS]');
    return;
  }
  const targets = values.targets.split(',');
  for (const t of targets) if (!TARGETS.includes(t)) throw new RangeError(`Unknown target '${t}' (one of ${TARGETS.join(', ')})`);
  const seconds = Number(values.seconds);
  const cases = Number(values.cases);
  const seed = Number(values.seed);
  const caseMs = Number(values['case-ms']);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'node-libtensorflow-fuzz-'));
  await makeSeeds(dir);
  const deadline = Date.now() + seconds * 1000;
  const perTargetMs = (seconds * 1000) / targets.length;
  const summary = {};
  const kinds = {};
  const failures = [];
  for (const target of targets) {
    const counts = { accepted: 0, error: 0, 'thrown-non-error': 0, crash: 0, hang: 0 };
    const targetDeadline = Math.min(deadline, Date.now() + perTargetMs);
    let next = 0;
    while (next < cases && Date.now() < targetDeadline) {
      const batch = Math.min(50, cases - next);
      const r = await runChild(dir, target, next, batch, seed, caseMs);
      if (r.reached === 'done') {
        next += batch;
        continue;
      }
      // The case the child had started when it died crashed (or hung); the cases before it finished.
      const at = Number(r.reached);
      if (!Number.isInteger(at)) throw new Error(`The fuzz child for ${target} died before its first case: ${r.stderr}`);
      const kind = r.hung ? 'hang' : 'crash';
      failures.push({ target, case: at, kind, signal: r.signal, code: r.code, stderr: r.stderr.split('\n').slice(-4).join(' | ') });
      fs.appendFileSync(path.join(dir, `results-${target}`), `${at} ${kind}\n`);
      next = at + 1;
    }
    const results = fs.existsSync(path.join(dir, `results-${target}`)) ? fs.readFileSync(path.join(dir, `results-${target}`), 'utf8') : '';
    const errorKinds = {};
    for (const line of results.split('\n').filter(Boolean)) {
      const [, outcome, kind] = line.split(' ');
      counts[outcome]++;
      if (kind) errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
    }
    summary[target] = counts;
    kinds[target] = Object.entries(errorKinds).map(([k, n]) => `${k} ${n}`).join(', ');
  }
  console.table(summary);
  for (const [target, text] of Object.entries(kinds)) console.log(`${target} errors: ${text}`);
  for (const f of failures) {
    console.log(`${f.kind} in ${f.target} case ${f.case} (signal ${f.signal}, exit ${f.code}): ${f.stderr}`);
    console.log(`  replay: node scripts/fuzz.js --targets ${f.target} --seed ${seed} --cases ${f.case + 1}`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  process.exitCode = failures.length > 0 ? 1 : 0;
}

main().catch((err) => {
  console.error(err);
  process.exit(2);
});
