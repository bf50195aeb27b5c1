/// The Lua scripts that change a program's standings in Redis, each atomic and confined to one program's keys (one
/// Redis Cluster slot). A member's changes carry the revision PostgreSQL gave them (`member_totals.revision`, one more
/// per commit), and the program's revision hash records the last one applied to each member, so that a change is
/// applied exactly once and in order, whichever instance or lane sends it.
enum ProjectionScripts {
    /// KEYS[1] the revision hash; ARGV: board key prefix, sequence key prefix, then per member: id, revision, n, and n
    /// pairs (period key, points to add). A member's change applies only when it is the next revision; later ones are
    /// returned (their member must be resynchronised from PostgreSQL), earlier ones were applied already and are skipped.
    /// Each new total is set as its board's next update (`StandingKey`: points × 2³² + 2³² − 1 − sequence).
    static let apply = """
        local slots = 4294967296
        local revisions, boards, sequences = KEYS[1], ARGV[1], ARGV[2]
        local behind = {}
        local i = 3
        while i <= #ARGV do
          local member, revision, n = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
          local applied = tonumber(redis.call('HGET', revisions, member) or '0')
          if revision == applied + 1 then
            for j = 0, n - 1 do
              local period, delta = ARGV[i + 3 + 2 * j], tonumber(ARGV[i + 4 + 2 * j])
              local board = boards .. period
              local score = redis.call('ZSCORE', board, member)
              local points = delta
              if score then points = points + math.floor(tonumber(score) / slots) end
              local sequence = redis.call('INCR', sequences .. period)
              redis.call('ZADD', board, points * slots + (slots - 1 - sequence), member)
            end
            redis.call('HSET', revisions, member, revision)
          elseif revision > applied + 1 then
            table.insert(behind, member)
          end
          i = i + 3 + 2 * n
        end
        return behind
        """

    /// KEYS[1] the revision hash; ARGV: board key prefix, sequence key prefix, then per member: id, revision, n, and n
    /// pairs (period key, total). Sets the member's totals as PostgreSQL holds them at that revision, unless Redis has
    /// applied a later one: a total already on its board keeps its place among ties, a different or missing one is set
    /// as the board's next update.
    static let resync = """
        local slots = 4294967296
        local revisions, boards, sequences = KEYS[1], ARGV[1], ARGV[2]
        local i = 3
        while i <= #ARGV do
          local member, revision, n = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
          local applied = tonumber(redis.call('HGET', revisions, member) or '0')
          if revision >= applied then
            for j = 0, n - 1 do
              local period, points = ARGV[i + 3 + 2 * j], tonumber(ARGV[i + 4 + 2 * j])
              local board = boards .. period
              local score = redis.call('ZSCORE', board, member)
              if not score or math.floor(tonumber(score) / slots) ~= points then
                local sequence = redis.call('INCR', sequences .. period)
                redis.call('ZADD', board, points * slots + (slots - 1 - sequence), member)
              end
            end
            redis.call('HSET', revisions, member, revision)
          end
          i = i + 3 + 2 * n
        end
        return 0
        """
}
