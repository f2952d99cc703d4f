// SPDX-License-Identifier: Apache-2.0
// Small helpers shared by the benchmarks: timing, medians, and the table they print.
'use strict';
process.env.TF_CPP_MIN_LOG_LEVEL = process.env.TF_CPP_MIN_LOG_LEVEL || '2';

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Microseconds per call of fn, over `iterations` calls after `warmup` calls. */
function timeSync(fn, iterations, warmup = Math.ceil(iterations / 10)) {
  for (let i = 0; i < warmup; i++) fn(i);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn(i);
  return Number(process.hrtime.bigint() - t0) / iterations / 1000;
}

async function timeAsync(fn, iterations, warmup = Math.ceil(iterations / 10)) {
  for (let i = 0; i < warmup; i++) await fn(i);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await fn(i);
  return Number(process.hrtime.bigint() - t0) / iterations / 1000;
}

function fmt(x, digits = 2) {
  return Number.isFinite(x) ? x.toFixed(digits) : String(x);
}

/** Prints rows of [label, value, unit, ratio?, goal?] as an aligned table. */
function table(title, rows) {
  console.log(`\n${title}`);
  for (const [label, value, unit, note] of rows) {
    console.log(`  ${label.padEnd(52)} ${fmt(value).padStart(10)} ${unit.padEnd(6)} ${note ?? ''}`);
  }
}

function verdict(ratio, goal) {
  return `ratio ${fmt(ratio)}x (goal <= ${goal}x: ${ratio <= goal ? 'met' : 'NOT met'})`;
}

let gcFunction = global.gc;

/**
 * A full garbage collection, then a pause for finalizers and concurrent sweeping: the graphs and sessions
 * collected free their TensorFlow memory, which the next allocation reuses instead of faulting in fresh pages
 * (as a C program that deletes what it no longer needs does). Works without --expose-gc.
 */
async function settle(ms = 30) {
  if (!gcFunction) {
    require('v8').setFlagsFromString('--expose-gc');
    gcFunction = require('vm').runInNewContext('gc');
  }
  gcFunction();
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Trains `steps` steps (after `warmup` untimed ones) of `train`, feeding `batches` in turn, with runSync
 * (`mode` 'sync') or await run; the loss on the first batch before and after.
 */
async function trainingSteps(session, { loss, train, batches }, steps, warmup, mode) {
  const lossBefore = (await session.run(loss, batches[0])).item();
  let t0 = 0n;
  let cpu0 = process.cpuUsage();
  for (let i = -warmup; i < steps; i++) {
    if (i === 0) {
      t0 = process.hrtime.bigint();
      cpu0 = process.cpuUsage();
    }
    const feeds = batches[(i + warmup) % batches.length];
    if (mode === 'sync') session.runSync(train, feeds);
    else await session.run(train, feeds);
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const lossAfter = (await session.run(loss, batches[0])).item();
  return { stepsPerSecond: steps / seconds, cpuMsPerStep: (cpu.user + cpu.system) / 1000 / steps, lossBefore, lossAfter };
}

module.exports = { median, timeSync, timeAsync, fmt, table, verdict, settle, trainingSteps };
