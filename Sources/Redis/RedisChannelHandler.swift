import NIOCore

/// Commands already written as RESP bytes, how many replies they expect, and where the replies go.
struct RedisRequest: Sendable {
    var bytes: ByteBuffer
    var count: Int
    /// The first command's name, for messages.
    var name: String
    var replies: EventLoopPromise<[RedisReply]>
}

/// The protocol on one channel: writes requests in order, parses replies with hiredis's reader as bytes arrive and hands
/// each request its replies first come, first served — several requests may be in flight at once (pipelining).
///
/// A request not answered within the command timeout, bytes that break the protocol, an I/O error or the server
/// closing the connection fail every request in flight and every later one, and close the channel: replies could no
/// longer be matched to their requests. Error replies (`-ERR …`) are replies like any other.
final class RedisChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = RedisRequest
    typealias OutboundOut = ByteBuffer

    /// A request written and waiting for its replies.
    private struct Pending {
        var request: RedisRequest
        var received: [RedisReply] = []
        var deadline: NIODeadline
    }

    private let address: String
    private let timeout: TimeAmount
    private let reader = RedisReplyReader()
    private var pending = CircularBuffer<Pending>()
    /// Why the channel can no longer be used, once it cannot.
    private var failure: RedisError?
    /// Fires at the oldest request's deadline; re-armed for the next one when that one was answered in time.
    private var timer: Scheduled<Void>?

    init(address: String, timeout: TimeAmount) {
        self.address = address
        self.timeout = timeout
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if let failure {
            let unsent = RedisError(failure.kind, failure.message, unsent: true)
            request.replies.fail(unsent)
            promise?.fail(unsent)
            return
        }
        pending.append(Pending(request: request, deadline: context.eventLoop.now + timeout))
        armTimer(context: context)
        // The request is taken: from here a failed write closes the channel and fails it as sent (it may have been).
        promise?.succeed(())
        context.write(wrapOutboundOut(request.bytes), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard failure == nil else { return }
        do {
            try reader.feed(unwrapInboundIn(data))
            while let reply = try reader.next() {
                guard !pending.isEmpty else {
                    throw RedisError(.protocolError, "a reply arrived from \(address) with no command waiting for it")
                }
                pending[pending.startIndex].received.append(reply)
                if pending[pending.startIndex].received.count == pending[pending.startIndex].request.count {
                    let answered = pending.removeFirst()
                    answered.request.replies.succeed(answered.received)
                }
            }
        } catch let error as RedisError {
            fail(error, context: context)
        } catch {
            fail(RedisError(.protocolError, "\(error)"), context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(RedisError(.connection, "the connection to \(address) was closed"), context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(RedisError(.connection, "\(address): \(error)"), context: context)
    }

    /// Fails every request in flight with `error`, refuses later ones, and closes the channel (once).
    private func fail(_ error: RedisError, context: ChannelHandlerContext) {
        guard failure == nil else { return }
        failure = error
        timer?.cancel()
        timer = nil
        while let waiting = pending.popFirst() {
            waiting.request.replies.fail(error)
        }
        context.close(promise: nil)
    }

    /// Schedules the timer for the oldest request's deadline unless it is already set.
    private func armTimer(context: ChannelHandlerContext) {
        guard timer == nil, let oldest = pending.first else { return }
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: oldest.deadline) { [self] in
            timer = nil
            guard let oldest = pending.first else { return }
            if oldest.deadline <= context.eventLoop.now {
                let waited = timeout.nanoseconds / 1_000_000
                fail(RedisError(.timeout, "no reply to \(oldest.request.name) from \(address) within \(waited) ms"), context: context)
            } else {
                armTimer(context: context)
            }
        }
    }
}

@available(*, unavailable)
extension RedisChannelHandler: Sendable {}
