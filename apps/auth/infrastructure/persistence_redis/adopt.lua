-- domain/token_family.decide_adoption, applied. All or nothing: the v1 token leaves v1's
-- records, is blacklisted with its event and mapped to the new session, which is stored with
-- its records; or nothing changes.
LEGACY = true
local stream, adopted, key = KEYS[1], KEY_ADOPTED .. v1_jti, KEY_SESSION .. sid
expect(stream, 'stream')
expect(adopted, 'string')
expect(key, 'hash')
expect(KEY_USER_SESSIONS .. uid, 'set')
expect(KEY_V1_TOKENS .. uid, 'set')
local mapped = redis.call('GET', adopted)
if mapped then return {ADOPTION_ALREADY_ADOPTED, mapped} end
if redis.call('EXISTS', KEY_BLACKLIST .. v1_jti) == 1 then return {ADOPTION_REVOKED} end
if redis.call('SISMEMBER', KEY_V1_TOKENS .. uid, v1_jti) == 0 then return {ADOPTION_UNKNOWN} end
local v1_ttl = remaining_ttl(v1_exp, now)
redis.call('SREM', KEY_V1_TOKENS .. uid, v1_jti)
redis.call('DEL', KEY_V1_META .. v1_jti)
blacklist(stream, maxlen, v1_jti, v1_ttl, event(v1_jti, uid, v1_exp_iso, REASON_REFRESH, now_iso))
redis.call('SET', adopted, sid, 'EX', v1_ttl + LEEWAY)
redis.call('HSET', key, FIELD_UID, uid, FIELD_PROVIDER, provider, FIELD_IP, ip, FIELD_UA, ua,
  FIELD_DEVICE, device, FIELD_CREATED, now_text, FIELD_LAST_USED, now_text, FIELD_EXPIRES,
  expires_text, FIELD_RJTI, rjti, FIELD_AJTI, ajti, FIELD_AEXP, aexp, FIELD_AEXP_ISO, aexp_iso,
  FIELD_REXP, rexp, FIELD_PREV, v1_jti, FIELD_ROTATED, now_text, FIELD_ROTBY, client,
  FIELD_RDIGEST, rdigest)
redis.call('EXPIREAT', key, math.floor(expires) + 1)
redis.call('SADD', KEY_USER_SESSIONS .. uid, sid)
redis.call('EXPIREAT', KEY_USER_SESSIONS .. uid, math.floor(expires) + 1, 'GT')
redis.call('EXPIREAT', KEY_USER_SESSIONS .. uid, math.floor(expires) + 1, 'NX')
register_refresh(uid, rjti, rexp, now, meta)
if sealed ~= '' and grace > 0 then
  redis.call('SET', KEY_SUCCESSOR .. sid, sealed, 'PX', math.floor(grace * 1000))
end
return {ADOPTION_ADOPTED, uid, sid}
