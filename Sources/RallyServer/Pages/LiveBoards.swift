import Foundation
import Logging
import Metrics
import RallyCore
import RallyLeaderboards
import RallyLedger
import RallyStorage
import ServiceLifecycle
import Synchronization

/// One board people watch: its program and the query options that choose its days and scope.
struct WatchedBoard: Hashable, Sendable {
    var program: String
    var options: [String: String]

    /// The options of a page's query that choose a board.
    static let names = ["period", "days", "at", "from", "to", "team", "region", "campaign"]

    init(program: String, query: Query) {
        self.program = program
        options = Dictionary(uniqueKeysWithValues: Self.names.compactMap { name in query.value(name).map { (name, $0) } })
    }
}

/// What one stream is to be sent: the newest event (nil once sent) and a signal that something is waiting (an event, or
/// a heartbeat when there is none). Keeping only the newest event, a slow client costs no memory and misses no change: a
/// `board` (the first page changed) is never replaced by a mere `change` (the board changed further down).
final class LiveStream: Sendable {
    struct Event: Equatable {
        var name: String
        var data: String
    }

    private let latest = Mutex<Event?>(nil)
    let signals: AsyncStream<Void>
    private let signal: AsyncStream<Void>.Continuation

    init() {
        (signals, signal) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func deliver(_ event: Event) {
        latest.withLock { latest in
            if event.name == "board" || latest?.name != "board" { latest = event }
        }
        signal.yield()
    }

    func ping() { signal.yield() }

    func finish() { signal.finish() }

    /// The event waiting to be sent, if any.
    func take() -> Event? {
        latest.withLock { latest in
            defer { latest = nil }
            return latest
        }
    }
}

/// The change feed of the leaderboard pages, one per instance: every `interval` it reads each watched board once (a
/// page the cache keeps a second, at once fresh after this instance's own commits) and hands what changed to that
/// board's streams; every `heartbeat` it pings them all. A new stream gets the board at once. Redis is read per board,
/// never per client.
final class LiveBoards: Service, Sendable {
    private struct State {
        var streams: [WatchedBoard: [UUID: LiveStream]] = [:]
        /// What each board's streams were last sent: its first page, and its change count.
        var last: [WatchedBoard: (page: String, changes: Int?)] = [:]
        var stopped = false

        var count: Int { streams.values.reduce(0) { $0 + $1.count } }
    }

    private let leaderboards: Leaderboards
    private let programs: ProgramStore
    private let interval: Duration
    private let heartbeat: Duration
    private let clock: any ServiceClock
    private let logger: Logger
    private let state = Mutex(State())
    private let open: Gauge

    init(leaderboards: Leaderboards, programs: ProgramStore, interval: Duration = .milliseconds(250), heartbeat: Duration = .seconds(15),
         clock: any ServiceClock, logger: Logger, metrics: any MetricsFactory) {
        self.leaderboards = leaderboards
        self.programs = programs
        self.interval = interval
        self.heartbeat = heartbeat
        self.clock = clock
        self.logger = logger
        open = Gauge(label: "rally_page_streams_open", factory: metrics)
    }

    /// A stream of `board` (its data as JSON), starting with the board as it is now; it ends when the feed stops.
    func watch(_ board: WatchedBoard) async throws -> (id: UUID, stream: LiveStream) {
        let first = try await read(board)
        let stream = LiveStream(), id = UUID()
        stream.deliver(LiveStream.Event(name: "board", data: first.page))
        let count: Int? = state.withLock { state in
            guard !state.stopped else { return nil }
            state.streams[board, default: [:]][id] = stream
            if state.last[board] == nil { state.last[board] = first }
            return state.count
        }
        if let count { open.record(count) } else { stream.finish() }
        return (id, stream)
    }

    func stopWatching(_ board: WatchedBoard, id: UUID) {
        let count = state.withLock { state in
            state.streams[board]?[id]?.finish()
            state.streams[board]?[id] = nil
            if state.streams[board]?.isEmpty == true {
                state.streams[board] = nil
                state.last[board] = nil
            }
            return state.count
        }
        open.record(count)
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var sincePing = Duration.zero
            while true {
                try await self.clock.sleep(for: self.interval)
                await self.sendChanges()
                sincePing += self.interval
                if sincePing >= self.heartbeat {
                    sincePing = .zero
                    self.state.withLock { $0.streams.values.flatMap(\.values) }.forEach { $0.ping() }
                }
            }
        }
        let streams = state.withLock { state in
            state.stopped = true
            defer { state.streams.removeAll() }
            return state.streams.values.flatMap(\.values)
        }
        streams.forEach { $0.finish() }
        open.record(0)
    }

    /// Reads each watched board once and hands it to its streams when it changed.
    func sendChanges() async {
        let boards = state.withLock { Array($0.streams.keys) }
        for board in boards {
            do {
                let (data, changes) = try await read(board)
                let (streams, event): ([LiveStream], LiveStream.Event?) = state.withLock { state in
                    guard let streams = state.streams[board] else { return ([], nil) }
                    let last = state.last[board]
                    state.last[board] = (data, changes)
                    if last?.page != data { return (Array(streams.values), LiveStream.Event(name: "board", data: data)) }
                    if let changes, last?.changes != changes { return (Array(streams.values), LiveStream.Event(name: "change", data: String(changes))) }
                    return ([], nil)
                }
                if let event { streams.forEach { $0.deliver(event) } }
            } catch {
                logger.notice("a watched board could not be read", metadata: ["program": "\(board.program)", "error": "\(error)"])
            }
        }
    }

    /// The board's top ten as the pages' script reads it: `{"rows": [{"memberId", "rank", "points", "name", "team"}]}`
    /// (`memberId` and `name` null for an anonymous member); and its change count (`Leaderboards.changeCount`).
    func read(_ board: WatchedBoard) async throws -> (page: String, changes: Int?) {
        let program = try await programs.require(board.program)
        let query = Query(board.options)
        let scope = try LeaderboardController.scope(query, program: program), span = try LeaderboardController.board(query, program: program)
        // The count first: a page read after it is at least as new, so a `change` rarely runs ahead of its `board`.
        let changes = try await leaderboards.changeCount(program: program, scope: scope, span: span)
        let page = try await leaderboards.page(program: program, scope: scope, span: span, offset: 0, limit: 10)
        return (String(decoding: JSONWriter.encode(LiveBody(entries: page.entries)), as: UTF8.self), changes)
    }

    struct LiveBody: JSONWritable {
        var entries: [LeaderboardEntry]

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.key("rows")
                json.array(entries) { json, entry in
                    json.object { json in
                        json.field("memberId", entry.memberId)
                        json.field("rank", entry.rank)
                        json.field("points", entry.points)
                        json.field("name", entry.displayName ?? entry.memberId)
                        json.field("team", entry.team)
                    }
                }
            }
        }
    }
}
