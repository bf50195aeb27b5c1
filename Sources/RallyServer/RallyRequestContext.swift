import Hummingbird

/// Per-request state: Hummingbird's core context (logger with the request id, parameters).
public struct RallyRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    /// A batch of 1000 events fits easily; anything beyond is refused with 413.
    public var maxUploadSize: Int { 2 * 1024 * 1024 }
}
