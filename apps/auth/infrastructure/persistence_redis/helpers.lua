-- The helpers every script shares. KEY_*, FIELD_*, REASON_*, OUTCOME_*, SPENT and LEEWAY are
-- defined above this file by the generated prelude (lua_prelude.py).
-- While LEGACY is on, v1's records of each refresh token are kept in step.
local LEGACY = false

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

-- schema.remaining_ttl: a record kept for a token outlives it by under a second, never less.
local function remaining_ttl(expires, now)
  return math.max(1, math.ceil(tonumber(expires) - now))
end

-- A session as `end_session` and ROTATE use it: a hash whose times are numbers, listed in a set.
local function check_session(sid)
  local key = KEY_SESSION .. sid
  expect(key, 'hash')
  local f = redis.call('HMGET', key, FIELD_UID, FIELD_AJTI, FIELD_AEXP, FIELD_REXP,
    FIELD_EXPIRES, FIELD_ROTATED)
  if not f[1] then return end
  if (f[2] and not tonumber(f[3])) or (f[4] and not tonumber(f[4]))
    or (f[5] and not tonumber(f[5])) or (f[6] and not tonumber(f[6])) then
    fail('BADFIELD ' .. key .. ' holds a time that is not a number')
  end
  expect(KEY_USER_SESSIONS .. f[1], 'set')
  if LEGACY then expect(KEY_V1_TOKENS .. f[1], 'set') end
end

-- domain/revocation_event.encode_event, byte for byte (a golden test compares the two).
local function event(jti, uid, exp_iso, reason, now_iso)
  return '{"type":"add","jti":"' .. jti .. '","user_id":"' .. uid .. '","expires_at":"' ..
    exp_iso .. '","reason":"' .. reason .. '","timestamp":"' .. now_iso .. '"}'
end

local function append(stream, maxlen, payload)
  if tonumber(maxlen) > 0 then
    redis.call('XADD', stream, 'MAXLEN', '~', maxlen, '*', EVENT_FIELD, payload)
  else
    redis.call('XADD', stream, '*', EVENT_FIELD, payload)
  end
end

-- `ttl` is the token's remaining life; the entry outlives it by the verification leeway.
local function blacklist(stream, maxlen, jti, ttl, payload)
  ttl = ttl + LEEWAY
  if ttl <= 0 then return 0 end
  redis.call('SET', KEY_BLACKLIST .. jti, payload, 'EX', ttl)
  append(stream, maxlen, payload)
  return 1
end

-- A spent refresh token: refused by the gateway (which never checks `type`) until it expires,
-- and gone from v1's records so v1's /refresh refuses it too.
local function spend_refresh(uid, rjti, rexp, now)
  if not LEGACY or not rjti or rjti == '' then return end
  local ttl = math.ceil(tonumber(rexp or 0) - now) + LEEWAY
  if ttl > 0 then redis.call('SET', KEY_BLACKLIST .. rjti, SPENT, 'EX', ttl) end
  redis.call('SREM', KEY_V1_TOKENS .. uid, rjti)
  redis.call('DEL', KEY_V1_META .. rjti)
end

local function register_refresh(uid, rjti, rexp, now, meta)
  if not LEGACY then return end
  local ttl = remaining_ttl(rexp, now)
  redis.call('SADD', KEY_V1_TOKENS .. uid, rjti)
  redis.call('EXPIRE', KEY_V1_TOKENS .. uid, ttl)
  redis.call('SET', KEY_V1_META .. rjti, meta, 'EX', ttl)
end

-- schema.V1TokenMeta of a session's refresh token, from the session hash.
local function v1_meta(key, now)
  local d = redis.call('HMGET', key, FIELD_DEVICE, FIELD_UA)
  local function field(v) if v and v ~= '' then return v end return cjson.null end
  return cjson.encode({device_id = field(d[1]), user_agent = field(d[2]),
    issued_at = math.floor(now)})
end

local function end_session(stream, maxlen, sid, reason, now, now_iso, skip)
  local key = KEY_SESSION .. sid
  local f = redis.call('HMGET', key, FIELD_UID, FIELD_AJTI, FIELD_AEXP, FIELD_AEXP_ISO,
    FIELD_RJTI, FIELD_REXP)
  if not f[1] then return 0 end
  if f[2] and not skip[f[2]] then
    local ttl = math.ceil(tonumber(f[3]) - now)
    blacklist(stream, maxlen, f[2], ttl, event(f[2], f[1], f[4], reason, now_iso))
    skip[f[2]] = true
  end
  spend_refresh(f[1], f[5], f[6], now)
  redis.call('DEL', key, KEY_SUCCESSOR .. sid)
  redis.call('SREM', KEY_USER_SESSIONS .. f[1], sid)
  return 1
end
