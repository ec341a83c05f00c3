// Checks shared by the Node client-library programs in tests/clients
// (ioredis_client.js, ioredis_scripts.js, node_redis_client.js,
// node_redis_scripts.js), required as require('./checks').
//
// Every check prints one `ok   NAME` line when it holds and throws with what
// was expected and what came back when it does not; runMain turns the first
// throw into a `FAIL ...` line and exit status 1. It offers:
//   HOST                               the loopback address tidecache listens on
//   portArgument()                     PORT, the first command-line argument
//   announce(label, pkg)               print the library's version and node's
//   ok(name)                           the `ok` line of a check done by hand
//   check(name, got, want)             deep strict equality
//   checkError(name, promise, want)    the promise rejects with message `want`
//   sleep(ms), waitUntil(cond, waitMs, stepMs, failure)
//                                      poll the async cond() until true, bounded
//   withTimeout(promise, ms, what)     reject when the promise takes over ms
//   sha1(text)                         hex SHA1, as the server names scripts
//   trackErrors(client, errors)        collect the client's 'error' messages
//   waitReady(r, errors)               an ioredis client reaching "ready", bounded
//   connectWithin(client, errors)      a node-redis client's connect(), bounded
//   checkNoErrors(errors)              no 'error' event came
//   runMain(title, main, totalMs)      the main loop: main(), bounded by totalMs,
//                                      then `TITLE: all checks passed`
'use strict';

const assert = require('node:assert/strict');
const crypto = require('node:crypto');

const HOST = '127.0.0.1';
const CONNECT_WAIT_MS = 10000;  // bound on connecting and reaching "ready"

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const sha1 = (text) => crypto.createHash('sha1').update(text).digest('hex');

function portArgument() {
  const port = Number(process.argv[2]);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`usage: node ${process.argv[1]} PORT ... (got ${JSON.stringify(process.argv[2])})`);
  }
  return port;
}

function announce(label, pkg) {
  const version = require(`${pkg}/package.json`).version;
  console.log(`${label} ${version} on node ${process.version}`);
}

function ok(name) {
  console.log(`ok   ${name}`);
}

function check(name, got, want) {
  assert.deepStrictEqual(got, want, `${name}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
  ok(name);
}

async function checkError(name, promise, wantText) {
  let got;
  try {
    got = await promise;
  } catch (err) {
    check(name, err.message, wantText);
    return;
  }
  throw new Error(`${name}: expected the error ${JSON.stringify(wantText)}, got the reply ${JSON.stringify(got)}`);
}

// Poll the async cond() every stepMs until it is true; throw `failure` once
// waitMs have passed.
async function waitUntil(cond, waitMs, stepMs, failure) {
  const deadline = Date.now() + waitMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(failure);
    await sleep(stepMs);
  }
}

function withTimeout(promise, ms, what) {
  let timer;
  const expire = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, expire]).finally(() => clearTimeout(timer));
}

// Push the message of every 'error' event of client onto errors (a new
// array when not given) and return it.
function trackErrors(client, errors = []) {
  client.on('error', (err) => errors.push(err.message));
  return errors;
}

const errorSummary = (errors) => [...new Set(errors)].join(' | ') || 'none';

// An ioredis client reaching the "ready" state (after its INFO ready check).
function waitReady(r, errors) {
  return new Promise((resolve, reject) => {
    if (r.status === 'ready') {
      resolve();
      return;
    }
    const timer = setTimeout(() => reject(new Error(
      `not ready after ${CONNECT_WAIT_MS} ms (status ${r.status}; errors: ${errorSummary(errors)})`)), CONNECT_WAIT_MS);
    r.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

// A node-redis client's connect(), which resolves once it is ready.
async function connectWithin(client, errors) {
  try {
    await withTimeout(client.connect(), CONNECT_WAIT_MS, 'connect()');
  } catch (err) {
    throw new Error(`${err.message} (errors: ${errorSummary(errors)})`);
  }
}

function checkNoErrors(errors) {
  assert.deepStrictEqual(errors, [], `connection errors: ${errors.join('; ')}`);
}

// Run the async main(); print `TITLE: all checks passed` when it resolves,
// `FAIL ...` and exit 1 when it throws or has not finished after totalMs.
function runMain(title, main, totalMs) {
  const guard = setTimeout(() => {
    console.log(`FAIL not finished after ${totalMs} ms`);
    process.exit(1);
  }, totalMs);
  main().then(() => {
    clearTimeout(guard);
    console.log(`${title}: all checks passed`);
  }).catch((err) => {
    console.log(`FAIL ${err.message}`);
    process.exit(1);
  });
}

// Shared by the hash and set checks of the client programs: the object cached
// as a hash, the session object one of whose fields gets a TTL, the sizes of the large hash and set walked by scan iterators, and
// small helpers.
const USER_FIELDS = {           // the object cached as a hash
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  city: 'Zoë\'s town',          // UTF-8 in a value
  visits: '41',
  score: '4.25',
  bio: '',                      // an empty value is still a field
};
const OBJECT_TTL_S = 300;       // TTL of the cached object
const BIG_HASH_FIELDS = 1000;   // fields of the hash walked with a scan iterator
const BIG_SET_MEMBERS = 1000;   // members of the set walked with a scan iterator
const POOL_MEMBERS = 10;        // members of the set SPOP/SRANDMEMBER draw from
const SESSION_FIELDS = {        // the object whose token field expires on its own
  user: 'ada',
  token: '5f2c9e1a7b',
  csrf: 'c8d1',
  theme: 'dark',
};
const TOKEN_TTL_MS = 1000;      // HPEXPIRE of the token field
const FIELD_EXPIRY_WAIT_MS = 3000; // bound on waiting for the token field to go

const sorted = (items) => [...items].sort();
const range = (n, f) => Array.from({ length: n }, (_, i) => f(i));

// The batches an async iterable (a scan stream or iterator) gives, in order.
async function batchesOf(iterable) {
  const batches = [];
  for await (const batch of iterable) batches.push(batch);
  return batches;
}

module.exports = {
  BIG_HASH_FIELDS,
  BIG_SET_MEMBERS,
  FIELD_EXPIRY_WAIT_MS,
  OBJECT_TTL_S,
  POOL_MEMBERS,
  SESSION_FIELDS,
  TOKEN_TTL_MS,
  USER_FIELDS,
  batchesOf,
  range,
  sorted,
  HOST,
  announce,
  check,
  checkError,
  checkNoErrors,
  connectWithin,
  ok,
  portArgument,
  runMain,
  sha1,
  sleep,
  trackErrors,
  waitReady,
  waitUntil,
  withTimeout,
};
