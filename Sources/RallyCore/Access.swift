/// What a program key may do. `admin` may do everything in its program.
public enum KeyRole: String, Sendable, Codable, CaseIterable {
    /// Send events, upsert members.
    case ingest
    /// Read leaderboards and member profiles.
    case read
    /// Everything in its program: rules, keys, analytics, erasure.
    case admin
}

/// A program key as its requests present it.
public struct ProgramKey: Sendable, Equatable {
    public var programId: String
    public var role: KeyRole
    public var id: String
    /// Requests a second it may send (nil: its role's limit).
    public var rateLimit: Int?

    public init(programId: String, role: KeyRole, id: String, rateLimit: Int? = nil) {
        self.programId = programId
        self.role = role
        self.id = id
        self.rateLimit = rateLimit
    }
}

/// Who is calling.
public enum Principal: Sendable, Equatable {
    /// The operator token from configuration: creates programs and may act on any of them.
    case `operator`
    /// A key of one program.
    case programKey(ProgramKey)

    /// Whether the caller may act on `programId` with one of `roles` (admin and the operator always may).
    public func may(_ roles: Set<KeyRole>, in programId: String) -> Bool {
        switch self {
        case .operator: return true
        case let .programKey(key): return key.programId == programId && (key.role == .admin || roles.contains(key.role))
        }
    }
}

extension Principal {
    /// How the audit log names the caller: the key's id, or "operator".
    public var actor: String {
        switch self {
        case .operator: "operator"
        case let .programKey(key): key.id
        }
    }
}
