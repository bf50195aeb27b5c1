import Hummingbird
import RallyCore
import RallyStorage

/// Per-request state: Hummingbird's core context (logger with the request id, parameters).
public struct RallyRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Who called, once the route's access rule admitted them (nil on routes anyone may call).
    public var principal: Principal?
    /// The program named by the path, once the route's access rule admitted the caller to it.
    public var program: ProgramContext?

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    /// A batch of 1000 events fits easily; anything beyond is refused with 413.
    public var maxUploadSize: Int { 2 * 1024 * 1024 }
}

extension RallyRequestContext {
    /// How the audit log names the caller (`Principal.actor`).
    var actor: String { principal?.actor ?? "anonymous" }

    /// The program a `.program` route's rule admitted the caller to.
    func requireProgram() throws -> ProgramContext {
        guard let program else { throw RallyError(.internalError, "the route declares no program access rule") }
        return program
    }

    /// A caller-chosen id from the path; a 404 when it is not a well-formed id (no such resource can exist).
    func pathIdentifier(_ name: String) throws -> String {
        let value = try parameters.require(name)
        guard Identifier.isValid(value) else {
            throw RallyError(.notFound, "no resource has this \(name): ids are 1-128 characters of A-Z a-z 0-9 . _ : @ -")
        }
        return value
    }
}
