import Hummingbird
import RallyCore

/// Per-request state: Hummingbird's core context (logger with the request id, parameters).
public struct RallyRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    /// A batch of 1000 events fits easily; anything beyond is refused with 413.
    public var maxUploadSize: Int { 2 * 1024 * 1024 }
}

extension RallyRequestContext {
    /// A caller-chosen id from the path; a 404 when it is not a well-formed id (no such resource can exist).
    func pathIdentifier(_ name: String) throws -> String {
        let value = try parameters.require(name)
        guard Identifier.isValid(value) else {
            throw RallyError(.notFound, "no resource has this \(name): ids are 1-128 characters of A-Z a-z 0-9 . _ : @ -")
        }
        return value
    }
}
