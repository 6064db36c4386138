"""Lua run inside Redis: a revocation, its outbox event and the session change land together.

`event` builds the bytes of `domain/revocation_event.encode_event`; ROTATE runs the decision
table of `domain/token_family.decide_rotation`. Tests hold both to their Python originals.
"""

PRELUDE = """
local SESSION, USER_SESSIONS, BLACKLIST = 'auth:session:', 'auth:user-sessions:', 'blacklist:'
local SUCCESSOR = 'auth:successor:'

local function event(jti, uid, exp_iso, reason, now_iso)
  return '{"type":"add","jti":"' .. jti .. '","user_id":"' .. uid .. '","expires_at":"' ..
    exp_iso .. '","reason":"' .. reason .. '","timestamp":"' .. now_iso .. '"}'
end

local function blacklist(stream, maxlen, jti, ttl, payload)
  if ttl <= 0 then return 0 end
  redis.call('SET', BLACKLIST .. jti, payload, 'EX', ttl)
  redis.call('XADD', stream, 'MAXLEN', '~', maxlen, '*', 'event', payload)
  redis.call('PUBLISH', 'auth:revocations', jti)
  return 1
end

local function end_session(stream, maxlen, sid, reason, now, now_iso, skip)
  local key = SESSION .. sid
  local f = redis.call('HMGET', key, 'uid', 'ajti', 'aexp', 'aexp_iso')
  if not f[1] then return 0 end
  if f[2] and not skip[f[2]] then
    local ttl = math.ceil(tonumber(f[3]) - now)
    blacklist(stream, maxlen, f[2], ttl, event(f[2], f[1], f[4], reason, now_iso))
    skip[f[2]] = true
  end
  redis.call('DEL', key, SUCCESSOR .. sid)
  redis.call('SREM', USER_SESSIONS .. f[1], sid)
  return 1
end
"""

# KEYS[1] stream. ARGV: now, now_iso, maxlen, reason, n_explicit, (jti, ttl, payload)*n,
# n_sessions, sid*n, nbf_key, nbf_value, nbf_ttl
REVOKE = (
    PRELUDE
    + """
local stream, now, now_iso, maxlen, reason = KEYS[1], tonumber(ARGV[1]), ARGV[2], ARGV[3], ARGV[4]
local i, skip = 5, {}
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
  redis.call('SET', ARGV[i], ARGV[i + 1], 'EX', ARGV[i + 2])
  redis.call('PUBLISH', 'auth:revocations', ARGV[i])
end
return ended
"""
)

# KEYS[1] session, KEYS[2] stream. ARGV: presented, client, rjti, ajti, aexp, aexp_iso, now,
# now_iso, grace, sealed successor ('' for none), maxlen
ROTATE = (
    PRELUDE
    + """
local key, stream = KEYS[1], KEYS[2]
local presented, client = ARGV[1], ARGV[2]
local now, now_iso, grace, maxlen = tonumber(ARGV[7]), ARGV[8], tonumber(ARGV[9]), ARGV[11]
local f = redis.call('HMGET', key, 'uid', 'expires', 'rjti', 'ajti', 'aexp', 'aexp_iso', 'prev',
  'rotated', 'rotby')
if not f[1] then return {'missing'} end
local sid = string.sub(key, string.len(SESSION) + 1)
if now >= tonumber(f[2]) then
  end_session(stream, maxlen, sid, 'session_expired', now, now_iso, {})
  return {'expired', f[1]}
end
if f[3] == presented then
  blacklist(stream, maxlen, f[4], math.ceil(tonumber(f[5]) - now),
    event(f[4], f[1], f[6], 'refresh', now_iso))
  redis.call('HSET', key, 'rjti', ARGV[3], 'ajti', ARGV[4], 'aexp', ARGV[5], 'aexp_iso', ARGV[6],
    'prev', presented, 'rotated', ARGV[7], 'rotby', client, 'last_used', ARGV[7])
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
