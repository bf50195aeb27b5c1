import Crypto
import Foundation

/// The Lua scripts Rally runs in Redis, each atomic and confined to one program's keys (one Redis Cluster slot; the
/// ready key aside). Those that change standings: a member's changes carry the revision PostgreSQL gave them
/// (`member_totals.revision`, one more per commit), and the program's revision hash records the last one applied to
/// each member, so that a change is applied exactly once and in order, whichever instance or lane sends it. The one
/// that reads a page answers in one round trip what would otherwise take three.
enum RedisScripts {
    /// The SHA-1 Redis knows a script by (`EVALSHA`), once `SCRIPT LOAD` has given it the script.
    static func digest(_ script: String) -> String {
        Insecure.SHA1.hash(data: Data(script.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static let applyDigest = digest(apply)
    static let resyncDigest = digest(resync)
    static let pageDigest = digest(page)
    static let takeTokensDigest = digest(takeTokens)

    /// Every script, to give Redis when it answers NOSCRIPT (after a restart or `SCRIPT FLUSH`).
    static let all = [apply, resync, page, takeTokens]

    /// KEYS[1] the bucket (a hash: `t` tokens, `u` when last refilled, in ms); ARGV: rate a second, capacity, tokens
    /// wanted, the time in ms. Refills by the time passed (never backwards: an instance whose clock is behind refills
    /// nothing), gives up to the tokens wanted, whole ones only; answers {given, ms until one is there (0 when given)}.
    static let takeTokens = """
        local rate, capacity, wanted, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
        local state = redis.call('HMGET', KEYS[1], 't', 'u')
        local tokens, updated = tonumber(state[1]) or capacity, tonumber(state[2]) or now
        if now > updated then
            tokens = tokens + (now - updated) * rate / 1000
            updated = now
        end
        tokens = math.min(capacity, tokens)
        local given = math.min(wanted, math.floor(tokens))
        tokens = tokens - given
        redis.call('HSET', KEYS[1], 't', string.format('%.6f', tokens), 'u', string.format('%d', updated))
        redis.call('PEXPIRE', KEYS[1], math.ceil(capacity * 1000 / rate) + 1000)
        if given > 0 then return {given, 0} end
        return {0, math.ceil((1 - tokens) * 1000 / rate)}
        """

    /// KEYS[1] the board, KEYS[2] the listings hash (one program's: one cluster slot); ARGV: offset, count and `page`; or
    /// the member id, the radius and `around` (the entries either side of a member) or `place` (a member's place and the
    /// next place up). Returns `{total, -1}` when the member is not on the board; otherwise
    /// `{total, offset, above, entries, listings, count}`: `above` counts the members with more points than the page's
    /// first (its rank is one more), `entries` alternates member ids and scores, best first, `listings` holds each
    /// entry's listing JSON (false when it has none), `count` is the page's size as asked. A place adds, unless the
    /// page's first leads the board, the score of the last member with more points than it (the next place up) and how
    /// many members have more points than that one.
    static let page = """
        local slots = 4294967296
        local total = redis.call('ZCARD', KEYS[1])
        local offset, count
        if ARGV[3] ~= 'page' then
          local rank = redis.call('ZREVRANK', KEYS[1], ARGV[1])
          if not rank then return {total, -1} end
          local radius = tonumber(ARGV[2])
          offset = math.max(0, rank - radius)
          count = rank + radius + 1 - offset
        else
          offset, count = tonumber(ARGV[1]), tonumber(ARGV[2])
        end
        local entries = redis.call('ZREVRANGE', KEYS[1], offset, offset + count - 1, 'WITHSCORES')
        if #entries == 0 then return {total, offset, 0, {}, {}, count} end
        local top = math.floor(tonumber(entries[2]) / slots)
        local above = redis.call('ZCOUNT', KEYS[1], string.format('%.17g', (top + 1) * slots), '+inf')
        local members = {}
        for i = 1, #entries, 2 do members[#members + 1] = entries[i] end
        local reply = {total, offset, above, entries, redis.call('HMGET', KEYS[2], unpack(members)), count}
        if ARGV[3] == 'place' and above > 0 then
          local next = redis.call('ZRANGEBYSCORE', KEYS[1], string.format('%.17g', (top + 1) * slots), '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
          local points = math.floor(tonumber(next[2]) / slots)
          reply[7] = next[2]
          reply[8] = redis.call('ZCOUNT', KEYS[1], string.format('%.17g', (points + 1) * slots), '+inf')
        end
        return reply
        """

    /// KEYS[1] the revision hash; ARGV: board key prefix, sequence key prefix, then per member: id, revision, s, n, the s
    /// scope parts of their boards, and n pairs (period key, points to add). A member's change applies only when it is
    /// the next revision; later ones are returned (their member must be resynchronised from PostgreSQL), earlier ones
    /// were applied already and are skipped. A period's total is read once, from the member's first scope's board, and
    /// the new one set on the board of every scope as the period's next update (`StandingKey`: points × 2³² + 2³² − 1 −
    /// sequence); each period's counter is read once and written back once per call.
    static let apply = """
        local slots = 4294967296
        local revisions, boards, sequences = KEYS[1], ARGV[1], ARGV[2]
        local counters = {}
        local behind = {}
        local i = 3
        while i <= #ARGV do
          local member, revision, s, n = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3])
          local scopes, periods = i + 4, i + 4 + s
          local applied = tonumber(redis.call('HGET', revisions, member) or '0')
          if revision == applied + 1 then
            for j = 0, n - 1 do
              local period, delta = ARGV[periods + 2 * j], tonumber(ARGV[periods + 2 * j + 1])
              local score = redis.call('ZSCORE', boards .. ARGV[scopes] .. period, member)
              local points = delta
              if score then points = points + math.floor(tonumber(score) / slots) end
              local sequence = (counters[period] or tonumber(redis.call('GET', sequences .. period) or '0')) + 1
              counters[period] = sequence
              local value = points * slots + (slots - 1 - sequence)
              for k = 0, s - 1 do redis.call('ZADD', boards .. ARGV[scopes + k] .. period, value, member) end
            end
            redis.call('HSET', revisions, member, revision)
          elseif revision > applied + 1 then
            table.insert(behind, member)
          end
          i = periods + 2 * n
        end
        for period, sequence in pairs(counters) do redis.call('SET', sequences .. period, sequence) end
        return behind
        """

    /// KEYS[1] the revision hash, KEYS[2] the placement hash; ARGV: board key prefix, sequence key prefix, then per
    /// member: id, revision, placement (the scope parts of the boards they stand on, joined by newlines; empty when
    /// they stand on none), n, and n pairs (period key, total). Takes the member off the boards of scopes they left;
    /// then, unless Redis has applied a later revision, sets their totals on every board of their scopes as PostgreSQL
    /// holds them at that revision: a total already on its board keeps its place among ties, a different or missing
    /// one is set as its period's next update. A member who stands nowhere is forgotten, so that their next change
    /// asks for a resync.
    static let resync = """
        local slots = 4294967296
        local revisions, placements = KEYS[1], KEYS[2]
        local boards, sequences = ARGV[1], ARGV[2]
        local function scopes(text)
          local set = {}
          for part in string.gmatch(text, '[^\\n]+') do set[part] = true end
          return set
        end
        local i = 3
        while i <= #ARGV do
          local member, revision, placement, n = ARGV[i], tonumber(ARGV[i + 1]), ARGV[i + 2], tonumber(ARGV[i + 3])
          local applied = tonumber(redis.call('HGET', revisions, member) or '0')
          if placement == '' or revision >= applied then
            local after = scopes(placement)
            for scope in pairs(scopes(redis.call('HGET', placements, member) or '')) do
              if not after[scope] then
                for j = 0, n - 1 do redis.call('ZREM', boards .. scope .. ARGV[i + 4 + 2 * j], member) end
              end
            end
            if placement == '' then
              redis.call('HDEL', revisions, member)
              redis.call('HDEL', placements, member)
            else
              local numbered = {}
              for scope in pairs(after) do
                for j = 0, n - 1 do
                  local period, points = ARGV[i + 4 + 2 * j], tonumber(ARGV[i + 5 + 2 * j])
                  local board = boards .. scope .. period
                  local score = redis.call('ZSCORE', board, member)
                  if not score or math.floor(tonumber(score) / slots) ~= points then
                    local sequence = numbered[period] or redis.call('INCR', sequences .. period)
                    numbered[period] = sequence
                    redis.call('ZADD', board, points * slots + (slots - 1 - sequence), member)
                  end
                end
              end
              redis.call('HSET', revisions, member, revision)
              redis.call('HSET', placements, member, placement)
            end
          end
          i = i + 4 + 2 * n
        end
        return 0
        """
}
