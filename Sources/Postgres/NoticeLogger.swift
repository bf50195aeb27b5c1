import CLibPQ
import Foundation
import Logging

/// Sends a connection's NOTICE/WARNING messages to the logger instead of libpq's default, stderr.
final class NoticeLogger {
    let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    /// Points the handle's notice processor at this object; the connection keeps this object alive while the handle lives.
    func install(on handle: OpaquePointer) {
        PQsetNoticeProcessor(handle, { context, message in
            guard let context, let message else { return }
            let notices = Unmanaged<NoticeLogger>.fromOpaque(context).takeUnretainedValue()
            notices.log(String(cString: message))
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    private func log(_ text: String) {
        let message = text.trimmed
        let level: Logger.Level = message.hasPrefix("WARNING") ? .warning : .debug
        logger.log(level: level, "PostgreSQL server message", metadata: ["message": "\(message)"])
    }
}
