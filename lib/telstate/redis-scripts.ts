/**
 * The Lua scripts of the Redis backend. Their data effects and PUBLISH payloads are those of
 * katsdptelstate's scripts (so Python waiters wake up on our writes and vice versa): writes are
 * atomic set-if-new operations that publish on `update/<key>` only when something was created.
 * The SHA-1s differ from Python's, which does not matter. `get_range` is one read-only script
 * here (Python uses a MULTI/EXEC transaction with the same commands).
 * @module
 */
import { createHash } from 'node:crypto';

/** A Lua script and its SHA-1 (for EVALSHA). */
export interface LuaScript {
  readonly name: string;
  readonly source: string;
  readonly sha: string;
}

function script(name: string, source: string): LuaScript {
  return Object.freeze({ name, source, sha: createHash('sha1').update(source).digest('hex') });
}

/** KEYS[1]=key, ARGV[1]=value. Returns nil if stored (and published), else the existing value. */
export const SET_IMMUTABLE = script(
  'set_immutable',
  `if redis.call('SETNX', KEYS[1], ARGV[1]) == 1 then
  redis.call('PUBLISH', 'update/' .. KEYS[1], ARGV[1])
  return false
end
return redis.call('GET', KEYS[1])
`,
);

/** KEYS[1]=key, ARGV[1]=member (packed timestamp + value). Publishes the member if it is new. */
export const ADD_MUTABLE = script(
  'add_mutable',
  `if redis.call('ZADD', KEYS[1], 0, ARGV[1]) == 1 then
  redis.call('PUBLISH', 'update/' .. KEYS[1], ARGV[1])
end
return false
`,
);

/**
 * KEYS[1]=key, ARGV[1]=encoded sub-key, ARGV[2]=value. Returns nil if stored, else the existing
 * value. Publishes `\\x03` + decimal length of the sub-key + `\\n` + sub-key + value.
 */
export const SET_INDEXED = script(
  'set_indexed',
  `if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  redis.call('PUBLISH', 'update/' .. KEYS[1], '\\3' .. string.len(ARGV[1]) .. '\\n' .. ARGV[1] .. ARGV[2])
  return false
end
return redis.call('HGET', KEYS[1], ARGV[1])
`,
);

/** KEYS[1]=key. Returns {value or nil, type}: the string, the greatest zset member, or HGETALL. */
export const GET = script(
  'get',
  `local t = redis.call('TYPE', KEYS[1])['ok']
if t == 'none' then
  return {false, t}
elseif t == 'string' then
  return {redis.call('GET', KEYS[1]), t}
elseif t == 'zset' then
  return {redis.call('ZREVRANGEBYLEX', KEYS[1], '+', '-', 'LIMIT', 0, 1)[1], t}
end
return {redis.call('HGETALL', KEYS[1]), t}
`,
);

/** KEYS[1]=key, ARGV[1]=sub-key. Returns the value; else 1 if the key is absent, nil if only the sub-key is. */
export const GET_INDEXED = script(
  'get_indexed',
  `local v = redis.call('HGET', KEYS[1], ARGV[1])
if v then
  return v
end
return redis.call('EXISTS', KEYS[1]) == 0
`,
);

/**
 * KEYS[1]=key, ARGV[1]=start bound, ARGV[2]=end bound (ZRANGEBYLEX syntax), ARGV[3]='1' to
 * include the previous sample. Returns nil if the key is absent, else {previous, range}.
 * The type is checked first, so a non-mutable key always fails with WRONGTYPE.
 */
export const GET_RANGE = script(
  'get_range',
  `local t = redis.call('TYPE', KEYS[1])['ok']
if t == 'none' then
  return false
elseif t ~= 'zset' then
  return redis.error_reply('WRONGTYPE Operation against a key holding the wrong kind of value')
end
local prev = {}
if ARGV[3] == '1' and ARGV[1] ~= '-' then
  prev = redis.call('ZREVRANGEBYLEX', KEYS[1], ARGV[1], '-', 'LIMIT', 0, 1)
end
local range = {}
if ARGV[1] ~= '+' and ARGV[2] ~= '-' then
  range = redis.call('ZRANGEBYLEX', KEYS[1], ARGV[1], ARGV[2])
end
return {prev, range}
`,
);
