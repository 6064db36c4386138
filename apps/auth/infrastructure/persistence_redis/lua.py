"""Lua run inside Redis: a revocation, its outbox event and the session change land together.

`event` builds the bytes of `domain/revocation_event.encode_event`; ROTATE runs the decision
table of `domain/token_family.decide_rotation`. Tests hold both to their Python originals.

Every script is atomic but not transactional: Redis runs it alone, yet a write it has made stays
when a later command of the same script fails. So each script checks, before its first write,
everything that could fail later: the type of every key it will write (`expect`) and every
stored field it will compute with (`check_session`). Redis itself refuses an out-of-memory, a
read-only (replica) or a too-few-replicas write only at a script's first write, never after
one. Together: a script either applies all its writes or none of them (what each one writes is
stated above it), and a failure is an error reply the adapters turn into 503.
"""

# A token is accepted up to the verification leeway past its `exp`, so every entry that refuses
# one (blacklist, spent refresh token, adopted v1 token) lives that much longer than the token.
_LEEWAY_LINE = "local LEEWAY = 0\n"


def with_leeway(script: str, leeway_seconds: int) -> str:
    """The script with its blacklist entries outliving each token by `leeway_seconds`."""
    return script.replace(_LEEWAY_LINE, f"local LEEWAY = {int(leeway_seconds)}\n", 1)


PRELUDE = """
local SESSION, USER_SESSIONS, BLACKLIST = 'auth:session:', 'auth:user-sessions:', 'blacklist:'
local SUCCESSOR = 'auth:successor:'
-- The records the Eco² auth v1 keeps per refresh token; kept in step while LEGACY is on.
local V1_TOKENS, V1_META = 'user:tokens:', 'token:meta:'
local LEGACY = false
local LEEWAY = 0

local function fail(message)
  error(redis.error_reply(message))
end

-- A key written by something else (another type) would fail a write half-way; checked first.
local function expect(key, kind)
  local found = redis.call('TYPE', key)['ok']
  if found ~= 'none' and found ~= kind then
    fail('WRONGTYPE ' .. key .. ' holds a ' .. found .. ', not a ' .. kind)
  end
end

-- A session as `end_session` and ROTATE use it: a hash whose times are numbers, listed in a set.
local function check_session(sid)
  local key = SESSION .. sid
  expect(key, 'hash')
  local f = redis.call('HMGET', key, 'uid', 'ajti', 'aexp', 'rexp', 'expires', 'rotated')
  if not f[1] then return end
  if (f[2] and not tonumber(f[3])) or (f[4] and not tonumber(f[4]))
    or (f[5] and not tonumber(f[5])) or (f[6] and not tonumber(f[6])) then
    fail('BADFIELD ' .. key .. ' holds a time that is not a number')
  end
  expect(USER_SESSIONS .. f[1], 'set')
  if LEGACY then expect(V1_TOKENS .. f[1], 'set') end
end

local function event(jti, uid, exp_iso, reason, now_iso)
  return '{"type":"add","jti":"' .. jti .. '","user_id":"' .. uid .. '","expires_at":"' ..
    exp_iso .. '","reason":"' .. reason .. '","timestamp":"' .. now_iso .. '"}'
end

local function append(stream, maxlen, payload)
  if tonumber(maxlen) > 0 then
    redis.call('XADD', stream, 'MAXLEN', '~', maxlen, '*', 'event', payload)
  else
    redis.call('XADD', stream, '*', 'event', payload)
  end
end

-- `ttl` is the token's remaining life; the entry outlives it by the verification leeway.
local function blacklist(stream, maxlen, jti, ttl, payload)
  ttl = ttl + LEEWAY
  if ttl <= 0 then return 0 end
  redis.call('SET', BLACKLIST .. jti, payload, 'EX', ttl)
  append(stream, maxlen, payload)
  return 1
end

-- A spent refresh token: refused by the gateway (which never checks `type`) until it expires,
-- and gone from v1's records so v1's /refresh refuses it too.
local function spend_refresh(uid, rjti, rexp, now)
  if not LEGACY or not rjti or rjti == '' then return end
  local ttl = math.ceil(tonumber(rexp or 0) - now) + LEEWAY
  if ttl > 0 then redis.call('SET', BLACKLIST .. rjti, 'spent', 'EX', ttl) end
  redis.call('SREM', V1_TOKENS .. uid, rjti)
  redis.call('DEL', V1_META .. rjti)
end

local function register_refresh(uid, rjti, rexp, now, meta)
  if not LEGACY then return end
  local ttl = math.max(1, math.ceil(tonumber(rexp) - now))
  redis.call('SADD', V1_TOKENS .. uid, rjti)
  redis.call('EXPIRE', V1_TOKENS .. uid, ttl)
  redis.call('SET', V1_META .. rjti, meta, 'EX', ttl)
end

-- v1's metadata of a session's refresh token, as v1 writes it (device, user agent, issue time).
local function v1_meta(key, now)
  local d = redis.call('HMGET', key, 'device', 'ua')
  local function field(v) if v and v ~= '' then return v end return cjson.null end
  return cjson.encode({device_id = field(d[1]), user_agent = field(d[2]),
    issued_at = math.floor(now)})
end

local function end_session(stream, maxlen, sid, reason, now, now_iso, skip)
  local key = SESSION .. sid
  local f = redis.call('HMGET', key, 'uid', 'ajti', 'aexp', 'aexp_iso', 'rjti', 'rexp')
  if not f[1] then return 0 end
  if f[2] and not skip[f[2]] then
    local ttl = math.ceil(tonumber(f[3]) - now)
    blacklist(stream, maxlen, f[2], ttl, event(f[2], f[1], f[4], reason, now_iso))
    skip[f[2]] = true
  end
  spend_refresh(f[1], f[5], f[6], now)
  redis.call('DEL', key, SUCCESSOR .. sid)
  redis.call('SREM', USER_SESSIONS .. f[1], sid)
  return 1
end
"""

# All or nothing: blacklist entries with their events, the ended sessions (each with its access
# token's entry and event, its refresh token spent), the not-before time with every session the
# user holds, v1's records of the user. KEYS[1] stream. ARGV: legacy, now, now_iso, maxlen,
# reason, n_explicit, (jti, ttl, payload)*n, n_sessions, sid*n, nbf_key, nbf_value, nbf_ttl,
# n_spent, (uid, rjti, rexp)*n
REVOKE = (
    PRELUDE
    + """
LEGACY = ARGV[1] == '1'
local stream, now, now_iso, maxlen, reason = KEYS[1], tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5]
local function check_revoke()
  expect(stream, 'stream')
  local j = 7 + 3 * tonumber(ARGV[6])
  local n = tonumber(ARGV[j]); j = j + 1
  for _ = 1, n do check_session(ARGV[j]); j = j + 1 end
  if ARGV[j] ~= '' then
    local uid = string.match(ARGV[j], '[^:]+$')
    expect(USER_SESSIONS .. uid, 'set')
    for _, sid in ipairs(redis.call('SMEMBERS', USER_SESSIONS .. uid)) do check_session(sid) end
    if LEGACY then expect(V1_TOKENS .. uid, 'set') end
  end
  j = j + 3
  n = tonumber(ARGV[j]); j = j + 1
  for _ = 1, n do
    if LEGACY then expect(V1_TOKENS .. ARGV[j], 'set') end
    j = j + 3
  end
end
check_revoke()
local i, skip = 6, {}
local n = tonumber(ARGV[i]); i = i + 1
for _ = 1, n do
  blacklist(stream, maxlen, ARGV[i], tonumber(ARGV[i + 1]), ARGV[i + 2])
  skip[ARGV[i]] = true
  i = i + 3
end
n = tonumber(ARGV[i]); i = i + 1
local ended = 0
for _ = 1, n do
  ended = ended + end_session(stream, maxlen, ARGV[i], reason, now, now_iso, skip)
  i = i + 1
end
if ARGV[i] ~= '' then
  -- `iat` has whole seconds, so the not-before cannot tell a token minted earlier in this
  -- second from one minted after. Every session the user holds now ends here, in this step:
  -- its tokens are refused by jti, and a sign-in completing after this step keeps working.
  local uid = string.match(ARGV[i], '[^:]+$')
  for _, sid in ipairs(redis.call('SMEMBERS', USER_SESSIONS .. uid)) do
    ended = ended + end_session(stream, maxlen, sid, reason, now, now_iso, skip)
  end
  redis.call('SET', ARGV[i], ARGV[i + 1], 'EX', ARGV[i + 2])
  -- Every session of the user ends, v1's too: its refresh tokens leave v1's records and are
  -- refused by the gateway until they expire.
  if LEGACY then
    for _, jti in ipairs(redis.call('SMEMBERS', V1_TOKENS .. uid)) do
      local ttl = redis.call('TTL', V1_META .. jti)
      if ttl < 1 then ttl = redis.call('TTL', V1_TOKENS .. uid) end
      if ttl > 0 then redis.call('SET', BLACKLIST .. jti, 'spent', 'EX', ttl + LEEWAY) end
      redis.call('DEL', V1_META .. jti)
    end
    redis.call('DEL', V1_TOKENS .. uid)
  end
end
i = i + 3
n = tonumber(ARGV[i]); i = i + 1
for _ = 1, n do
  spend_refresh(ARGV[i], ARGV[i + 1], ARGV[i + 2], now)
  i = i + 3
end
return ended
"""
)

# All or nothing: a rotation (old access token blacklisted with its event, old refresh token
# spent, new pair stored, successor kept), or a reuse or expiry ending the session, or nothing.
# The rotation budget is charged only by a rotation that then applies in full.
# KEYS[1] session, KEYS[2] stream. ARGV: presented, client, rjti, ajti, aexp, aexp_iso, now,
# now_iso, grace, sealed successor ('' for none), maxlen, legacy, rexp, budget key ('' for
# none), budget limit, budget window
ROTATE = (
    PRELUDE
    + """
LEGACY = ARGV[12] == '1'
local key, stream = KEYS[1], KEYS[2]
local presented, client = ARGV[1], ARGV[2]
local now, now_iso, grace, maxlen = tonumber(ARGV[7]), ARGV[8], tonumber(ARGV[9]), ARGV[11]
local f = redis.call('HMGET', key, 'uid', 'expires', 'rjti', 'ajti', 'aexp', 'aexp_iso', 'prev',
  'rotated', 'rotby', 'rexp')
if not f[1] then return {'missing'} end
local sid = string.sub(key, string.len(SESSION) + 1)
-- What `check_session` checks, from the fields already read: one rotation, fewest calls.
if not tonumber(f[2]) or (f[4] and not tonumber(f[5])) or (f[8] and not tonumber(f[8]))
  or (f[10] and not tonumber(f[10])) then
  fail('BADFIELD ' .. key .. ' holds a time that is not a number')
end
expect(stream, 'stream')
expect(USER_SESSIONS .. f[1], 'set')
if LEGACY then expect(V1_TOKENS .. f[1], 'set') end
if ARGV[14] ~= '' then expect(ARGV[14], 'string') end
if now >= tonumber(f[2]) then
  end_session(stream, maxlen, sid, 'session_expired', now, now_iso, {})
  return {'expired', f[1]}
end
-- v1 spends refresh tokens on its own (rotation, logout): a current token v1 no longer knows
-- has been used elsewhere.
local spent = LEGACY and f[3] == presented and
  (redis.call('SISMEMBER', V1_TOKENS .. f[1], presented) == 0 or
   redis.call('EXISTS', BLACKLIST .. presented) == 1)
if f[3] == presented and not spent then
  if ARGV[14] ~= '' then
    local count = redis.call('INCR', ARGV[14])
    if count == 1 then redis.call('EXPIRE', ARGV[14], ARGV[16]) end
    if count > tonumber(ARGV[15]) then
      return {'limited', f[1], tostring(math.max(1, redis.call('TTL', ARGV[14])))}
    end
  end
  blacklist(stream, maxlen, f[4], math.ceil(tonumber(f[5]) - now),
    event(f[4], f[1], f[6], 'refresh', now_iso))
  spend_refresh(f[1], presented, f[10], now)
  redis.call('HSET', key, 'rjti', ARGV[3], 'ajti', ARGV[4], 'aexp', ARGV[5], 'aexp_iso', ARGV[6],
    'prev', presented, 'rotated', ARGV[7], 'rotby', client, 'last_used', ARGV[7], 'rexp', ARGV[13])
  if LEGACY then register_refresh(f[1], ARGV[3], ARGV[13], now, v1_meta(key, now)) end
  if ARGV[10] ~= '' and grace > 0 then
    redis.call('SET', SUCCESSOR .. sid, ARGV[10], 'PX', math.floor(grace * 1000))
  else
    redis.call('DEL', SUCCESSOR .. sid)
  end
  return {'rotated', f[1]}
end
if grace > 0 and f[7] == presented and (now - tonumber(f[8])) <= grace and f[9] == client then
  local sealed = redis.call('GET', SUCCESSOR .. sid)
  if sealed then return {'grace', f[1], sealed} end
end
end_session(stream, maxlen, sid, 'refresh_reuse', now, now_iso, {})
return {'reuse', f[1]}
"""
)

# All or nothing: the v1 token leaves v1's records, is blacklisted with its event and mapped,
# and the new session is stored with its records; or nothing changes.
# A v1 refresh token presented to v2 becomes a v2 session in one step, or maps to the session it
# already became. KEYS[1] stream. ARGV: v1 jti, uid, v1 exp, v1 exp_iso, now, now_iso, sid,
# session fields (provider, ip, ua, device, expires), rjti, ajti, aexp, aexp_iso, rexp, v1 meta,
# client, grace, sealed successor, maxlen
ADOPT = (
    PRELUDE
    + """
LEGACY = true
local stream = KEYS[1]
local v1, uid, now, now_iso, sid = ARGV[1], ARGV[2], tonumber(ARGV[5]), ARGV[6], ARGV[7]
local maxlen = ARGV[22]
local adopted = 'auth:adopted:' .. v1
expect(stream, 'stream')
expect(adopted, 'string')
expect(SESSION .. sid, 'hash')
expect(USER_SESSIONS .. uid, 'set')
expect(V1_TOKENS .. uid, 'set')
local mapped = redis.call('GET', adopted)
if mapped then return {'adopted', mapped} end
if redis.call('EXISTS', BLACKLIST .. v1) == 1 then return {'revoked'} end
if redis.call('SISMEMBER', V1_TOKENS .. uid, v1) == 0 then return {'unknown'} end
local v1_ttl = math.max(1, math.ceil(tonumber(ARGV[3]) - now)) + LEEWAY
redis.call('SREM', V1_TOKENS .. uid, v1)
redis.call('DEL', V1_META .. v1)
blacklist(stream, maxlen, v1, v1_ttl - LEEWAY, event(v1, uid, ARGV[4], 'refresh', now_iso))
redis.call('SET', adopted, sid, 'EX', v1_ttl)
local key = SESSION .. sid
local expires = tonumber(ARGV[12])
redis.call('HSET', key, 'uid', uid, 'provider', ARGV[8], 'ip', ARGV[9], 'ua', ARGV[10],
  'device', ARGV[11], 'created', ARGV[5], 'last_used', ARGV[5], 'expires', ARGV[12],
  'rjti', ARGV[13], 'ajti', ARGV[14], 'aexp', ARGV[15], 'aexp_iso', ARGV[16], 'rexp', ARGV[17],
  'prev', v1, 'rotated', ARGV[5], 'rotby', ARGV[19])
redis.call('EXPIREAT', key, math.floor(expires) + 1)
redis.call('SADD', USER_SESSIONS .. uid, sid)
redis.call('EXPIREAT', USER_SESSIONS .. uid, math.floor(expires) + 1, 'GT')
redis.call('EXPIREAT', USER_SESSIONS .. uid, math.floor(expires) + 1, 'NX')
register_refresh(uid, ARGV[13], ARGV[17], now, ARGV[18])
if ARGV[21] ~= '' and tonumber(ARGV[20]) > 0 then
  redis.call('SET', SUCCESSOR .. sid, ARGV[21], 'PX', math.floor(tonumber(ARGV[20]) * 1000))
end
return {'rotated', uid, sid}
"""
)
