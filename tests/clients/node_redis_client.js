// node-redis (the `redis` npm package) against tidecache with the library's
// default options.
//
// usage: node node_redis_client.js PORT [--handshake-only]
//
// Connects with createClient({ url }) and nothing else, so the library does
// what it does by default (HELLO 3, CLIENT SETINFO, ...). Then it runs the
// commands an application's cache layer uses and checks every result; then
// hashes and sets as applications use them (an object cached as a hash, one
// with HPEXPIRE on a field, tag sets invalidating their members, WRONGTYPE) on
// that RESP3 connection and on
// a second one opened with RESP: 2. Prints one line per check; exits 1 at
// the first failure.
'use strict';

const { createClient, ErrorReply, RESP_TYPES } = require('redis');
const assert = require('node:assert/strict');
const {
  HOST, announce, check, checkError, checkNoErrors, connectWithin, ok, portArgument, runMain, trackErrors, waitUntil,
  USER_FIELDS, OBJECT_TTL_S, BIG_HASH_FIELDS, BIG_SET_MEMBERS, POOL_MEMBERS, sorted, range, batchesOf,
  SESSION_FIELDS, TOKEN_TTL_MS, FIELD_EXPIRY_WAIT_MS,
} = require('./checks');

const SCAN_KEYS = 300;          // keys written for the SCAN check
const PIPELINE_SETS = 100;      // SETs sent in one pipeline
const EXPIRY_PX_MS = 200;       // TTL of the key that must expire
const EXPIRY_WAIT_MS = 5000;    // bound on waiting for it to go
const POLL_STEP_MS = 20;
const TOTAL_MS = 50000;         // bound on the whole program

async function scanAll(client, options) {
  const keys = new Set();
  for await (const batch of client.scanIterator(options)) {
    for (const key of batch) keys.add(key);
  }
  return keys;
}

// The hash and set checks: an object cached as a hash, tag sets invalidating
// their members, WRONGTYPE (fixtures and helpers shared in checks.js). Run on
// the default (RESP3) connection and on one with RESP: 2, each with its own
// key prefix; they leave no key behind.

// A plain object of [{ field, value }, ...] (what hScan gives).
const entriesObject = (entries) => Object.fromEntries(entries.map(({ field, value }) => [field, value]));

// hGetAll's reply: a non-array, non-Map object, copied to a plain one (the
// library may give it a null prototype).
function plainObject(name, reply) {
  assert.ok(reply !== null && typeof reply === 'object' && !Array.isArray(reply) && !(reply instanceof Map),
    `${name}: expected an object, got ${JSON.stringify(reply)}`);
  return { ...reply };
}

async function runHashChecks(client, p) {
  const key = `${p}user:1`;
  check(`${p} HSET user object`, await client.hSet(key, USER_FIELDS), Object.keys(USER_FIELDS).length);
  check(`${p} EXPIRE user`, await client.expire(key, OBJECT_TTL_S), 1);
  const ttl = await client.ttl(key);
  assert.ok(ttl === OBJECT_TTL_S - 1 || ttl === OBJECT_TTL_S, `${p} TTL user: got ${ttl}`);
  ok(`${p} TTL user`);
  check(`${p} HGETALL user`, plainObject(`${p} HGETALL user`, await client.hGetAll(key)), USER_FIELDS);
  check(`${p} HGETALL missing key`, plainObject(`${p} HGETALL missing`, await client.hGetAll(`${p}missing`)), {});
  check(`${p} TYPE user`, await client.type(key), 'hash');
  check(`${p} HGET user name`, await client.hGet(key, 'name'), 'Ada Lovelace');
  check(`${p} HGET user missing field`, await client.hGet(key, 'nope'), null);
  check(`${p} HMGET user email nope city`, await client.hmGet(key, ['email', 'nope', 'city']),
    ['ada@example.com', null, USER_FIELDS.city]);

  check(`${p} HSET user email (existing field)`, await client.hSet(key, 'email', 'ada@lovelace.org'), 0);
  check(`${p} HGET updated email`, await client.hGet(key, 'email'), 'ada@lovelace.org');
  check(`${p} HSETNX user email (exists)`, await client.hSetNX(key, 'email', 'other'), 0);
  check(`${p} HINCRBY user visits 1`, await client.hIncrBy(key, 'visits', 1), 42);
  check(`${p} HINCRBY user visits -2`, await client.hIncrBy(key, 'visits', -2), 40);
  check(`${p} HINCRBY user logins (new field)`, await client.hIncrBy(key, 'logins', 5), 5);
  check(`${p} HINCRBYFLOAT user score 0.5`, await client.hIncrByFloat(key, 'score', 0.5), '4.75');
  check(`${p} HGET score after HINCRBYFLOAT`, await client.hGet(key, 'score'), '4.75');
  await checkError(`${p} HINCRBY on a non-integer field`, client.hIncrBy(key, 'name', 1),
    'ERR hash value is not an integer');
  check(`${p} HDEL user bio nope`, await client.hDel(key, ['bio', 'nope']), 1);
  check(`${p} HDEL user bio again`, await client.hDel(key, 'bio'), 0);
  check(`${p} HEXISTS user bio (deleted)`, await client.hExists(key, 'bio'), 0);
  check(`${p} HEXISTS user name`, await client.hExists(key, 'name'), 1);
  const now = {
    name: 'Ada Lovelace', email: 'ada@lovelace.org', city: USER_FIELDS.city, visits: '40', score: '4.75', logins: '5',
  };
  check(`${p} HLEN user`, await client.hLen(key), Object.keys(now).length);
  check(`${p} HKEYS user`, sorted(await client.hKeys(key)), sorted(Object.keys(now)));
  check(`${p} HVALS user`, sorted(await client.hVals(key)), sorted(Object.values(now)));
  check(`${p} HGETALL user after the updates`, plainObject(`${p} HGETALL user`, await client.hGetAll(key)), now);
  check(`${p} HSTRLEN user name`, await client.hStrLen(key, 'name'), 'Ada Lovelace'.length);
  const ttlAfter = await client.ttl(key);
  assert.ok(ttlAfter > 0 && ttlAfter <= OBJECT_TTL_S, `${p} TTL user after updates: got ${ttlAfter}`);
  ok(`${p} TTL user kept by HSET/HINCRBY/HDEL`);
  const one = await client.hRandField(key);
  assert.ok(one in now, `${p} HRANDFIELD user: got ${JSON.stringify(one)}`);
  ok(`${p} HRANDFIELD user is a field`);
  const three = await client.hRandFieldCountWithValues(key, 3);
  assert.ok(Array.isArray(three) && three.length === 3 && new Set(three.map(({ field }) => field)).size === 3 &&
    three.every(({ field, value }) => now[field] === value),
    `${p} HRANDFIELD 3 WITHVALUES: got ${JSON.stringify(three)}`);
  ok(`${p} HRANDFIELD user 3 WITHVALUES: 3 distinct fields with their values`);

  const big = `${p}big-hash`;
  const fill = client.multi();
  for (let start = 0; start < BIG_HASH_FIELDS; start += 100) {
    fill.hSet(big, Object.fromEntries(range(100, (i) => [`f${start + i}`, `v${start + i}`])));
  }
  check(`${p} HSET ${BIG_HASH_FIELDS} fields in a pipeline`, (await fill.execAsPipeline()).reduce((n, added) => n + added, 0),
    BIG_HASH_FIELDS);
  check(`${p} HLEN big`, await client.hLen(big), BIG_HASH_FIELDS);
  const { cursor, entries } = await client.hScan(big, '0');
  assert.ok(cursor !== '0' && entries.length > 0 && entries.length < BIG_HASH_FIELDS,
    `${p} HSCAN big 0: cursor ${cursor} with ${entries.length} fields`);
  ok(`${p} HSCAN big 0 answers part of the hash and a cursor`);
  const batches = await batchesOf(client.hScanIterator(big, { COUNT: 50 }));
  assert.ok(batches.length > 1, `${p} hScanIterator big: expected several batches, got ${batches.length}`);
  check(`${p} hScanIterator finds all ${BIG_HASH_FIELDS} fields with their values (${batches.length} batches)`,
    entriesObject(batches.flat()), Object.fromEntries(range(BIG_HASH_FIELDS, (i) => [`f${i}`, `v${i}`])));
  const matched = entriesObject((await batchesOf(client.hScanIterator(big, { MATCH: 'f99*' }))).flat());
  check(`${p} hScanIterator MATCH f99*`, matched,
    { f99: 'v99', ...Object.fromEntries(range(10, (i) => [`f99${i}`, `v99${i}`])) });
  check(`${p} DEL user big`, await client.del([key, big]), 2);
}

// node-redis's methods for the hash-field TTL commands; they take (key,
// fields, ...args).
const FIELD_TTL_METHODS = { HPEXPIRE: 'hpExpire', HPTTL: 'hpTTL', HTTL: 'hTTL', HPERSIST: 'hPersist' };

// A hash-field TTL command on fields of key, args going before FIELDS
// numfields: the library's own method when the installed version has one,
// else sendCommand().
function fieldTtl(client, command, key, args, fields) {
  const method = FIELD_TTL_METHODS[command];
  if (typeof client[method] === 'function') return client[method](key, fields, ...args);
  return client.sendCommand([command, key, ...args.map(String), 'FIELDS', String(fields.length), ...fields]);
}

// An object cached as a hash with HPEXPIRE on one field: the session's token
// field expires on its own, the other fields stay.
async function runFieldExpiryChecks(client, p) {
  const key = `${p}session:1`;
  const how = typeof client.hpExpire === 'function' ? 'hpExpire' : 'sendCommand';
  check(`${p} HSET session object`, await client.hSet(key, SESSION_FIELDS), Object.keys(SESSION_FIELDS).length);
  check(`${p} HPEXPIRE session ${TOKEN_TTL_MS} FIELDS 1 token (${how})`,
    await fieldTtl(client, 'HPEXPIRE', key, [TOKEN_TTL_MS], ['token']), [1]);
  const [tokenMs, ...others] = await fieldTtl(client, 'HPTTL', key, [], ['token', 'user', 'nope']);
  assert.ok(Number.isInteger(tokenMs) && tokenMs > 0 && tokenMs <= TOKEN_TTL_MS,
    `${p} HPTTL session token: expected 1..${TOKEN_TTL_MS}, got ${JSON.stringify(tokenMs)}`);
  ok(`${p} HPTTL session token user nope: token's TTL is positive`);
  check(`${p} HPTTL session: user has no TTL (-1), nope no field (-2)`, others, [-1, -2]);
  check(`${p} HTTL session user`, await fieldTtl(client, 'HTTL', key, [], ['user']), [-1]);
  check(`${p} TTL session (the key has none)`, await client.ttl(key), -1);
  check(`${p} HGET session token before it expires`, await client.hGet(key, 'token'), SESSION_FIELDS.token);
  await waitUntil(async () => (await client.hGet(key, 'token')) === null, FIELD_EXPIRY_WAIT_MS, POLL_STEP_MS,
    `${p} token field with HPEXPIRE ${TOKEN_TTL_MS} still there after ${FIELD_EXPIRY_WAIT_MS} ms`);
  ok(`${p} token field gone after HPEXPIRE ${TOKEN_TTL_MS} (HGET null)`);
  const rest = Object.fromEntries(Object.entries(SESSION_FIELDS).filter(([field]) => field !== 'token'));
  check(`${p} HGETALL session without the token`, plainObject(`${p} HGETALL session`, await client.hGetAll(key)), rest);
  check(`${p} HEXISTS session token`, await client.hExists(key, 'token'), 0);
  check(`${p} HPTTL session token after it expired (-2)`, await fieldTtl(client, 'HPTTL', key, [], ['token']), [-2]);
  check(`${p} HPERSIST session user (no TTL: -1)`, await fieldTtl(client, 'HPERSIST', key, [], ['user']), [-1]);
  check(`${p} HGET session user after HPERSIST`, await client.hGet(key, 'user'), 'ada');
  check(`${p} DEL session`, await client.del(key), 1);
}

async function runSetChecks(client, p) {
  const pages = Object.fromEntries(range(6, (i) => [`${p}page:${i + 1}`, `<html>page ${i + 1}</html>`]));
  const page = (i) => `${p}page:${i}`;
  const cache = client.multi();
  for (const [name, body] of Object.entries(pages)) cache.set(name, body, { EX: OBJECT_TTL_S });
  check(`${p} SET EX 6 cached pages`, await cache.execAsPipeline(), range(6, () => 'OK'));
  const news = `${p}tag:news`;
  const sport = `${p}tag:sport`;
  check(`${p} SADD news 3 pages`, await client.sAdd(news, [page(1), page(2), page(3)]), 3);
  check(`${p} SADD news page 3 again`, await client.sAdd(news, page(3)), 0);
  check(`${p} SADD sport 3 pages`, await client.sAdd(sport, [page(3), page(4), page(5)]), 3);
  check(`${p} TYPE news`, await client.type(news), 'set');
  check(`${p} SCARD news`, await client.sCard(news), 3);
  check(`${p} SCARD missing`, await client.sCard(`${p}tag:missing`), 0);
  check(`${p} SISMEMBER news page 2`, await client.sIsMember(news, page(2)), 1);
  check(`${p} SISMEMBER news page 4`, await client.sIsMember(news, page(4)), 0);
  check(`${p} SMISMEMBER news page 1 4 3`, await client.smIsMember(news, [page(1), page(4), page(3)]), [1, 0, 1]);
  check(`${p} SINTER news sport`, await client.sInter([news, sport]), [page(3)]);
  check(`${p} SUNION news sport`, sorted(await client.sUnion([news, sport])), range(5, (i) => page(i + 1)));
  check(`${p} SDIFF news sport`, sorted(await client.sDiff([news, sport])), [page(1), page(2)]);
  check(`${p} SREM sport page 5 nope`, await client.sRem(sport, [page(5), 'nope']), 1);

  const members = await client.sMembers(news);
  assert.ok(Array.isArray(members), `${p} SMEMBERS news: expected an array, got ${JSON.stringify(members)}`);
  check(`${p} SMEMBERS news`, sorted(members), [page(1), page(2), page(3)]);
  const invalidated = await client.multi().del(members).del(news).exec();
  check(`${p} invalidate news: DEL its pages, DEL the tag (MULTI/EXEC)`, invalidated, [3, 1]);
  check(`${p} MGET pages after invalidation`, await client.mGet(Object.keys(pages)),
    [null, null, null, pages[page(4)], pages[page(5)], pages[page(6)]]);
  check(`${p} EXISTS news after invalidation`, await client.exists(news), 0);
  check(`${p} SMEMBERS news after invalidation`, await client.sMembers(news), []);
  check(`${p} SMEMBERS sport untouched`, sorted(await client.sMembers(sport)), [page(3), page(4)]);

  const pool = `${p}pool`;
  const everyone = new Set(range(POOL_MEMBERS, (i) => `m${i}`));
  check(`${p} SADD pool ${POOL_MEMBERS} members`, await client.sAdd(pool, [...everyone]), POOL_MEMBERS);
  const one = await client.sRandMember(pool);
  assert.ok(everyone.has(one), `${p} SRANDMEMBER pool: got ${JSON.stringify(one)}`);
  ok(`${p} SRANDMEMBER pool is a member`);
  const three = await client.sRandMemberCount(pool, 3);
  assert.ok(three.length === 3 && new Set(three).size === 3 && three.every((m) => everyone.has(m)),
    `${p} SRANDMEMBER pool 3: got ${JSON.stringify(three)}`);
  ok(`${p} SRANDMEMBER pool 3: 3 distinct members`);
  const many = await client.sRandMemberCount(pool, -25);
  assert.ok(many.length === 25 && many.every((m) => everyone.has(m)), `${p} SRANDMEMBER pool -25: got ${JSON.stringify(many)}`);
  ok(`${p} SRANDMEMBER pool -25: 25 members, repeats allowed`);
  check(`${p} SCARD pool after SRANDMEMBER`, await client.sCard(pool), POOL_MEMBERS);
  const popped = await client.sPop(pool);
  assert.ok(everyone.has(popped), `${p} SPOP pool: got ${JSON.stringify(popped)}`);
  ok(`${p} SPOP pool is a member`);
  check(`${p} SISMEMBER pool popped`, await client.sIsMember(pool, popped), 0);
  const more = await client.sPopCount(pool, 3);
  assert.ok(more.length === 3 && new Set(more).size === 3 && more.every((m) => everyone.has(m) && m !== popped),
    `${p} SPOP pool 3: got ${JSON.stringify(more)}`);
  ok(`${p} SPOP pool 3: 3 distinct members`);
  check(`${p} SCARD pool after SPOP`, await client.sCard(pool), POOL_MEMBERS - 4);
  check(`${p} pool = members - popped`, sorted(await client.sMembers(pool)),
    sorted([...everyone].filter((m) => m !== popped && !more.includes(m))));
  check(`${p} SPOP missing`, await client.sPop(`${p}missing`), null);

  const big = `${p}big-set`;
  const fill = client.multi();
  for (let start = 0; start < BIG_SET_MEMBERS; start += 100) fill.sAdd(big, range(100, (i) => `member:${start + i}`));
  check(`${p} SADD ${BIG_SET_MEMBERS} members in a pipeline`, (await fill.execAsPipeline()).reduce((n, added) => n + added, 0),
    BIG_SET_MEMBERS);
  const { cursor, members: first } = await client.sScan(big, '0');
  assert.ok(cursor !== '0' && first.length > 0 && first.length < BIG_SET_MEMBERS,
    `${p} SSCAN big 0: cursor ${cursor} with ${first.length} members`);
  ok(`${p} SSCAN big 0 answers part of the set and a cursor`);
  const batches = await batchesOf(client.sScanIterator(big, { COUNT: 50 }));
  assert.ok(batches.length > 1, `${p} sScanIterator big: expected several batches, got ${batches.length}`);
  check(`${p} sScanIterator finds all ${BIG_SET_MEMBERS} members (${batches.length} batches)`, new Set(batches.flat()),
    new Set(range(BIG_SET_MEMBERS, (i) => `member:${i}`)));
  check(`${p} DEL the set-check keys`, await client.del([sport, pool, big, ...Object.keys(pages)]), 3 + 3);
}

async function runWrongTypeChecks(client, p) {
  const [set, hash, string] = [`${p}wt:set`, `${p}wt:hash`, `${p}wt:string`];
  await client.sAdd(set, 'a');
  await client.hSet(hash, 'f', 'v');
  await client.set(string, 's');
  const attempts = [
    ['HGET on a set', () => client.hGet(set, 'a')],
    ['HGETALL on a set', () => client.hGetAll(set)],
    ['SADD on a hash', () => client.sAdd(hash, 'x')],
    ['SMEMBERS on a hash', () => client.sMembers(hash)],
    ['GET on a hash', () => client.get(hash)],
    ['HSET on a string', () => client.hSet(string, 'f', 'v')],
    ['SISMEMBER on a string', () => client.sIsMember(string, 's')],
  ];
  for (const [name, attempt] of attempts) {
    let got;
    try {
      got = await attempt();
    } catch (err) {
      assert.ok(err instanceof ErrorReply && err.message.startsWith('WRONGTYPE'),
        `${p} ${name}: expected an ErrorReply starting WRONGTYPE, got ${err.name}: ${err.message}`);
      ok(`${p} ${name}: ErrorReply WRONGTYPE`);
      continue;
    }
    throw new Error(`${p} ${name}: expected an ErrorReply starting WRONGTYPE, got the reply ${JSON.stringify(got)}`);
  }
  check(`${p} wrong-type keys unchanged`,
    [await client.sMembers(set), plainObject(`${p} HGETALL`, await client.hGetAll(hash)), await client.get(string)],
    [['a'], { f: 'v' }, 's']);
  check(`${p} DEL wrong-type keys`, await client.del([set, hash, string]), 3);
}

async function runHashSetChecks(client, p, protocol) {
  const info = await client.clientInfo();
  check(`${p} the connection speaks RESP${protocol} (CLIENT INFO resp)`, Number(info.resp), protocol);
  await runHashChecks(client, p);
  await runFieldExpiryChecks(client, p);
  await runSetChecks(client, p);
  await runWrongTypeChecks(client, p);
  check(`${p} no key left behind`, (await scanAll(client, { MATCH: `${p}*` })).size, 0);
}

async function runChecks(client) {
  check('PING', await client.ping(), 'PONG');
  check('FLUSHALL first', await client.flushAll(), 'OK');

  check('SET k v EX 100', await client.set('k', 'v', { EX: 100 }), 'OK');
  const ttl = await client.ttl('k');
  assert.ok(ttl === 99 || ttl === 100, `TTL k: expected 99 or 100, got ${ttl}`);
  ok('TTL k');
  check('GET k', await client.get('k'), 'v');
  check('GET missing', await client.get('missing'), null);
  check('SET k2 v2 EX 100', await client.set('k2', 'v2', { EX: 100 }), 'OK');
  check('MGET k missing k2', await client.mGet(['k', 'missing', 'k2']), ['v', null, 'v2']);

  const binary = Buffer.from([0, 13, 10, 255, 36, 51, 13, 10]);
  check('SET binary value', await client.set('bin', binary, { EX: 100 }), 'OK');
  const buffers = client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
  check('GET binary value', await buffers.get('bin'), binary);

  const pipe = client.multi();
  for (let i = 0; i < PIPELINE_SETS; i++) pipe.set(`p:${i}`, `value-${i}`, { EX: 100 });
  check(`pipeline of ${PIPELINE_SETS} SET EX`, await pipe.execAsPipeline(), Array(PIPELINE_SETS).fill('OK'));
  check('MGET of pipelined keys', await client.mGet(['p:0', 'p:57', `p:${PIPELINE_SETS - 1}`]),
    ['value-0', 'value-57', `value-${PIPELINE_SETS - 1}`]);

  // Commands issued together without awaiting go out in one write.
  const parallel = await Promise.all([client.set('a', '1'), client.get('a'), client.incr('a'), client.get('a')]);
  check('back-to-back SET GET INCR GET', parallel, ['OK', '1', 2, '2']);

  check('DEL k k2 missing', await client.del(['k', 'k2', 'missing']), 2);
  check('DEL k again', await client.del('k'), 0);
  check('GET deleted k', await client.get('k'), null);

  const fill = client.multi();
  for (let i = 0; i < SCAN_KEYS; i++) fill.set(`scan:${i}`, 'x', { EX: 100 });
  await fill.execAsPipeline();
  const seen = await scanAll(client, { MATCH: 'scan:*', COUNT: 50 });
  const want = new Set(Array.from({ length: SCAN_KEYS }, (_, i) => `scan:${i}`));
  check(`scanIterator MATCH scan:* finds all ${SCAN_KEYS} keys`, seen, want);
  const everything = await scanAll(client, {});
  check('scanIterator without MATCH finds every key', everything.size, SCAN_KEYS + PIPELINE_SETS + 2);

  check('INCR counter (new)', await client.incr('counter'), 1);
  check('INCR counter', await client.incr('counter'), 2);
  check('GET counter', await client.get('counter'), '2');
  await client.set('text', 'abc');
  await checkError('INCR on a non-integer', client.incr('text'), 'ERR value is not an integer or out of range');

  check('SET short PX 200', await client.set('short', 'v', { PX: EXPIRY_PX_MS }), 'OK');
  const pttl = await client.pTTL('short');
  assert.ok(pttl > 0 && pttl <= EXPIRY_PX_MS, `PTTL short: expected 1..${EXPIRY_PX_MS}, got ${pttl}`);
  ok('PTTL short');
  await waitUntil(async () => (await client.get('short')) === null, EXPIRY_WAIT_MS, POLL_STEP_MS,
    `key with PX ${EXPIRY_PX_MS} still there after ${EXPIRY_WAIT_MS} ms`);
  ok('key with PX 200 expired');
  check('EXISTS expired key', await client.exists('short'), 0);

  check('FLUSHALL', await client.flushAll(), 'OK');
  check('DBSIZE after FLUSHALL', await client.dbSize(), 0);
  check('GET after FLUSHALL', await client.get('p:0'), null);
}

async function main() {
  const port = portArgument();
  const handshakeOnly = process.argv.includes('--handshake-only');
  announce('node-redis', 'redis');

  const client = createClient({ url: `redis://${HOST}:${port}` });
  const errors = trackErrors(client);
  await connectWithin(client, errors);
  ok('connected and ready');
  if (handshakeOnly) {
    check('SET hs v', await client.set('hs', 'v'), 'OK');
    check('GET hs', await client.get('hs'), 'v');
  } else {
    await runChecks(client);
    await runHashSetChecks(client, 'resp3:', 3);
    // The same hash and set checks over RESP2 (no HELLO 3).
    const client2 = createClient({ url: `redis://${HOST}:${port}`, RESP: 2 });
    const errors2 = trackErrors(client2);
    await connectWithin(client2, errors2);
    ok('RESP2 connection (RESP: 2) ready');
    await runHashSetChecks(client2, 'resp2:', 2);
    await client2.close();
    checkNoErrors(errors2);
  }
  await client.close();
  checkNoErrors(errors);
}

runMain('node-redis', main, TOTAL_MS);
