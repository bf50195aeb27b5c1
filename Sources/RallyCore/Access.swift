/// What a program key may do. `admin` may do everything in its program.
public enum KeyRole: String, Sendable, Codable, CaseIterable {
    /// Send events, upsert members.
    case ingest
    /// Read leaderboards and member profiles.
    case read
    /// Everything in its program: rules, keys, analytics, erasure.
    case admin
}

/// Who is calling.
public enum Principal: Sendable, Equatable {
    /// The operator token from configuration: creates programs and may act on any of them.
    case `operator`
    /// A key of one program.
    case programKey(programId: String, role: KeyRole, keyId: String)

    /// Whether the caller may act on `programId` with one of `roles` (admin and the operator always may).
    public func may(_ roles: Set<KeyRole>, in programId: String) -> Bool {
        switch self {
        case .operator: return true
        case let .programKey(keyProgram, role, _): return keyProgram == programId && (role == .admin || roles.contains(role))
        }
    }
}

extension Principal {
    /// How the audit log names the caller: the key's id, or "operator".
    public var actor: String {
        switch self {
        case .operator: "operator"
        case let .programKey(_, _, keyId): keyId
        }
    }
}
