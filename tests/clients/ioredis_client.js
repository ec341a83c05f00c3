// ioredis against tidecache with the library's default options.
//
// usage: node ioredis_client.js PORT [--handshake-only]
//
// Connects with new Redis(port, host) and nothing else, so the library does
// what it does by default: HELLO 3 (falling back to RESP2 when refused),
// CLIENT SETINFO, and the INFO ready check that waits for loading:0. Then it
// runs the commands an application's cache layer uses and checks every
// result; then hashes and sets as applications use them (an object cached as a
// hash, one with HPEXPIRE on a field, tag sets invalidating their members,
// WRONGTYPE) on that RESP3
// connection and on a second one opened with protocol: 2. Prints one line per
// check; exits 1 at the first failure.
'use strict';

const Redis = require('ioredis');
const assert = require('node:assert/strict');
const {
  HOST, announce, check, checkError, checkNoErrors, ok, portArgument, runMain, trackErrors, waitReady, waitUntil,
  USER_FIELDS, OBJECT_TTL_S, BIG_HASH_FIELDS, BIG_SET_MEMBERS, POOL_MEMBERS, sorted, range, batchesOf,
  SESSION_FIELDS, TOKEN_TTL_MS, FIELD_EXPIRY_WAIT_MS,
} = require('./checks');

const SCAN_KEYS = 300;          // keys written for the SCAN check
const PIPELINE_SETS = 100;      // SETs sent in one pipeline
const EXPIRY_PX_MS = 200;       // TTL of the key that must expire
const EXPIRY_WAIT_MS = 5000;    // bound on waiting for it to go
const POLL_STEP_MS = 20;
const TOTAL_MS = 50000;         // bound on the whole program

async function scanAll(r, options) {
  const keys = new Set();
  const stream = r.scanStream(options);
  for await (const batch of stream) {
    for (const key of batch) keys.add(key);
  }
  return keys;
}

// The hash and set checks: an object cached as a hash, tag sets invalidating
// their members, WRONGTYPE (fixtures and helpers shared in checks.js). Run on
// the default (RESP3) connection and on one with protocol: 2, each with its
// own key prefix; they leave no key behind.

// A plain object of the field/value pairs of a flat [f1, v1, f2, v2, ...].
function pairsObject(flat) {
  const obj = {};
  for (let i = 0; i < flat.length; i += 2) obj[flat[i]] = flat[i + 1];
  return obj;
}

async function runHashChecks(r, p) {
  const key = `${p}user:1`;
  check(`${p} HSET user object`, await r.hset(key, USER_FIELDS), Object.keys(USER_FIELDS).length);
  check(`${p} EXPIRE user`, await r.expire(key, OBJECT_TTL_S), 1);
  const ttl = await r.ttl(key);
  assert.ok(ttl === OBJECT_TTL_S - 1 || ttl === OBJECT_TTL_S, `${p} TTL user: got ${ttl}`);
  ok(`${p} TTL user`);
  const all = await r.hgetall(key);
  assert.ok(all !== null && typeof all === 'object' && !Array.isArray(all) && !(all instanceof Map),
    `${p} HGETALL user: expected a plain object, got ${JSON.stringify(all)}`);
  check(`${p} HGETALL user`, { ...all }, USER_FIELDS);
  check(`${p} HGETALL missing key`, { ...(await r.hgetall(`${p}missing`)) }, {});
  check(`${p} TYPE user`, await r.type(key), 'hash');
  check(`${p} HGET user name`, await r.hget(key, 'name'), 'Ada Lovelace');
  check(`${p} HGET user missing field`, await r.hget(key, 'nope'), null);
  check(`${p} HMGET user email nope city`, await r.hmget(key, 'email', 'nope', 'city'),
    ['ada@example.com', null, USER_FIELDS.city]);

  check(`${p} HSET user email (existing field)`, await r.hset(key, 'email', 'ada@lovelace.org'), 0);
  check(`${p} HGET updated email`, await r.hget(key, 'email'), 'ada@lovelace.org');
  check(`${p} HSETNX user email (exists)`, await r.hsetnx(key, 'email', 'other'), 0);
  check(`${p} HINCRBY user visits 1`, await r.hincrby(key, 'visits', 1), 42);
  check(`${p} HINCRBY user visits -2`, await r.hincrby(key, 'visits', -2), 40);
  check(`${p} HINCRBY user logins (new field)`, await r.hincrby(key, 'logins', 5), 5);
  check(`${p} HINCRBYFLOAT user score 0.5`, await r.hincrbyfloat(key, 'score', 0.5), '4.75');
  check(`${p} HGET score after HINCRBYFLOAT`, await r.hget(key, 'score'), '4.75');
  await checkError(`${p} HINCRBY on a non-integer field`, r.hincrby(key, 'name', 1),
    'ERR hash value is not an integer');
  check(`${p} HDEL user bio nope`, await r.hdel(key, 'bio', 'nope'), 1);
  check(`${p} HDEL user bio again`, await r.hdel(key, 'bio'), 0);
  check(`${p} HEXISTS user bio (deleted)`, await r.hexists(key, 'bio'), 0);
  check(`${p} HEXISTS user name`, await r.hexists(key, 'name'), 1);
  const now = {
    name: 'Ada Lovelace', email: 'ada@lovelace.org', city: USER_FIELDS.city, visits: '40', score: '4.75', logins: '5',
  };
  check(`${p} HLEN user`, await r.hlen(key), Object.keys(now).length);
  check(`${p} HKEYS user`, sorted(await r.hkeys(key)), sorted(Object.keys(now)));
  check(`${p} HVALS user`, sorted(await r.hvals(key)), sorted(Object.values(now)));
  check(`${p} HGETALL user after the updates`, { ...(await r.hgetall(key)) }, now);
  check(`${p} HSTRLEN user name`, await r.hstrlen(key, 'name'), 'Ada Lovelace'.length);
  const ttlAfter = await r.ttl(key);
  assert.ok(ttlAfter > 0 && ttlAfter <= OBJECT_TTL_S, `${p} TTL user after updates: got ${ttlAfter}`);
  ok(`${p} TTL user kept by HSET/HINCRBY/HDEL`);
  const one = await r.hrandfield(key);
  assert.ok(one in now, `${p} HRANDFIELD user: got ${JSON.stringify(one)}`);
  ok(`${p} HRANDFIELD user is a field`);
  const three = await r.hrandfield(key, 3, 'WITHVALUES');
  assert.ok(Array.isArray(three) && three.length === 6, `${p} HRANDFIELD 3 WITHVALUES: got ${JSON.stringify(three)}`);
  const drawn = pairsObject(three);
  assert.ok(Object.keys(drawn).length === 3 && Object.entries(drawn).every(([f, v]) => now[f] === v),
    `${p} HRANDFIELD 3 WITHVALUES: got ${JSON.stringify(three)}`);
  ok(`${p} HRANDFIELD user 3 WITHVALUES: 3 distinct fields with their values`);

  const big = `${p}big-hash`;
  const fill = r.pipeline();
  for (let start = 0; start < BIG_HASH_FIELDS; start += 100) {
    fill.hset(big, Object.fromEntries(range(100, (i) => [`f${start + i}`, `v${start + i}`])));
  }
  const filled = await fill.exec();
  check(`${p} HSET ${BIG_HASH_FIELDS} fields in a pipeline`, filled.reduce((n, [err, added]) => n + (err ? 0 : added), 0),
    BIG_HASH_FIELDS);
  check(`${p} HLEN big`, await r.hlen(big), BIG_HASH_FIELDS);
  const [cursor, page] = await r.hscan(big, '0');
  assert.ok(cursor !== '0' && page.length > 0 && page.length < 2 * BIG_HASH_FIELDS,
    `${p} HSCAN big 0: cursor ${cursor} with ${page.length / 2} fields`);
  ok(`${p} HSCAN big 0 answers part of the hash and a cursor`);
  const batches = await batchesOf(r.hscanStream(big, { count: 50 }));
  assert.ok(batches.length > 1, `${p} hscanStream big: expected several batches, got ${batches.length}`);
  check(`${p} hscanStream finds all ${BIG_HASH_FIELDS} fields with their values (${batches.length} batches)`,
    pairsObject(batches.flat()), Object.fromEntries(range(BIG_HASH_FIELDS, (i) => [`f${i}`, `v${i}`])));
  const matched = pairsObject((await batchesOf(r.hscanStream(big, { match: 'f99*' }))).flat());
  check(`${p} hscanStream match f99*`, matched,
    { f99: 'v99', ...Object.fromEntries(range(10, (i) => [`f99${i}`, `v99${i}`])) });
  check(`${p} DEL user big`, await r.del(key, big), 2);
}

// A hash-field TTL command ('hpexpire', 'httl', 'hpttl', 'hpersist') on
// fields of key, args going before FIELDS numfields: ioredis's own method when
// the installed version has one, else call().
function fieldTtl(r, command, key, args, fields) {
  const rest = [...args, 'FIELDS', fields.length, ...fields];
  return typeof r[command] === 'function' ? r[command](key, ...rest) : r.call(command.toUpperCase(), key, ...rest);
}

// An object cached as a hash with HPEXPIRE on one field: the session's token
// field expires on its own, the other fields stay.
async function runFieldExpiryChecks(r, p) {
  const key = `${p}session:1`;
  const how = typeof r.hpexpire === 'function' ? 'ioredis method' : 'call()';
  check(`${p} HSET session object`, await r.hset(key, SESSION_FIELDS), Object.keys(SESSION_FIELDS).length);
  check(`${p} HPEXPIRE session ${TOKEN_TTL_MS} FIELDS 1 token (${how})`,
    await fieldTtl(r, 'hpexpire', key, [TOKEN_TTL_MS], ['token']), [1]);
  const [tokenMs, ...others] = await fieldTtl(r, 'hpttl', key, [], ['token', 'user', 'nope']);
  assert.ok(Number.isInteger(tokenMs) && tokenMs > 0 && tokenMs <= TOKEN_TTL_MS,
    `${p} HPTTL session token: expected 1..${TOKEN_TTL_MS}, got ${JSON.stringify(tokenMs)}`);
  ok(`${p} HPTTL session token user nope: token's TTL is positive`);
  check(`${p} HPTTL session: user has no TTL (-1), nope no field (-2)`, others, [-1, -2]);
  check(`${p} HTTL session user`, await fieldTtl(r, 'httl', key, [], ['user']), [-1]);
  check(`${p} TTL session (the key has none)`, await r.ttl(key), -1);
  check(`${p} HGET session token before it expires`, await r.hget(key, 'token'), SESSION_FIELDS.token);
  await waitUntil(async () => (await r.hget(key, 'token')) === null, FIELD_EXPIRY_WAIT_MS, POLL_STEP_MS,
    `${p} token field with HPEXPIRE ${TOKEN_TTL_MS} still there after ${FIELD_EXPIRY_WAIT_MS} ms`);
  ok(`${p} token field gone after HPEXPIRE ${TOKEN_TTL_MS} (HGET null)`);
  const rest = Object.fromEntries(Object.entries(SESSION_FIELDS).filter(([field]) => field !== 'token'));
  check(`${p} HGETALL session without the token`, { ...(await r.hgetall(key)) }, rest);
  check(`${p} HEXISTS session token`, await r.hexists(key, 'token'), 0);
  check(`${p} HPTTL session token after it expired (-2)`, await fieldTtl(r, 'hpttl', key, [], ['token']), [-2]);
  check(`${p} HPERSIST session user (no TTL: -1)`, await fieldTtl(r, 'hpersist', key, [], ['user']), [-1]);
  check(`${p} HGET session user after HPERSIST`, await r.hget(key, 'user'), 'ada');
  check(`${p} DEL session`, await r.del(key), 1);
}

async function runSetChecks(r, p) {
  const pages = Object.fromEntries(range(6, (i) => [`${p}page:${i + 1}`, `<html>page ${i + 1}</html>`]));
  const page = (i) => `${p}page:${i}`;
  const cache = r.pipeline();
  for (const [name, body] of Object.entries(pages)) cache.set(name, body, 'EX', OBJECT_TTL_S);
  check(`${p} SET EX 6 cached pages`, await cache.exec(), range(6, () => [null, 'OK']));
  const news = `${p}tag:news`;
  const sport = `${p}tag:sport`;
  check(`${p} SADD news 3 pages`, await r.sadd(news, page(1), page(2), page(3)), 3);
  check(`${p} SADD news page 3 again`, await r.sadd(news, page(3)), 0);
  check(`${p} SADD sport 3 pages`, await r.sadd(sport, [page(3), page(4), page(5)]), 3);
  check(`${p} TYPE news`, await r.type(news), 'set');
  check(`${p} SCARD news`, await r.scard(news), 3);
  check(`${p} SCARD missing`, await r.scard(`${p}tag:missing`), 0);
  check(`${p} SISMEMBER news page 2`, await r.sismember(news, page(2)), 1);
  check(`${p} SISMEMBER news page 4`, await r.sismember(news, page(4)), 0);
  check(`${p} SMISMEMBER news page 1 4 3`, await r.smismember(news, page(1), page(4), page(3)), [1, 0, 1]);
  check(`${p} SINTER news sport`, await r.sinter(news, sport), [page(3)]);
  check(`${p} SUNION news sport`, sorted(await r.sunion(news, sport)), range(5, (i) => page(i + 1)));
  check(`${p} SDIFF news sport`, sorted(await r.sdiff(news, sport)), [page(1), page(2)]);
  check(`${p} SREM sport page 5 nope`, await r.srem(sport, page(5), 'nope'), 1);

  const members = await r.smembers(news);
  assert.ok(Array.isArray(members), `${p} SMEMBERS news: expected an array, got ${JSON.stringify(members)}`);
  check(`${p} SMEMBERS news`, sorted(members), [page(1), page(2), page(3)]);
  const invalidated = await r.multi().del(...members).del(news).exec();
  check(`${p} invalidate news: DEL its pages, DEL the tag (MULTI/EXEC)`, invalidated, [[null, 3], [null, 1]]);
  check(`${p} MGET pages after invalidation`, await r.mget(Object.keys(pages)),
    [null, null, null, pages[page(4)], pages[page(5)], pages[page(6)]]);
  check(`${p} EXISTS news after invalidation`, await r.exists(news), 0);
  check(`${p} SMEMBERS news after invalidation`, await r.smembers(news), []);
  check(`${p} SMEMBERS sport untouched`, sorted(await r.smembers(sport)), [page(3), page(4)]);

  const pool = `${p}pool`;
  const everyone = new Set(range(POOL_MEMBERS, (i) => `m${i}`));
  check(`${p} SADD pool ${POOL_MEMBERS} members`, await r.sadd(pool, ...everyone), POOL_MEMBERS);
  const one = await r.srandmember(pool);
  assert.ok(everyone.has(one), `${p} SRANDMEMBER pool: got ${JSON.stringify(one)}`);
  ok(`${p} SRANDMEMBER pool is a member`);
  const three = await r.srandmember(pool, 3);
  assert.ok(three.length === 3 && new Set(three).size === 3 && three.every((m) => everyone.has(m)),
    `${p} SRANDMEMBER pool 3: got ${JSON.stringify(three)}`);
  ok(`${p} SRANDMEMBER pool 3: 3 distinct members`);
  const many = await r.srandmember(pool, -25);
  assert.ok(many.length === 25 && many.every((m) => everyone.has(m)), `${p} SRANDMEMBER pool -25: got ${JSON.stringify(many)}`);
  ok(`${p} SRANDMEMBER pool -25: 25 members, repeats allowed`);
  check(`${p} SCARD pool after SRANDMEMBER`, await r.scard(pool), POOL_MEMBERS);
  const popped = await r.spop(pool);
  assert.ok(everyone.has(popped), `${p} SPOP pool: got ${JSON.stringify(popped)}`);
  ok(`${p} SPOP pool is a member`);
  check(`${p} SISMEMBER pool popped`, await r.sismember(pool, popped), 0);
  const more = await r.spop(pool, 3);
  assert.ok(more.length === 3 && new Set(more).size === 3 && more.every((m) => everyone.has(m) && m !== popped),
    `${p} SPOP pool 3: got ${JSON.stringify(more)}`);
  ok(`${p} SPOP pool 3: 3 distinct members`);
  check(`${p} SCARD pool after SPOP`, await r.scard(pool), POOL_MEMBERS - 4);
  check(`${p} pool = members - popped`, sorted(await r.smembers(pool)),
    sorted([...everyone].filter((m) => m !== popped && !more.includes(m))));
  check(`${p} SPOP missing`, await r.spop(`${p}missing`), null);

  const big = `${p}big-set`;
  const fill = r.pipeline();
  for (let start = 0; start < BIG_SET_MEMBERS; start += 100) fill.sadd(big, range(100, (i) => `member:${start + i}`));
  const filled = await fill.exec();
  check(`${p} SADD ${BIG_SET_MEMBERS} members in a pipeline`, filled.reduce((n, [err, added]) => n + (err ? 0 : added), 0),
    BIG_SET_MEMBERS);
  const [cursor, first] = await r.sscan(big, '0');
  assert.ok(cursor !== '0' && first.length > 0 && first.length < BIG_SET_MEMBERS,
    `${p} SSCAN big 0: cursor ${cursor} with ${first.length} members`);
  ok(`${p} SSCAN big 0 answers part of the set and a cursor`);
  const batches = await batchesOf(r.sscanStream(big, { count: 50 }));
  assert.ok(batches.length > 1, `${p} sscanStream big: expected several batches, got ${batches.length}`);
  check(`${p} sscanStream finds all ${BIG_SET_MEMBERS} members (${batches.length} batches)`, new Set(batches.flat()),
    new Set(range(BIG_SET_MEMBERS, (i) => `member:${i}`)));
  check(`${p} DEL the set-check keys`, await r.del(sport, pool, big, ...Object.keys(pages)), 3 + 3);
}

async function runWrongTypeChecks(r, p) {
  const [set, hash, string] = [`${p}wt:set`, `${p}wt:hash`, `${p}wt:string`];
  await r.sadd(set, 'a');
  await r.hset(hash, 'f', 'v');
  await r.set(string, 's');
  const attempts = [
    ['HGET on a set', () => r.hget(set, 'a')],
    ['HGETALL on a set', () => r.hgetall(set)],
    ['SADD on a hash', () => r.sadd(hash, 'x')],
    ['SMEMBERS on a hash', () => r.smembers(hash)],
    ['GET on a hash', () => r.get(hash)],
    ['HSET on a string', () => r.hset(string, 'f', 'v')],
    ['SISMEMBER on a string', () => r.sismember(string, 's')],
  ];
  for (const [name, attempt] of attempts) {
    let got;
    try {
      got = await attempt();
    } catch (err) {
      assert.ok(err instanceof Redis.ReplyError && err.message.startsWith('WRONGTYPE'),
        `${p} ${name}: expected a ReplyError starting WRONGTYPE, got ${err.name}: ${err.message}`);
      ok(`${p} ${name}: ReplyError WRONGTYPE`);
      continue;
    }
    throw new Error(`${p} ${name}: expected a ReplyError starting WRONGTYPE, got the reply ${JSON.stringify(got)}`);
  }
  check(`${p} wrong-type keys unchanged`, [await r.smembers(set), { ...(await r.hgetall(hash)) }, await r.get(string)],
    [['a'], { f: 'v' }, 's']);
  check(`${p} DEL wrong-type keys`, await r.del(set, hash, string), 3);
}

async function runHashSetChecks(r, p, protocol) {
  const clientInfo = await r.client('INFO');
  assert.match(clientInfo, new RegExp(` resp=${protocol}\\b`), `${p} CLIENT INFO: expected resp=${protocol}, got ${clientInfo}`);
  ok(`${p} the connection speaks RESP${protocol} (CLIENT INFO resp=${protocol})`);
  await runHashChecks(r, p);
  await runFieldExpiryChecks(r, p);
  await runSetChecks(r, p);
  await runWrongTypeChecks(r, p);
  check(`${p} no key left behind`, (await scanAll(r, { match: `${p}*` })).size, 0);
}

async function runChecks(r) {
  check('PING', await r.ping(), 'PONG');
  check('FLUSHALL first', await r.flushall(), 'OK');
  const info = await r.info();
  assert.equal(typeof info, 'string', `INFO: expected a string, got ${JSON.stringify(info)}`);
  assert.match(info, /^# Server\r\n/, 'INFO: expected "# Server" first');
  assert.match(info, /\r\nredis_version:\d+\.\d+\.\d+\r\n/, 'INFO: no redis_version');
  assert.match(info, /\r\nloading:0\r\n/, 'INFO: no loading:0');
  ok('INFO has redis_version and loading:0');

  check('SET k v EX 100', await r.set('k', 'v', 'EX', 100), 'OK');
  const ttl = await r.ttl('k');
  assert.ok(ttl === 99 || ttl === 100, `TTL k: expected 99 or 100, got ${ttl}`);
  ok('TTL k');
  check('GET k', await r.get('k'), 'v');
  check('GET missing', await r.get('missing'), null);
  check('SET k2 v2 EX 100', await r.set('k2', 'v2', 'EX', 100), 'OK');
  check('MGET k missing k2', await r.mget('k', 'missing', 'k2'), ['v', null, 'v2']);

  const binary = Buffer.from([0, 13, 10, 255, 36, 51, 13, 10]);
  check('SET binary value', await r.set('bin', binary, 'EX', 100), 'OK');
  check('GET binary value', await r.getBuffer('bin'), binary);

  const pipe = r.pipeline();
  for (let i = 0; i < PIPELINE_SETS; i++) pipe.set(`p:${i}`, `value-${i}`, 'EX', 100);
  const results = await pipe.exec();
  check(`pipeline of ${PIPELINE_SETS} SET EX`, results, Array.from({ length: PIPELINE_SETS }, () => [null, 'OK']));
  check('MGET of pipelined keys', await r.mget('p:0', 'p:57', `p:${PIPELINE_SETS - 1}`),
    ['value-0', 'value-57', `value-${PIPELINE_SETS - 1}`]);

  // multi() is a MULTI/EXEC transaction.
  const tx = await r.multi().set('tx:a', '1', 'EX', 100).incr('tx:a').get('tx:a').exec();
  check('transaction (MULTI/EXEC)', tx, [[null, 'OK'], [null, 2], [null, '2']]);

  // Commands issued together without awaiting go out back to back as well.
  const parallel = await Promise.all([r.set('a', '1'), r.get('a'), r.incr('a'), r.get('a')]);
  check('back-to-back SET GET INCR GET', parallel, ['OK', '1', 2, '2']);

  check('DEL k k2 missing', await r.del('k', 'k2', 'missing'), 2);
  check('DEL k again', await r.del('k'), 0);
  check('GET deleted k', await r.get('k'), null);

  const fill = r.pipeline();
  for (let i = 0; i < SCAN_KEYS; i++) fill.set(`scan:${i}`, 'x', 'EX', 100);
  await fill.exec();
  const seen = await scanAll(r, { match: 'scan:*', count: 50 });
  const want = new Set(Array.from({ length: SCAN_KEYS }, (_, i) => `scan:${i}`));
  check(`scanStream match scan:* finds all ${SCAN_KEYS} keys`, seen, want);
  const everything = await scanAll(r, {});
  check('scanStream without match finds every key', everything.size, SCAN_KEYS + PIPELINE_SETS + 3); // + bin, a, tx:a

  check('INCR counter (new)', await r.incr('counter'), 1);
  check('INCR counter', await r.incr('counter'), 2);
  check('GET counter', await r.get('counter'), '2');
  await r.set('text', 'abc');
  await checkError('INCR on a non-integer', r.incr('text'), 'ERR value is not an integer or out of range');

  check('SET short PX 200', await r.set('short', 'v', 'PX', EXPIRY_PX_MS), 'OK');
  const pttl = await r.pttl('short');
  assert.ok(pttl > 0 && pttl <= EXPIRY_PX_MS, `PTTL short: expected 1..${EXPIRY_PX_MS}, got ${pttl}`);
  ok('PTTL short');
  await waitUntil(async () => (await r.get('short')) === null, EXPIRY_WAIT_MS, POLL_STEP_MS,
    `key with PX ${EXPIRY_PX_MS} still there after ${EXPIRY_WAIT_MS} ms`);
  ok('key with PX 200 expired');
  check('EXISTS expired key', await r.exists('short'), 0);

  check('FLUSHALL', await r.flushall(), 'OK');
  check('DBSIZE after FLUSHALL', await r.dbsize(), 0);
  check('GET after FLUSHALL', await r.get('p:0'), null);
}

async function main() {
  const port = portArgument();
  const handshakeOnly = process.argv.includes('--handshake-only');
  announce('ioredis', 'ioredis');

  const r = new Redis(port, HOST);
  const errors = trackErrors(r);
  await waitReady(r, errors);
  ok('connected and ready (INFO ready check passed)');
  if (handshakeOnly) {
    check('SET hs v', await r.set('hs', 'v'), 'OK');
    check('GET hs', await r.get('hs'), 'v');
  } else {
    await runChecks(r);
    await runHashSetChecks(r, 'resp3:', 3);
    // The same hash and set checks over RESP2 (no HELLO 3).
    const r2 = new Redis(port, HOST, { protocol: 2 });
    const errors2 = trackErrors(r2);
    await waitReady(r2, errors2);
    ok('RESP2 connection (protocol: 2) ready');
    await runHashSetChecks(r2, 'resp2:', 2);
    check('QUIT (RESP2 connection)', await r2.quit(), 'OK');
    checkNoErrors(errors2);
  }
  check('QUIT', await r.quit(), 'OK');
  checkNoErrors(errors);
}

runMain('ioredis', main, TOTAL_MS);
