-- All or nothing: blacklist entries with their events, the ended sessions (each with its access
-- token's entry and event, its refresh token spent), the not-before time with every session the
-- user holds, v1's records of the user.
LEGACY = legacy
local stream = KEYS[1]
local function check_revoke()
  expect(stream, 'stream')
  for _, sid in ipairs(sessions) do check_session(sid) end
  if nbf_uid ~= '' then
    expect(KEY_USER_SESSIONS .. nbf_uid, 'set')
    for _, sid in ipairs(redis.call('SMEMBERS', KEY_USER_SESSIONS .. nbf_uid)) do
      check_session(sid)
    end
    if LEGACY then expect(KEY_V1_TOKENS .. nbf_uid, 'set') end
  end
  for _, entry in ipairs(spent) do
    if LEGACY then expect(KEY_V1_TOKENS .. entry[1], 'set') end
  end
end
check_revoke()
local skip = {}
for _, entry in ipairs(explicit) do
  blacklist(stream, maxlen, entry[1], entry[2], entry[3])
  skip[entry[1]] = true
end
local ended = 0
for _, sid in ipairs(sessions) do
  ended = ended + end_session(stream, maxlen, sid, reason, now, now_iso, skip)
end
if nbf_uid ~= '' then
  -- `iat` has whole seconds, so the not-before cannot tell a token minted earlier in this
  -- second from one minted after. Every session the user holds now ends here, in this step:
  -- its tokens are refused by jti, and a sign-in completing after this step keeps working.
  for _, sid in ipairs(redis.call('SMEMBERS', KEY_USER_SESSIONS .. nbf_uid)) do
    ended = ended + end_session(stream, maxlen, sid, reason, now, now_iso, skip)
  end
  redis.call('SET', KEY_USER_NOT_BEFORE .. nbf_uid, nbf_value, 'EX', nbf_ttl)
  -- Every session of the user ends, v1's too: its refresh tokens leave v1's records and are
  -- refused by the gateway until they expire.
  if LEGACY then
    for _, jti in ipairs(redis.call('SMEMBERS', KEY_V1_TOKENS .. nbf_uid)) do
      local ttl = redis.call('TTL', KEY_V1_META .. jti)
      if ttl < 1 then ttl = redis.call('TTL', KEY_V1_TOKENS .. nbf_uid) end
      if ttl > 0 then redis.call('SET', KEY_BLACKLIST .. jti, SPENT, 'EX', ttl + LEEWAY) end
      redis.call('DEL', KEY_V1_META .. jti)
    end
    redis.call('DEL', KEY_V1_TOKENS .. nbf_uid)
  end
end
for _, entry in ipairs(spent) do
  spend_refresh(entry[1], entry[2], entry[3], now)
end
return ended
