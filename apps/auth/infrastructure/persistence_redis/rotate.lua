-- domain/token_family.decide_rotation, applied. All or nothing: a rotation (old access token
-- blacklisted with its event, old refresh token spent, new pair stored, successor kept, one
-- rotation charged to the budget), or a reuse or expiry ending the session, or nothing.
LEGACY = legacy
local stream, key = KEYS[1], KEY_SESSION .. sid
local f = redis.call('HMGET', key, FIELD_UID, FIELD_EXPIRES, FIELD_RJTI, FIELD_AJTI, FIELD_AEXP,
  FIELD_AEXP_ISO, FIELD_PREV, FIELD_ROTATED, FIELD_ROTBY, FIELD_REXP, FIELD_RDIGEST)
-- A token whose signature was not checked acts only as the exact token issued last.
-- (A missing session or field reads as false, never equal to a digest.)
if digest ~= '' and f[11] ~= digest then
  return {OUTCOME_UNVERIFIED}
end
if not f[1] then return {OUTCOME_MISSING} end
local uid = f[1]
-- What `check_session` checks, from the fields already read: one rotation, fewest calls.
if not tonumber(f[2]) or (f[4] and not tonumber(f[5])) or (f[8] and not tonumber(f[8]))
  or (f[10] and not tonumber(f[10])) then
  fail('BADFIELD ' .. key .. ' holds a time that is not a number')
end
expect(stream, 'stream')
expect(KEY_USER_SESSIONS .. uid, 'set')
if LEGACY then expect(KEY_V1_TOKENS .. uid, 'set') end
local used = 0
if budget_key ~= '' then
  expect(budget_key, 'string')
  used = tonumber(redis.call('GET', budget_key) or '0')
  if not used then fail('BADFIELD ' .. budget_key .. ' is not a count') end
end
if now >= tonumber(f[2]) then
  end_session(stream, maxlen, sid, REASON_SESSION_EXPIRED, now, now_iso, {})
  return {OUTCOME_EXPIRED, uid}
end
-- FamilyState.spent_elsewhere: v1 spends refresh tokens on its own (rotation, logout).
local spent = LEGACY and f[3] == presented and
  (redis.call('SISMEMBER', KEY_V1_TOKENS .. uid, presented) == 0 or
   redis.call('EXISTS', KEY_BLACKLIST .. presented) == 1)
if f[3] == presented and not spent then
  if budget_key ~= '' and used >= budget_limit then return {OUTCOME_LIMITED, uid} end
  blacklist(stream, maxlen, f[4], math.ceil(tonumber(f[5]) - now),
    event(f[4], uid, f[6], REASON_REFRESH, now_iso))
  spend_refresh(uid, presented, f[10], now)
  redis.call('HSET', key, FIELD_RJTI, rjti, FIELD_AJTI, ajti, FIELD_AEXP, aexp, FIELD_AEXP_ISO,
    aexp_iso, FIELD_PREV, presented, FIELD_ROTATED, now_text, FIELD_ROTBY, client,
    FIELD_LAST_USED, now_text, FIELD_REXP, rexp, FIELD_RDIGEST, rdigest)
  if LEGACY then register_refresh(uid, rjti, rexp, now, v1_meta(key, now)) end
  if sealed ~= '' and grace > 0 then
    redis.call('SET', KEY_SUCCESSOR .. sid, sealed, 'PX', math.floor(grace * 1000))
  else
    redis.call('DEL', KEY_SUCCESSOR .. sid)
  end
  if budget_key ~= '' then
    redis.call('INCR', budget_key)
    redis.call('EXPIRE', budget_key, budget_ttl + 1)
  end
  return {OUTCOME_ROTATED, uid}
end
if grace > 0 and f[7] == presented and (now - tonumber(f[8])) <= grace and f[9] == client then
  local kept = redis.call('GET', KEY_SUCCESSOR .. sid)
  if kept then return {OUTCOME_GRACE, uid, kept} end
end
end_session(stream, maxlen, sid, REASON_REFRESH_REUSE, now, now_iso, {})
return {OUTCOME_REUSE, uid}
